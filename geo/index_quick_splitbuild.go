package geo

import (
	"slices"

	"github.com/paulmach/orb"
)

// Making a tile's split candidates (index_quick_split.go).

// tileSplitter makes the split candidates of one tile's records: it
// numbers the edges they use and remembers each cell's faces, which the
// next cell in its row or column reuses when its polygon's edges near it
// are the same and every face was seen: the two cells' neighbourhoods
// together are one box, still crossed by no other edge of the polygon, so
// each face answers the same over both.
type tileSplitter struct {
	b        *quickBuilder
	v        tileView
	cx, cy   float64 // the tile's first cell (absolute cell coordinates)
	edges    tileEdges
	memos    []faceMemo            // cell by cell, in the order they are split
	from, to [quickTileCells]int32 // cell i's memos are memos[from[i]:to[i]]
	near     []segment
}

// reset readies t for the tile whose first cell is (cx, cy), keeping its
// storage: a builder splits tile after tile with one splitter.
func (t *tileSplitter) reset(b *quickBuilder, v tileView, cx, cy float64) *tileSplitter {
	t.b, t.v, t.cx, t.cy = b, v, cx, cy
	t.edges.list, t.memos = t.edges.list[:0], t.memos[:0]
	t.from, t.to = [quickTileCells]int32{}, [quickTileCells]int32{}
	return t
}

// faceMemo is what splitFaces said of a polygon at a cell.
type faceMemo struct {
	slot  uint32
	edges [splitMaxEdges]segment
	desc  uint32
	ok    bool
}

// complete reports whether every face of n edges was seen: a neighbour
// may hold faces this cell's samples missed, so only then is it reused.
func (m *faceMemo) complete(n int) bool {
	for f := range 1 << n {
		if m.desc>>(splitFaceShift+2*f)&1 == 0 {
			return false
		}
	}
	return m.ok
}

// split makes the candidates of cell i's record split candidates where
// they can be.
func (t *tileSplitter) split(ents []uint32, i int) quickRec {
	rec := quickRec{ents: ents}
	marks := t.v.marked(i)
	t.from[i] = int32(len(t.memos)) // faces adds the cell's memos
	for k, e := range ents {
		if e&entrySure != 0 {
			continue
		}
		slot := entrySlot(e)
		t.near = t.v.edgesNear(marks, slot, t.near[:0])
		d, ok := t.faces(i, slot, t.near)
		for j := 0; ok && j < len(t.near); j++ {
			n, rev, fits := t.edges.number(t.near[j])
			ok = fits
			d |= uint32(n) << (splitEdgeShift + splitEdgeNumBits*j)
			if rev {
				d |= 1 << (splitRevShift + j)
			}
		}
		if ok {
			rec.ents[k] |= entrySplit
			rec.splits = append(rec.splits, d)
		}
	}
	t.to[i] = int32(len(t.memos))
	return rec
}

// faces returns splitFaces of polygon slot at cell i, whose edges near it
// are near: the left or upper neighbour's answer when its edges were the
// same.
func (t *tileSplitter) faces(i int, slot uint32, near []segment) (desc uint32, ok bool) {
	if len(near) > splitMaxEdges {
		return 0, false
	}
	m := faceMemo{slot: slot}
	copy(m.edges[:], near)
	for _, j := range [2]int{i - 1, i - quickTileSide} {
		if j < 0 || (j == i-1 && i&quickTileMask == 0) {
			continue
		}
		for _, o := range t.memos[t.from[j]:t.to[j]] {
			if o.slot == slot && o.edges == m.edges && o.complete(len(near)) {
				t.memos = append(t.memos, o)
				return o.desc, o.ok
			}
		}
	}
	x, y := t.cx+float64(i&quickTileMask), t.cy+float64(i>>quickTileBits)
	cell := orb.Bound{Min: orb.Point{x / quickScale, y / quickScale}, Max: orb.Point{(x + 1) / quickScale, (y + 1) / quickScale}}
	m.desc, m.ok = splitFaces(t.b.fill.polys.get(slot), near, cell)
	t.memos = append(t.memos, m)
	return m.desc, m.ok
}

// tileEdges numbers the edges a tile's split candidates use, each once
// whichever way round its polygons run. A tile uses a few: a list beats a
// map.
type tileEdges struct {
	list []segment
}

// number returns the number of edge sg and whether the tile keeps it the
// other way round; ok is false when the tile holds too many edges.
func (t *tileEdges) number(sg segment) (n int, reversed, ok bool) {
	if sg.b[0] < sg.a[0] || sg.b[0] == sg.a[0] && sg.b[1] < sg.a[1] {
		sg, reversed = segment{sg.b, sg.a}, true
	}
	if n = slices.Index(t.list, sg); n >= 0 {
		return n, reversed, true
	}
	if len(t.list) == splitMaxTileEdges {
		return 0, false, false
	}
	t.list = append(t.list, sg)
	return len(t.list) - 1, reversed, true
}

// chain lays the edges out as runs of vertices, each edge two consecutive
// vertices (a boundary's edges share their ends, so a run of k edges takes
// k+1 vertices, not 2k), and renumbers the edges in the descriptors of
// recs to match: an edge's number becomes that of its first vertex, and it
// is reversed when the run goes the other way.
func (t *tileEdges) chain(recs []quickRec) []orb.Point {
	verts := make([]orb.Point, 0, len(t.list)+1)
	first := make([]int, len(t.list)) // an edge's first vertex in verts
	flipped := make([]bool, len(t.list))
	used := make([]bool, len(t.list))
	for e := range t.list {
		if used[e] {
			continue
		}
		used[e] = true
		run := []orb.Point{t.list[e].a, t.list[e].b}
		edges, flips := []int{e}, []bool{false}
		for {
			next, flip := t.touching(run[len(run)-1], used)
			if next < 0 {
				break
			}
			used[next] = true
			sg := t.list[next]
			run = append(run, sg.b)
			if flip {
				run[len(run)-1] = sg.a
			}
			edges, flips = append(edges, next), append(flips, flip)
		}
		for k, e := range edges {
			first[e], flipped[e] = len(verts)+k, flips[k]
		}
		verts = append(verts, run...)
	}
	for _, r := range recs {
		for i, d := range r.splits {
			for k := range int(d & (1<<splitRevShift - 1)) {
				shift := splitEdgeShift + splitEdgeNumBits*k
				e := d >> shift & splitEdgeNumMask
				d = d&^(splitEdgeNumMask<<shift) | uint32(first[e])<<shift
				if flipped[e] {
					d ^= 1 << (splitRevShift + k)
				}
			}
			r.splits[i] = d
		}
	}
	return verts
}

// touching returns an unused edge with an end at v, and whether it runs
// from v backwards (its b is v); -1 if none.
func (t *tileEdges) touching(v orb.Point, used []bool) (int, bool) {
	for e, sg := range t.list {
		switch {
		case used[e]:
		case sg.a == v:
			return e, false
		case sg.b == v:
			return e, true
		}
	}
	return -1, false
}
