package tiles

import (
	"strconv"
	"sync"
)

// Cache keys: a tile's key names the request and the data versions of the
// layers it draws, so a cached tile is never stale, only unused. On a node
// that follows the change record a layer's version in the key is that of
// the latest change that reached the tile (reach.go), so an edit leaves
// the tiles it does not reach cached.

// keyBuffers recycles the buffers cache keys are built in: a hit needs no
// key string, the map is looked up with the bytes.
var keyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 128); return &b }}

// cacheKey names a tile: its layers, coordinates and filter, and the
// versions of the data each layer drawn at this zoom depends on. Layers
// not drawn at the zoom contribute no version: an edit of grids leaves
// the low-zoom tiles of "district,grid" cached.
func cacheKey(r Request, v Versions) string { return string(appendCacheKey(nil, r, v)) }

// appendCacheKey appends r's cache key: the request and the versions of the
// layers it draws.
func appendCacheKey(b []byte, r Request, v Versions) []byte {
	b = appendRequestKey(b, r)
	for _, l := range r.Layers {
		if !l.drawnAt(r.Coord.Z) {
			continue
		}
		for _, d := range l.Versions {
			b = appendVersion(b, d, v[d])
		}
	}
	return b
}

// appendRequestKey appends the part of a cache key that names the request:
// its layers, coordinates and filter.
func appendRequestKey(b []byte, r Request) []byte {
	for i, l := range r.Layers {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, l.Name...)
	}
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(r.Coord.Z), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(r.Coord.X), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(r.Coord.Y), 10)
	b = append(b, '?')
	if r.Filter.IsZero() {
		// What a caller may see is part of the key even with no filter: an
		// anonymous caller must never be served a signed-in caller's tile.
		b = r.Filter.Privacy.appendKey(b)
	} else {
		b = append(b, r.Filter.Key()...)
	}
	return append(b, '#')
}

// appendVersion appends one data layer's version to a cache key.
func appendVersion(b []byte, layer string, v int64) []byte {
	b = append(b, layer...)
	b = append(b, '=')
	b = strconv.AppendInt(b, v, 10)
	return append(b, ';')
}
