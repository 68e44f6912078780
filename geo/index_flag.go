package geo

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
)

// Flagging the fine cells near polygon edges (rule 1 of index_build.go).

// flagMarginDeg is the part of the flag margin that keeps every point of an
// unflagged cell clear of the edges (~0.5 m); the sag of the cell's arcs is
// added per cell.
const flagMarginDeg = 5e-6

// flagSegments flags, for every segment, the fine cells within the margin,
// in parallel, and sorts the flags by cell so that the descendants of one
// coarse cell are contiguous.
func (b *builder) flagSegments() error {
	res := b.fill.res
	workers := runtime.GOMAXPROCS(0)
	chunk := (len(b.segs) + workers - 1) / max(workers, 1)
	parts := make([][]cellSeg, workers)
	var unplaced atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := min(w*chunk, len(b.segs)), min((w+1)*chunk, len(b.segs))
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			f := newFlagger(res)
			out := make([]cellSeg, 0, 3*(hi-lo))
			var cells []uint64
			for i := lo; i < hi; i++ {
				var ok bool
				if cells, ok = f.cells(b.segs[i], cells[:0]); !ok {
					unplaced.Store(true)
				}
				for _, c := range cells {
					out = append(out, cellSeg{c, int32(i)})
				}
			}
			parts[w] = out
		}(w, lo, hi)
	}
	wg.Wait()
	if unplaced.Load() {
		return Errorf(EINTERNAL, "", "H3 could not place a polygon edge; the index would not be exact")
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b.stats.FlaggedPairs = n
	b.pairs = make([]cellSeg, 0, n)
	for w := range parts {
		b.pairs = append(b.pairs, parts[w]...)
		parts[w] = nil
	}
	slices.SortFunc(b.pairs, func(x, y cellSeg) int {
		if x.cell != y.cell {
			if x.cell < y.cell {
				return -1
			}
			return 1
		}
		return int(x.seg - y.seg)
	})
	return nil
}

// hexagon is a fine cell's boundary ring, its margin, and its neighbours
// (filled when first needed).
type hexagon struct {
	pts            [maxBoundaryVerts]orb.Point
	n              int
	margin         float64
	x0, y0, x1, y1 float64 // the ring's box grown by the margin
	nbrs           [7]uint64
	haveNbrs       bool
}

// flagger walks the cells along segments; one per goroutine. Consecutive
// segments of a ring visit the same cells, so hexagons are cached.
type flagger struct {
	res   int
	index map[uint64]int32 // cached cell → slot in slab
	slab  []hexagon        // reused when full, so the cache allocates once
	queue []uint64         // the walk's cells so far, which are also its "seen" set
	seen  map[uint64]bool  // the seen set of long walks
}

// flaggerCacheMax bounds a flagger's hexagon cache.
const flaggerCacheMax = 1 << 14

func newFlagger(res int) *flagger {
	return &flagger{res: res, index: make(map[uint64]int32, flaggerCacheMax), slab: make([]hexagon, 0, flaggerCacheMax)}
}

// hex returns cell c's hexagon. The pointer is valid until the next call.
func (f *flagger) hex(c uint64) *hexagon {
	if i, ok := f.index[c]; ok {
		return &f.slab[i]
	}
	if len(f.slab) == cap(f.slab) {
		clear(f.index)
		f.slab = f.slab[:0]
	}
	f.slab = append(f.slab, hexagon{})
	h := &f.slab[len(f.slab)-1]
	h.fill(c)
	f.index[c] = int32(len(f.slab) - 1)
	return h
}

// newHexagon computes cell c's hexagon.
func newHexagon(c uint64) *hexagon {
	h := &hexagon{}
	h.fill(c)
	return h
}

// fill computes cell c's hexagon into h.
func (h *hexagon) fill(c uint64) {
	h.pts, h.n = cellBoundary(c)
	h.margin = flagMarginDeg + arcSagDeg(h.pts[:h.n])
	h.x0, h.y0, h.x1, h.y1 = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, v := range h.pts[:h.n] {
		h.x0, h.y0 = math.Min(h.x0, v[0]-h.margin), math.Min(h.y0, v[1]-h.margin)
		h.x1, h.y1 = math.Max(h.x1, v[0]+h.margin), math.Max(h.y1, v[1]+h.margin)
	}
}

// cells appends to out every fine cell within the margin of the segment:
// the cell of its first point, then, walking out from there, every
// neighbour of a flagged cell that passes the distance test. ok is false
// when H3 cannot place the segment's first point.
func (f *flagger) cells(sg segment, out []uint64) (_ []uint64, ok bool) {
	return f.walk(sg, sg.a, nil, out)
}

// cellsIn appends to out the fine cells within the margin of the segment
// whose hexagon (grown by the margin) meets box: a walk like cells, but
// starting where the segment enters the box and not leaving it, so that its
// cost depends on the box, not on the segment's length. Every cell within
// the margin of the segment that lies inside the box is found: the part of
// the segment within the box grown by the margin comes within the margin of
// it, and the cells near that part are connected. It flags a cell exactly
// when cells would (the same test against the whole segment), which the
// footprint of a polygon relies on (index_live.go).
func (f *flagger) cellsIn(sg segment, box orb.Bound, out []uint64) []uint64 {
	from, _, ok := clipSegment(sg, box)
	if !ok {
		return out
	}
	out, _ = f.walk(sg, from, &box, out)
	return out
}

