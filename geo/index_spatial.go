package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// bboxBuckets finds the polygons whose float box contains a point (or meets
// a box), for the centre tests and the flagging of a build or a change: a
// uniform grid over the data, each bucket listing the polygons whose box
// meets it. Buckets are assigned by a monotone function of the coordinates,
// clamped at the grid's edges, so a point inside a box always lands in a
// bucket that lists the polygon, even outside the extent the grid was made
// for. Polygons are added and removed as changes are applied; the grid is
// remade when the data has outgrown it.
type bboxBuckets struct {
	x0, y0, sx, sy float64
	nx, ny         int
	lists          [][]uint32 // slots per bucket
	polys          *polyTable
	madeFor        int // polygons the grid was sized for

	visits visitSet // eachBox's
}

// visitSet remembers which slots one box query has visited, without
// clearing between queries: a slot is visited when its stamp is the
// query's generation.
type visitSet struct {
	stamp uint32
	seen  []uint32 // stamp per slot
}

// start begins a new query.
func (v *visitSet) start() {
	v.stamp++
	if v.stamp == 0 { // wrapped: forget every old visit
		clear(v.seen)
		v.stamp = 1
	}
}

// first marks slot visited and reports whether it was not yet.
func (v *visitSet) first(slot uint32) bool {
	if int(slot) >= len(v.seen) {
		v.seen = append(v.seen, make([]uint32, int(slot)+1-len(v.seen)+1024)...)
	}
	if v.seen[slot] == v.stamp {
		return false
	}
	v.seen[slot] = v.stamp
	return true
}

// newBBoxBuckets indexes the boxes of every polygon in polys.
func newBBoxBuckets(polys *polyTable) *bboxBuckets {
	bk := &bboxBuckets{polys: polys, x0: math.Inf(1), y0: math.Inf(1)}
	x1, y1 := math.Inf(-1), math.Inf(-1)
	n := 0
	polys.each(func(_ uint32, e *polyEntry) {
		if g := &e.pip; g.fx0 <= g.fx1 {
			bk.x0, bk.y0 = math.Min(bk.x0, g.fx0), math.Min(bk.y0, g.fy0)
			x1, y1 = math.Max(x1, g.fx1), math.Max(y1, g.fy1)
		}
		n++
	})
	if bk.x0 > x1 { // nothing yet: a grid over China, refined once data arrives
		bk.x0, bk.y0, x1, y1 = 73, 18, 135, 54
	}
	side := int(math.Min(256, math.Max(1, math.Sqrt(float64(n)))))
	bk.nx, bk.ny, bk.madeFor = side, side, n
	if x1 > bk.x0 {
		bk.sx = float64(side) / (x1 - bk.x0)
	}
	if y1 > bk.y0 {
		bk.sy = float64(side) / (y1 - bk.y0)
	}
	bk.lists = make([][]uint32, side*side)
	polys.each(func(slot uint32, e *polyEntry) { bk.add(slot, e) })
	return bk
}

// outgrown reports whether the grid should be remade for n polygons.
func (bk *bboxBuckets) outgrown(n int) bool {
	return bk.nx < 256 && n > 4*bk.madeFor+64
}

// add files slot under the buckets its box meets.
func (bk *bboxBuckets) add(slot uint32, e *polyEntry) {
	bk.visit(&e.pip, func(b int) { bk.lists[b] = append(bk.lists[b], slot) })
}

// remove takes slot out of the buckets its box meets; e must be the entry
// it was added with.
func (bk *bboxBuckets) remove(slot uint32, e *polyEntry) {
	bk.visit(&e.pip, func(b int) {
		l := bk.lists[b]
		if i := slices.Index(l, slot); i >= 0 {
			l[i] = l[len(l)-1]
			bk.lists[b] = l[:len(l)-1]
		}
	})
}

// visit calls fn for every bucket that g's box meets.
func (bk *bboxBuckets) visit(g *pipPoly, fn func(bucket int)) {
	if g.fx0 > g.fx1 {
		return // empty geometry: covers nothing
	}
	ix0, ix1 := bk.col(g.fx0), bk.col(g.fx1)
	iy0, iy1 := bk.row(g.fy0), bk.row(g.fy1)
	for iy := iy0; iy <= iy1; iy++ {
		for ix := ix0; ix <= ix1; ix++ {
			fn(iy*bk.nx + ix)
		}
	}
}

// col and row map a coordinate to a bucket column or row, clamped.
func (bk *bboxBuckets) col(x float64) int { return clampInt(int((x-bk.x0)*bk.sx), bk.nx) }
func (bk *bboxBuckets) row(y float64) int { return clampInt(int((y-bk.y0)*bk.sy), bk.ny) }

// clampInt clamps k to 0..n-1 (NaN-safe: int(NaN) is some integer, clamped).
func clampInt(k, n int) int { return max(0, min(k, n-1)) }

// each calls fn for every polygon whose float box contains p. It only
// reads, so builders may call it from several goroutines.
func (bk *bboxBuckets) each(p orb.Point, fn func(slot uint32, e *polyEntry)) {
	for _, slot := range bk.lists[bk.row(p[1])*bk.nx+bk.col(p[0])] {
		e := bk.polys.get(slot)
		g := &e.pip
		if p[0] >= g.fx0 && p[0] <= g.fx1 && p[1] >= g.fy0 && p[1] <= g.fy1 {
			fn(slot, e)
		}
	}
}

// eachBox calls fn once for every polygon whose float box meets the box.
// It is not safe for concurrent use; eachBoxIn with a visit set per
// goroutine is.
func (bk *bboxBuckets) eachBox(box orb.Bound, fn func(slot uint32, e *polyEntry)) {
	bk.eachBoxIn(&bk.visits, box, fn)
}

// eachBoxIn is eachBox remembering its visits in v.
func (bk *bboxBuckets) eachBoxIn(v *visitSet, box orb.Bound, fn func(slot uint32, e *polyEntry)) {
	v.start()
	ix0, ix1 := bk.col(box.Min[0]), bk.col(box.Max[0])
	iy0, iy1 := bk.row(box.Min[1]), bk.row(box.Max[1])
	for iy := iy0; iy <= iy1; iy++ {
		for ix := ix0; ix <= ix1; ix++ {
			for _, slot := range bk.lists[iy*bk.nx+ix] {
				if !v.first(slot) {
					continue
				}
				e := bk.polys.get(slot)
				g := &e.pip
				if g.fx0 <= box.Max[0] && g.fx1 >= box.Min[0] && g.fy0 <= box.Max[1] && g.fy1 >= box.Min[1] {
					fn(slot, e)
				}
			}
		}
	}
}
