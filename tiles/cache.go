package tiles

import (
	"container/list"
	"sync"
	"time"
)

// entryOverhead approximates what an entry costs besides its bytes (list
// element, map slot, Tile struct), so that many empty tiles still count.
const entryOverhead = 256

// cache is a least-recently-used map of rendered tiles bounded by bytes.
// Keys carry the data versions a tile was drawn at, so an entry is never
// wrong, only unused once the data move on; sweep drops those early.
type cache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	ll    list.List // front: most recently used; values are *Tile
	items map[string]*list.Element

	evictions uint64
}

func newCache(maxBytes int64) *cache {
	return &cache{max: maxBytes, items: map[string]*list.Element{}}
}

func (t *Tile) cost() int64 {
	return int64(len(t.key)+len(t.Raw)+len(t.Gzip)) + entryOverhead
}

// get returns the tile under key and marks it used. A tile past its
// expiry (a version dated in the future has begun since it was drawn) is
// dropped instead.
func (c *cache) get(key string) (*Tile, bool) { return c.getBytes([]byte(key)) }

// getBytes is get with the key as bytes: the map is looked up without
// making a string of them.
func (c *cache) getBytes(key []byte) (*Tile, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[string(key)]
	if !ok {
		return nil, false
	}
	t := e.Value.(*Tile)
	if !t.expires.IsZero() && !time.Now().Before(t.expires) {
		c.removeLocked(e)
		return nil, false
	}
	c.ll.MoveToFront(e)
	return t, true
}

// put stores t under t.key, evicting the least recently used tiles beyond
// the bound. A tile bigger than an eighth of the cache is not kept: one
// huge tile must not flush everything else.
func (c *cache) put(t *Tile) {
	cost := t.cost()
	if cost > c.max/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[t.key]; ok {
		c.size -= e.Value.(*Tile).cost()
		e.Value = t
		c.ll.MoveToFront(e)
	} else {
		c.items[t.key] = c.ll.PushFront(t)
	}
	c.size += cost
	for c.size > c.max {
		c.removeLocked(c.ll.Back())
		c.evictions++
	}
}

func (c *cache) removeLocked(e *list.Element) {
	t := c.ll.Remove(e).(*Tile)
	delete(c.items, t.key)
	c.size -= t.cost()
}

// sweep drops every tile for which stale returns true and says how many.
func (c *cache) sweep(stale func(*Tile) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for e := c.ll.Front(); e != nil; {
		next := e.Next()
		if stale(e.Value.(*Tile)) {
			c.removeLocked(e)
			n++
		}
		e = next
	}
	return n
}

// stats returns the number of tiles held, their cost in bytes and the
// evictions so far.
func (c *cache) stats() (entries int, bytes int64, evictions uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items), c.size, c.evictions
}
