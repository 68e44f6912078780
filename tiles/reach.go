package tiles

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/paulmach/orb"
)

// Keeping tiles across edits that do not reach them. A cached tile's key
// names, for each data layer it draws, not the layer's version but the
// version of the latest change that reached the tile: an edit of one grid
// then makes obsolete the tiles around that grid, and every other tile of
// the layer stays a hit. It grows with the edit, where a version per layer
// made each edit redraw the whole city for every dashboard.
//
// A node following the change record knows where each change lies (the
// boxes geo.Service records as it applies it), and which tiles those
// boxes reach at every zoom. A tile's content depends on nothing outside
// its buffered envelope: each feature is clipped to it, generalised on its
// own, and labelled at a point inside it (tiles/sql.go, migration 003).

// reachMargin is how far around a change's box tiles count as reached, in
// tile units: the clip buffer of polygon layers and a little more, so the
// envelope PostgreSQL searches is inside it whatever the rounding.
const reachMargin = float64(Buffer+16) / Extent

// Bounds of what the record of reached tiles holds: tiles one change may
// list at a zoom (past that, every tile of the layer at that zoom counts
// as reached: a district's edit at street zooms), and the tiles listed in
// all (past that, a layer's record starts again, and its cached tiles are
// drawn once more).
const (
	maxReachedPerZoom = 256
	maxReached        = 1 << 19
)

// reachFollower is what the record follows: the node's changes, and its
// versions when it must start again.
type reachFollower interface {
	LayerVersions() (map[string]int64, int64)
	TileChangesSince(v int64) ([]geo.TileChange, bool)
	TileEpoch() uint64
}

// reach is the record of which tiles the changes a node applied reached.
type reach struct {
	follower reachFollower
	at       atomic.Int64  // the data version the record has caught up with
	epoch    atomic.Uint64 // the follower's epoch it follows (TileEpoch)

	mu      sync.RWMutex
	layers  map[string]*layerReach // by data layer
	zooms   map[string][2]int      // the zooms each data layer is drawn at
	entries int                    // tiles listed in all layers
	started bool
	// generation counts the record's starts: it is part of every key, as
	// a version number may come back with other data (the database lost
	// the commits that had it, and the node rebuilt its index).
	generation int64
}

// generationKey holds a tile's generation among its keyed versions.
const generationKey = "@generation"

// layerReach is the record of one data layer.
type layerReach struct {
	head int64 // the layer's version at the record's version
	// base is the version the record starts from: a tile drawn at it or at
	// a later version in ends is known, and no change up to it is.
	base int64
	ends []int64 // the versions the layer moved to after base, oldest first (at most maxEnds)
	minZ int
	// zoomBase and reached are per zoom from minZ: the latest change that
	// reached every tile of the zoom, and the latest that reached each
	// listed tile (x<<32 | y).
	zoomBase []int64
	reached  []map[uint64]int64
	entries  int
}

// maxEnds is how many of a layer's versions a drawn tile may be at to be kept.
const maxEnds = 1024

func newReach(f reachFollower, layers []*Layer) *reach {
	r := &reach{follower: f, layers: map[string]*layerReach{}, zooms: map[string][2]int{}}
	for _, l := range layers {
		for _, d := range l.Versions {
			z, ok := r.zooms[d]
			if !ok {
				z = [2]int{l.MinZoom, l.MaxZoom}
			}
			r.zooms[d] = [2]int{min(z[0], l.MinZoom), max(z[1], l.MaxZoom)}
		}
	}
	return r
}

