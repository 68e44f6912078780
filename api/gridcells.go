package api

import (
	lru "container/list"
	"fmt"
	"sync"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// gridCellCache keeps each grid version's cells (casework.GridCells):
// filling a grid's polygon is the costly part of a coverage answer and of
// a patrol's upload, and a version never changes. Sizes are kept for every
// version asked about (a province's 300,000 grids are a few tens of MB of
// them); sets, about 40 bytes a cell, for the versions used last, up to
// maxCachedCells cells. Emptied whole when full, as it was, the 7 million
// cells of a city's 50,000 grids were filled again on every look at the
// whole city (13 s).
var gridCellCache = newCellCache(maxCachedCells, maxCachedSizes)

const (
	maxCachedCells = 5_000_000
	maxCachedSizes = 2_000_000
)

type cellCache struct {
	mu       sync.Mutex
	sizes    map[string][2]int // res, cells
	sets     map[string]*lru.Element
	recent   lru.List // of *cachedSet, the last used first
	cells    int
	maxCells int
	maxSizes int
}

type cachedSet struct {
	key string
	set casework.CellSet
}

func newCellCache(maxCells, maxSizes int) *cellCache {
	return &cellCache{sizes: map[string][2]int{}, sets: map[string]*lru.Element{}, maxCells: maxCells, maxSizes: maxSizes}
}

// cellKey names a grid version: code, version and the moment it was
// written (a database rebuilt from scratch reuses codes and versions).
func cellKey(g *geo.Unit) string {
	return fmt.Sprintf("%s/%d/%d", g.Code, g.Version, g.CreatedAt.UnixNano())
}

// Set implements casework.GridCells.
func (c *cellCache) Set(g *geo.Unit) casework.CellSet {
	key := cellKey(g)
	c.mu.Lock()
	if e, ok := c.sets[key]; ok {
		c.recent.MoveToFront(e)
		c.mu.Unlock()
		return e.Value.(*cachedSet).set
	}
	c.mu.Unlock()
	set := casework.CellsOf(g.Geom) // outside the lock: it may take long
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keep(key, set)
	return set
}

// Count implements casework.GridCells.
func (c *cellCache) Count(g *geo.Unit) (res, n int) {
	key := cellKey(g)
	c.mu.Lock()
	size, ok := c.sizes[key]
	if e, kept := c.sets[key]; !ok && kept {
		set := e.Value.(*cachedSet).set
		size, ok = [2]int{set.Res, len(set.Cells)}, true
	}
	c.mu.Unlock()
	if ok {
		return size[0], size[1]
	}
	// The set itself is not kept: most grids of a city are counted, and
	// only those with a visit near them looked into (Set).
	set := casework.CellsOf(g.Geom)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keepSize(key, set)
	return set.Res, len(set.Cells)
}

// keepSize stores a set's size. c.mu is held.
func (c *cellCache) keepSize(key string, set casework.CellSet) {
	if len(c.sizes) >= c.maxSizes {
		clear(c.sizes)
	}
	c.sizes[key] = [2]int{set.Res, len(set.Cells)}
}

// keep stores a set and its size, dropping the sets used longest ago
// while they would exceed maxCells. c.mu is held.
func (c *cellCache) keep(key string, set casework.CellSet) {
	c.keepSize(key, set)
	if _, ok := c.sets[key]; ok || len(set.Cells) > c.maxCells {
		return // filled meanwhile by another request, or too large to keep
	}
	for c.cells+len(set.Cells) > c.maxCells {
		last := c.recent.Back()
		old := c.recent.Remove(last).(*cachedSet)
		delete(c.sets, old.key)
		c.cells -= len(old.set.Cells)
	}
	c.sets[key] = c.recent.PushFront(&cachedSet{key: key, set: set})
	c.cells += len(set.Cells)
}
