package providertest

import "sync"

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