// catchUp brings the record to the follower's changes, if at is not its
// version or the follower rebuilt its index since (a new epoch).
func (r *reach) catchUp(at int64) {
	epoch := r.follower.TileEpoch()
	if r.at.Load() == at && r.epoch.Load() == epoch {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.at.Load() == at && r.epoch.Load() == epoch {
		return
	}
	changes, ok := r.follower.TileChangesSince(r.at.Load())
	if !ok || !r.started || r.epoch.Load() != epoch {
		r.epoch.Store(epoch)
		v, at := r.follower.LayerVersions()
		r.restartLocked(v, at)
		return
	}
	for _, c := range changes {
		r.applyLocked(c)
	}
}

// restartLocked forgets every change: every layer starts at its version v.
func (r *reach) restartLocked(v map[string]int64, at int64) {
	r.layers, r.entries, r.started = map[string]*layerReach{}, 0, v != nil
	r.generation++
	for d := range r.zooms {
		r.layers[d] = r.newLayer(d, v[d])
	}
	r.at.Store(at)
}

func (r *reach) newLayer(d string, v int64) *layerReach {
	z := r.zooms[d]
	n := z[1] - z[0] + 1
	lr := &layerReach{head: v, base: v, minZ: z[0], zoomBase: make([]int64, n), reached: make([]map[uint64]int64, n)}
	for i := range lr.zoomBase {
		lr.zoomBase[i] = v
	}
	return lr
}

// applyLocked records one change: the layers whose version moved were
// reached where its boxes lie, or everywhere without boxes.
func (r *reach) applyLocked(c geo.TileChange) {
	for d, lr := range r.layers {
		v := c.Layers[d]
		if v == lr.head {
			continue
		}
		boxes, ok := c.Boxes[d]
		if !ok || v < lr.head || r.entries > maxReached {
			r.entries -= lr.entries
			r.layers[d] = r.newLayer(d, v)
			continue
		}
		r.entries += lr.record(boxes, v)
	}
	r.at.Store(c.Version)
}

// record marks the tiles boxes reach as changed at v, the layer's new
// version, and returns how many more tiles it lists.
func (lr *layerReach) record(boxes []orb.Bound, v int64) int {
	added := 0
	for i := range lr.reached {
		z := lr.minZ + i
		var tiles [][4]int
		n := 0
		for _, b := range boxes {
			t := tileSpan(b, z)
			n += (t[2] - t[0] + 1) * (t[3] - t[1] + 1)
			tiles = append(tiles, t)
		}
		if n > maxReachedPerZoom {
			lr.zoomBase[i] = v
			added -= len(lr.reached[i])
			lr.reached[i] = nil
			continue
		}
		if lr.reached[i] == nil {
			lr.reached[i] = map[uint64]int64{}
		}
		for _, t := range tiles {
			for x := t[0]; x <= t[2]; x++ {
				for y := t[1]; y <= t[3]; y++ {
					k := uint64(x)<<32 | uint64(y)
					if _, ok := lr.reached[i][k]; !ok {
						added++
					}
					lr.reached[i][k] = v
				}
			}
		}
	}
	lr.entries += added
	lr.head = v
	lr.ends = append(lr.ends, v)
	if len(lr.ends) > maxEnds {
		lr.ends = slices.Delete(lr.ends, 0, len(lr.ends)-maxEnds)
	}
	return added
}

// latest is the version of the latest change that reached tile c.
func (lr *layerReach) latest(c Coord) int64 {
	i := c.Z - lr.minZ
	if i < 0 || i >= len(lr.zoomBase) {
		return lr.head // not drawn at this zoom; never asked
	}
	v := lr.zoomBase[i]
	if m := lr.reached[i]; m != nil {
		v = max(v, m[uint64(c.X)<<32|uint64(c.Y)])
	}
	return v
}

// holds reports whether a tile drawn at the layer's version v is known to
// the record: v is the version it started from or one it moved to.
func (lr *layerReach) holds(v int64) bool {
	if v == lr.base {
		return true
	}
	_, found := slices.BinarySearch(lr.ends, v)
	return found
}

// appendKey appends the key of q's tile at the follower's versions v (at
// data version at): for each layer drawn, the latest change that reached
// the tile. It fails when the record is not at those versions (a change
// applied in between): the tile is then drawn.
func (r *reach) appendKey(b []byte, q Request, v Versions, at int64) ([]byte, bool) {
	r.catchUp(at)
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.started || r.at.Load() != at {
		return b, false
	}
	b = appendVersion(appendRequestKey(b, q), generationKey, r.generation)
	for _, l := range q.Layers {
		if !l.drawnAt(q.Coord.Z) {
			continue
		}
		for _, d := range l.Versions {
			lr := r.layers[d]
			if lr == nil || lr.head != v[d] {
				return b, false
			}
			b = appendVersion(b, d, lr.latest(q.Coord))
		}
	}
	return b, true
}

// drawnKey returns the key a tile of q drawn at versions drawn is kept
// under, or false when it cannot be kept: drawn at a version the record
// does not hold, or reached by a change after it.
func (r *reach) drawnKey(q Request, drawn Versions) (string, Versions, bool) {
	if _, at := r.follower.LayerVersions(); at != 0 {
		r.catchUp(at)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.started {
		return "", nil, false
	}
	keyed := Versions{generationKey: r.generation}
	b := appendVersion(appendRequestKey(nil, q), generationKey, r.generation)
	for _, l := range q.Layers {
		if !l.drawnAt(q.Coord.Z) {
			continue
		}
		for _, d := range l.Versions {
			lr := r.layers[d]
			if lr == nil || !lr.holds(drawn[d]) {
				return "", nil, false
			}
			v := lr.latest(q.Coord)
			if v > drawn[d] {
				return "", nil, false
			}
			keyed[d] = v
			b = appendVersion(b, d, v)
		}
	}
	return string(b), keyed, true
}

// current reports whether a tile kept under keyed versions is still a
// tile of the record's versions (for the sweeps).
func (r *reach) current(c Coord, keyed Versions) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for d, v := range keyed {
		if d == generationKey {
			if v != r.generation {
				return false
			}
		} else if lr := r.layers[d]; lr == nil || lr.latest(c) != v {
			return false
		}
	}
	return true
}

// tileSpan is the tiles at zoom z (x0, y0, x1, y1) a change in box b
// reaches: those whose envelope widened by reachMargin meets it.
func tileSpan(b orb.Bound, z int) [4]int {
	n := float64(int64(1) << z)
	last := int(n) - 1
	clamp := func(f float64) int { return min(max(int(math.Floor(f)), 0), last) }
	x0 := clamp((b.Min[0]+180)/360*n - reachMargin)
	x1 := clamp((b.Max[0]+180)/360*n + reachMargin)
	y0 := clamp(mercatorY(b.Max[1])*n - reachMargin) // north is the top
	y1 := clamp(mercatorY(b.Min[1])*n + reachMargin)
	return [4]int{x0, y0, x1, y1}
}

// mercatorY is a latitude's y in Web Mercator, 0 at the top of the world
// and 1 at its bottom.
func mercatorY(lat float64) float64 {
	lat = min(max(lat, -85.05112878), 85.05112878)
	s := math.Sin(lat * math.Pi / 180)
	return 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
}
