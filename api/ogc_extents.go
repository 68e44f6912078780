package api

import (
	"sync"

	"github.com/gridmap-dev/gridmap/geo"
)

// extentCache keeps the OGC collections' extents of boundaries and gaps
// for the data version this node's index is at: they change only with the
// data, and each is read over every current unit of a level (161 ms for
// /ogc/collections at city scale, 470 ms at province scale, on every
// request: QGIS asks as it connects). Reports' extents follow no data
// version and are read each time.
type extentCache struct {
	mu      sync.Mutex
	version int64
	byID    map[string]geo.Extent
}

// get returns the collection's extent at the index's version, read once
// per version; without an index, read every time.
func (e *extentCache) get(index geo.Follower, id string, read func() (geo.Extent, error)) (geo.Extent, error) {
	if index == nil {
		return read()
	}
	v := index.Version()
	e.mu.Lock()
	ext, ok := e.byID[id]
	ok = ok && e.version == v
	e.mu.Unlock()
	if ok {
		return ext, nil
	}
	ext, err := read()
	if err != nil {
		return ext, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.version != v || e.byID == nil {
		e.version, e.byID = v, map[string]geo.Extent{}
	}
	e.byID[id] = ext
	return ext, nil
}
