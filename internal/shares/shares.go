// Package shares counts what each owner (a token, a caller's name) holds of
// a bounded resource at once — the import queue's places, the photo
// uploads under way — so that no one owner takes all of it.
package shares

import "sync"

// Counter counts the holdings of each owner, at most Max each. The zero
// value with Max set is ready to use.
type Counter struct {
	Max int

	mu    sync.Mutex
	held  map[string]int
	total int
}

// Take counts one more holding of owner's, unless it holds Max already.
func (c *Counter) Take(owner string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held[owner] >= c.Max {
		return false
	}
	if c.held == nil {
		c.held = map[string]int{}
	}
	c.held[owner]++
	c.total++
	return true
}

// Give ends one of owner's holdings.
func (c *Counter) Give(owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held[owner] <= 0 {
		return // nothing of owner's to end: a caller's bug, not a negative count
	}
	if c.held[owner]--; c.held[owner] == 0 {
		delete(c.held, owner)
	}
	c.total--
}

// Total is how many holdings there are, of all owners.
func (c *Counter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}
