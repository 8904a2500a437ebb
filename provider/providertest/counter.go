package providertest

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// stopGrace is how long Close lets requests in flight (a git http-backend
// process among them) finish before it cuts their connections.
const stopGrace = 2 * time.Second

// stopServer shuts srv down, waiting up to stopGrace for requests in flight,
// so that the repositories they use can be removed safely afterwards.
func stopServer(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	if srv.Shutdown(ctx) != nil {
		srv.Close()
	}
}

// requestCounter counts a fake server's requests per route, and the
// requests in flight at once; it also holds the server's per-request
// latency. It has its own lock, so counting never waits on the server's
// other state. The zero value is ready to use.
type requestCounter struct {
	mu       sync.Mutex
	counts   map[string]int
	total    int
	inFlight int
	maxIn    int
	latency  time.Duration
}

// begin marks r in flight, waits the latency (less if the client goes
// away) and returns the function that marks it done. It reports false when
// the client went away during the wait: the request is not served.
func (c *requestCounter) begin(r *http.Request) (end func(), ok bool) {
	c.mu.Lock()
	c.inFlight++
	c.maxIn = max(c.maxIn, c.inFlight)
	d := c.latency
	c.mu.Unlock()
	end = func() {
		c.mu.Lock()
		c.inFlight--
		c.mu.Unlock()
	}
	if d <= 0 {
		return end, true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return end, true
	case <-r.Context().Done():
		return end, false
	}
}

func (c *requestCounter) setLatency(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.latency = max(d, 0)
}

func (c *requestCounter) maxInFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxIn
}

// serve runs next for r between begin and end.
func (c *requestCounter) serve(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	end, ok := c.begin(r)
	defer end()
	if ok {
		next(w, r)
	}
}

func (c *requestCounter) count(route string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = make(map[string]int)
	}
	c.counts[route]++
	c.total++
}

func (c *requestCounter) requests(route string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[route]
}

func (c *requestCounter) totalRequests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

func (c *requestCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.counts)
	c.total = 0
	c.maxIn = c.inFlight
}
