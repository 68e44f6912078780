package geo

import (
	"cmp"
	"math"
	"math/bits"
	"slices"

	"github.com/paulmach/orb"
)

// Marking the quick grid's cells near edges (index_quick_build.go): a
// bitmap of the cells a point within the margin of an edge may lie in,
// with the polygons whose edges they are.

// edgeMap marks the cells of a rectangle of cells that lie within the
// margin of an edge, with the polygons of those edges and the edges.
type edgeMap struct {
	ox, oy float64 // absolute cell coordinates of the first cell
	w, h   int
	bits   []uint64   // cells near any edge
	slot   uint32     // the polygon whose edges mark now
	marks  []edgeMark // sorted by done
	packed []uint64   // done's storage, kept
	starts []int32    // cell j's marks are marks[starts[j]:starts[j+1]] (indexCells)
	segs   []segment  // the marked edges, by edgeMark.seg
}

// edgeMark says that edge segs[seg] of polygon slot passes near cell
// (key is cell<<32 | slot).
type edgeMark struct {
	key uint64
	seg uint32
}

func newEdgeMap(ox, oy float64, w, h int) *edgeMap {
	return new(edgeMap).reset(ox, oy, w, h)
}

// reset makes m an empty map of the given rectangle, keeping its storage:
// a builder marks chunk after chunk on one map.
func (m *edgeMap) reset(ox, oy float64, w, h int) *edgeMap {
	m.ox, m.oy, m.w, m.h = ox, oy, w, h
	m.bits = slices.Grow(m.bits[:0], (w*h+63)/64)[:(w*h+63)/64]
	clear(m.bits)
	m.marks, m.segs = m.marks[:0], m.segs[:0]
	return m
}

// bound is the map's box in degrees, grown by the margin.
func (m *edgeMap) bound() orb.Bound {
	d := flagMarginDeg
	return orb.Bound{
		Min: orb.Point{m.ox/quickScale - d, m.oy/quickScale - d},
		Max: orb.Point{(m.ox+float64(m.w))/quickScale + d, (m.oy+float64(m.h))/quickScale + d},
	}
}

// mark marks every cell that a point within the margin of segment a-b
// may lie in: per column of cells, the segment's y-range over the column
// (grown by the margin on both axes).
func (m *edgeMap) mark(a, b orb.Point) {
	const d = quickMarginCells
	ax, ay := a[0]*quickScale-m.ox, a[1]*quickScale-m.oy
	bx, by := b[0]*quickScale-m.ox, b[1]*quickScale-m.oy
	if math.Max(ay, by)+d < 0 || math.Min(ay, by)-d >= float64(m.h) {
		return // above or below the map
	}
	seg := uint32(len(m.segs))
	m.segs = append(m.segs, segment{a, b})
	xmin, xmax := math.Min(ax, bx), math.Max(ax, bx)
	c0, c1 := clampCell(xmin-d, m.w), clampCell(xmax+d, m.w)
	for c := c0; c <= c1; c++ {
		lo, hi := math.Max(xmin, float64(c)-d), math.Min(xmax, float64(c+1)+d)
		if lo > hi {
			continue
		}
		ylo, yhi := math.Min(ay, by), math.Max(ay, by)
		if ax != bx { // the segment's y at lo and hi
			s := (by - ay) / (bx - ax)
			y0, y1 := ay+(lo-ax)*s, ay+(hi-ax)*s
			ylo, yhi = math.Max(ylo, math.Min(y0, y1)), math.Min(yhi, math.Max(y0, y1))
		}
		for r, r1 := clampCell(ylo-d, m.h), clampCell(yhi+d, m.h); r <= r1; r++ {
			if ylo-d <= float64(r+1) && yhi+d >= float64(r) {
				i := r*m.w + c
				m.bits[i>>6] |= 1 << (i & 63)
				m.marks = append(m.marks, edgeMark{uint64(i)<<32 | uint64(m.slot), seg})
			}
		}
	}
}

// clampCell is the cell holding coordinate v, clamped to 0..n-1.
func clampCell(v float64, n int) int {
	switch {
	case v < 0:
		return 0
	case v >= float64(n-1):
		return n - 1
	}
	return int(v)
}

// done sorts the marks, once every polygon has marked.
func (m *edgeMap) done() {
	if !m.sortPacked() {
		slices.SortFunc(m.marks, func(x, y edgeMark) int {
			return cmp.Or(cmp.Compare(x.key, y.key), cmp.Compare(x.seg, y.seg))
		})
	}
	m.indexCells()
}

