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

// requestCounter counts a fake server's requests per route. It has its own
// lock, so counting never waits on the server's other state. The zero value
// is ready to use.
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int
	total  int
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
}