// walk flags the cells near sg reachable from the cell of from through
// flagged cells, staying within box when it is not nil. The start cell is
// flagged unconditionally when from is the segment's own first point (it
// holds a point of the segment), and otherwise only if it passes the test.
func (f *flagger) walk(sg segment, from orb.Point, box *orb.Bound, out []uint64) (_ []uint64, ok bool) {
	start := cellOf(from, f.res)
	if start == 0 {
		return out, false
	}
	f.queue = append(f.queue[:0], start)
	f.seen = nil
	for i := 0; i < len(f.queue); i++ {
		c := f.queue[i]
		h := f.hex(c)
		near := (c == start && box == nil) || (h.near(sg) && (box == nil || h.meets(*box)))
		if !near && c != start {
			continue
		}
		if near {
			out = append(out, c)
		}
		if !h.haveNbrs {
			h.nbrs, h.haveNbrs = cellNeighbours(c), true
		}
		for _, n := range h.nbrs {
			if n != 0 && !f.visited(n) {
				f.queue = append(f.queue, n)
			}
		}
	}
	return out, true
}

// meets reports whether the hexagon's box, grown by the margin, meets b.
func (h *hexagon) meets(b orb.Bound) bool {
	return h.x0 <= b.Max[0] && h.x1 >= b.Min[0] && h.y0 <= b.Max[1] && h.y1 >= b.Min[1]
}

// clipSegment returns the part of sg inside box (Liang–Barsky); ok is false
// when the segment misses the box.
func clipSegment(sg segment, box orb.Bound) (from, to orb.Point, ok bool) {
	t0, t1 := 0.0, 1.0
	dx, dy := sg.b[0]-sg.a[0], sg.b[1]-sg.a[1]
	for _, c := range [4][2]float64{
		{-dx, sg.a[0] - box.Min[0]}, {dx, box.Max[0] - sg.a[0]},
		{-dy, sg.a[1] - box.Min[1]}, {dy, box.Max[1] - sg.a[1]},
	} {
		p, q := c[0], c[1]
		switch {
		case p == 0:
			if q < 0 {
				return from, to, false
			}
		case p < 0:
			t0 = math.Max(t0, q/p)
		default:
			t1 = math.Min(t1, q/p)
		}
	}
	if t0 > t1 {
		return from, to, false
	}
	at := func(t float64) orb.Point {
		switch t {
		case 0:
			return sg.a
		case 1:
			return sg.b
		}
		return orb.Point{sg.a[0] + t*dx, sg.a[1] + t*dy}
	}
	return at(t0), at(t1), true
}

// visited reports whether the walk has queued c, and marks it. Walks are
// short, so a linear scan of the queue beats a map until it grows.
func (f *flagger) visited(c uint64) bool {
	if f.seen == nil && len(f.queue) > 64 {
		f.seen = make(map[uint64]bool, 4*len(f.queue))
		for _, q := range f.queue {
			f.seen[q] = true
		}
	}
	if f.seen != nil {
		if f.seen[c] {
			return true
		}
		f.seen[c] = true
		return false
	}
	return slices.Contains(f.queue, c)
}

// near reports whether the segment comes within the hexagon's margin of it
// (distances in lon/lat degrees, the plane PostGIS's edges are straight in).
func (h *hexagon) near(sg segment) bool {
	if h.n < 3 {
		return true // H3 gave no boundary: be conservative
	}
	if math.Max(sg.a[0], sg.b[0]) < h.x0 || math.Min(sg.a[0], sg.b[0]) > h.x1 ||
		math.Max(sg.a[1], sg.b[1]) < h.y0 || math.Min(sg.a[1], sg.b[1]) > h.y1 {
		return false // boxes apart by more than the margin
	}
	m2 := h.margin * h.margin
	for i := 0; i < h.n; i++ {
		if segSegDist2(sg.a, sg.b, h.pts[i], h.pts[(i+1)%h.n]) <= m2 {
			return true
		}
	}
	return ringContains(h.pts[:h.n], sg.a) // the whole segment inside
}

// arcSagDeg bounds, in degrees, how far the great-circle arcs between
// consecutive boundary vertices stray from the straight lon/lat chords: at
// most Δλ²/8 radians for an arc spanning Δλ radians of longitude.
func arcSagDeg(ring []orb.Point) float64 {
	maxDl := 0.0
	for i := range ring {
		j := (i + 1) % len(ring)
		maxDl = math.Max(maxDl, math.Abs(ring[j][0]-ring[i][0])*degToRad)
	}
	return maxDl * maxDl / 8 * radToDeg
}

// segSegDist2 is the squared distance between segments ab and cd.
func segSegDist2(a, b, c, d orb.Point) float64 {
	if segmentsCross(a, b, c, d) {
		return 0
	}
	return min(pointSegDist2(a, c, d), pointSegDist2(b, c, d), pointSegDist2(c, a, b), pointSegDist2(d, a, b))
}

// segmentsCross reports whether ab and cd properly intersect.
func segmentsCross(a, b, c, d orb.Point) bool {
	d1, d2 := orient(c, d, a), orient(c, d, b)
	d3, d4 := orient(a, b, c), orient(a, b, d)
	return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
}

// orient is the cross product (b-a) × (c-a).
func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// pointSegDist2 is the squared distance from p to segment ab.
func pointSegDist2(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	}
	ex, ey := a[0]+t*dx-p[0], a[1]+t*dy-p[1]
	return ex*ex + ey*ey
}

// ringContains is an even-odd test of p against an open ring (no repeated
// closing point).
func ringContains(ring []orb.Point, p orb.Point) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, c := ring[i], ring[j]
		if (a[1] > p[1]) != (c[1] > p[1]) && p[0] < (c[0]-a[0])*(p[1]-a[1])/(c[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}