// sortPacked sorts the marks as words (cell, polygon and edge numbers side
// by side) when their numbers fit in 64 bits, as they do but for data far
// beyond a province's: sorting words takes about half the time of sorting
// by a comparison function, which was an eighth of a full build.
func (m *edgeMap) sortPacked() bool {
	maxSlot := uint32(0)
	for _, mk := range m.marks {
		maxSlot = max(maxSlot, uint32(mk.key))
	}
	segBits := uint(bits.Len(uint(len(m.segs))))
	slotBits := uint(bits.Len32(maxSlot))
	if uint(bits.Len(uint(m.w*m.h)))+slotBits+segBits > 64 {
		return false
	}
	packed := slices.Grow(m.packed[:0], len(m.marks))
	for _, mk := range m.marks {
		packed = append(packed, mk.key>>32<<(slotBits+segBits)|uint64(uint32(mk.key))<<segBits|uint64(mk.seg))
	}
	slices.Sort(packed)
	for i, p := range packed {
		cell, slot := p>>(slotBits+segBits), p>>segBits&(1<<slotBits-1)
		m.marks[i] = edgeMark{key: cell<<32 | slot, seg: uint32(p & (1<<segBits - 1))}
	}
	m.packed = packed
	return true
}

// indexCells sets where each cell's marks start, once they are sorted: a
// lookup per cell then costs two reads, not a binary search of all the
// marks (7 % of a build).
func (m *edgeMap) indexCells() {
	if len(m.marks) == 0 {
		// No edge near: nothing to index, and clearing a count per cell
		// would make a change's cost follow its polygon's area (a large
		// polygon's box holds many chunks no edge comes near).
		m.starts = m.starts[:0]
		return
	}
	n := m.w * m.h
	m.starts = slices.Grow(m.starts[:0], n+1)[:n+1]
	clear(m.starts)
	for _, mk := range m.marks {
		m.starts[mk.key>>32+1]++
	}
	for j := 1; j <= n; j++ {
		m.starts[j] += m.starts[j-1]
	}
}

// marked returns the marks of cell index j, sorted by polygon.
func (m *edgeMap) marked(j int) []edgeMark {
	if len(m.starts) == 0 {
		return nil
	}
	return m.marks[m.starts[j]:m.starts[j+1]]
}

// tileView is one tile of an edge map: its cells by their number in the
// tile (row by row).
type tileView struct {
	m      *edgeMap
	x0, y0 int // the tile's first cell in the map
}

// tileView returns the tile at (tx, ty) of the map (in tiles).
func (m *edgeMap) tileView(tx, ty int) tileView {
	return tileView{m, tx << quickTileBits, ty << quickTileBits}
}

// index is cell i's index in the map.
func (v tileView) index(i int) int {
	return (v.y0+i>>quickTileBits)*v.m.w + v.x0 + i&quickTileMask
}

// edgeMask returns the tile's cells near an edge as a mask, row by row.
// A tile's row starts at a multiple of 8 in the map, so it is one byte of
// one word.
func (v tileView) edgeMask() uint64 {
	var mask uint64
	for y := 0; y < quickTileSide; y++ {
		j := v.index(y << quickTileBits)
		mask |= (v.m.bits[j>>6] >> (j & 63) & 0xFF) << (y * quickTileSide)
	}
	return mask
}

// flaggedInTile returns the slots, sorted, whose edges pass near a cell
// of the tile (edge is its edgeMask).
func (v tileView) flaggedInTile(edge uint64) []uint32 {
	var out []uint32
	for c := edge; c != 0; c &= c - 1 {
		out = v.flagged(bits.TrailingZeros64(c), out)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// flagged appends to into the slots, sorted, whose edges pass near cell i
// (none for a clear cell).
func (v tileView) flagged(i int, into []uint32) []uint32 {
	n := len(into)
	for _, mk := range v.m.marked(v.index(i)) {
		if slot := uint32(mk.key); len(into) == n || into[len(into)-1] != slot {
			into = append(into, slot)
		}
	}
	return into
}

// marked returns the marks of cell i, sorted by polygon.
func (v tileView) marked(i int) []edgeMark { return v.m.marked(v.index(i)) }

// edgesNear appends to into the edges of polygon slot among marks (a
// cell's).
func (v tileView) edgesNear(marks []edgeMark, slot uint32, into []segment) []segment {
	at, _ := slices.BinarySearchFunc(marks, slot, func(mk edgeMark, slot uint32) int { return cmp.Compare(uint32(mk.key), slot) })
	for ; at < len(marks) && uint32(marks[at].key) == slot; at++ {
		into = append(into, v.m.segs[marks[at].seg])
	}
	return into
}
