package geo

import (
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/paulmach/orb"
)

// Computing the quick grid's tiles (index_quick.go): for a full build, every
// tile over the data; for a change, the tiles that meet a changed polygon's
// box, before or after the change (no other cell's answer can change: a
// polygon covers nothing outside its float box, and its edges lie inside
// it). Tiles are computed band by band, one run of neighbouring tiles at a
// time: the edges of every polygon meeting the run are marked on a bitmap
// of the run's cells, then each tile's clear components get their records.

// Work units.
const (
	quickBandTiles = 16 // tile rows marked together
	quickRunGap    = 32 // tiles apart: wanted tiles further apart than this are marked separately
	quickUnset     = 0xFE
	quickMaxRecs   = quickUnset // palette numbers 0..quickUnset-1
)

// quickBuilder computes tiles from the current polygons. Builders made
// by fork share the polygons and the shared tiles, and may run at once.
type quickBuilder struct {
	fill   *cellFiller
	shared *sharedTiles
	visits visitSet // of the polygons' box queries
	made   int      // tiles made with their own storage
	cells  int      // cells computed
	clear  int      // of which clear
}

// sharedTiles holds one tile per answer, for tiles wholly over nothing or
// wholly inside one record; it is safe for concurrent use.
type sharedTiles struct {
	mu    sync.Mutex
	tiles map[uint32]quickTile // by record reference
}

// quickBuilder returns a builder over the current polygons.
func (ix *Index) quickBuilder() *quickBuilder {
	if ix.quickShared == nil {
		ix.quickShared = &sharedTiles{tiles: map[uint32]quickTile{}}
	}
	return &quickBuilder{fill: ix.filler(), shared: ix.quickShared}
}

// fork returns a builder for another goroutine.
func (b *quickBuilder) fork() *quickBuilder {
	return &quickBuilder{fill: b.fill, shared: b.shared}
}

// buildQuick makes the quick grid of a full build, over every polygon.
func (ix *Index) buildQuick() {
	b := ix.quickBuilder()
	have := false
	var box orb.Bound
	ix.snap.polys.each(func(_ uint32, e *polyEntry) {
		if g := &e.pip; g.fx0 <= g.fx1 {
			eb := orb.Bound{Min: orb.Point{g.fx0, g.fy0}, Max: orb.Point{g.fx1, g.fy1}}
			if !have {
				box, have = eb, true
			}
			box = box.Union(eb)
		}
	})
	ix.snap.quick = quickGrid{}
	if !have {
		return
	}
	cx0, cy0, cx1, cy1 := quickCellBox(box)
	q, ok := newQuickGrid(cx0, cy0, cx1, cy1, b.uniform(0, nil))
	if !ok {
		return
	}
	tiles := make([]int, q.ntx*q.nty)
	for i := range tiles {
		tiles[i] = i
	}
	b.tiles(&q, tiles, nil)
	ix.snap.quick = q
	st := &ix.snap.stats
	st.QuickTiles, st.QuickCells, st.QuickClearCells = b.made, b.cells, b.clear
}

// updateQuick recomputes, in the snapshot being made from prev, the tiles
// that meet the boxes of the polygons a change touched (ix.dirty). The
// grid grows when a changed polygon reaches past it.
func (ix *Index) updateQuick(prev *Snapshot) {
	if len(ix.dirty) == 0 {
		return
	}
	b := ix.quickBuilder()
	box := ix.dirty[0]
	for _, d := range ix.dirty[1:] {
		box = box.Union(d)
	}
	q := prev.quick
	owned := map[int]bool{}
	cx0, cy0, cx1, cy1 := quickCellBox(box)
	if qx0, qy0, qx1, qy1 := q.cellBox(); q.empty() || cx0 < qx0 || cy0 < qy0 || cx1 > qx1 || cy1 > qy1 {
		var ok bool
		if q, ok = prev.quick.regrown(cx0, cy0, cx1, cy1, b.uniform(0, nil)); !ok {
			ix.snap.quick = quickGrid{} // too wide: the H3 index answers everything
			return
		}
		owned = nil // a new directory: every chunk is this snapshot's
	} else {
		q.chunks = slices.Clone(q.chunks)
	}
	var tiles []int
	for _, d := range ix.dirty {
		x0, y0, x1, y1 := quickCellBox(d)
		tx0, ty0 := (x0-int(q.x0))>>quickTileBits, (y0-int(q.y0))>>quickTileBits
		tx1, ty1 := (x1-1-int(q.x0))>>quickTileBits, (y1-1-int(q.y0))>>quickTileBits
		for ty := ty0; ty <= ty1; ty++ {
			for tx := tx0; tx <= tx1; tx++ {
				tiles = append(tiles, ty*q.ntx+tx)
			}
		}
	}
	b.tiles(&q, tiles, owned)
	ix.snap.quick = q
}

// quickCellBox is the box of cells [cx0, cx1) × [cy0, cy1) holding a box
// grown by the margin and one cell.
func quickCellBox(b orb.Bound) (cx0, cy0, cx1, cy1 int) {
	lo := func(v float64) int { return int(math.Floor(v*quickScale-quickMarginCells)) - 1 }
	hi := func(v float64) int { return int(math.Floor(v*quickScale+quickMarginCells)) + 2 }
	return lo(b.Min[0]), lo(b.Min[1]), hi(b.Max[0]), hi(b.Max[1])
}

// quickRun is a run of nearby tiles marked together: columns [tx0, tx1)
// of rows [ty0, ty1), of which wanted (tile numbers) are computed.
type quickRun struct {
	tx0, tx1, ty0, ty1 int
	wanted             []int
}

// tiles computes the given tiles (numbers ty*ntx+tx, in any order, repeats
// allowed) into q, band by band, in runs of nearby tiles. A full build
// (owned nil) computes runs in parallel: they write different tiles.
func (b *quickBuilder) tiles(q *quickGrid, tiles []int, owned map[int]bool) {
	runs := q.runs(tiles)
	workers := min(runtime.GOMAXPROCS(0), len(runs))
	if owned != nil || workers <= 1 {
		for _, r := range runs {
			b.run(q, r, owned)
		}
		return
	}
	forks := make([]*quickBuilder, workers)
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	for w := range forks {
		forks[w] = b.fork()
		wg.Add(1)
		go func(f *quickBuilder) {
			defer wg.Done()
			for {
				next.Lock()
				k := i
				i++
				next.Unlock()
				if k >= len(runs) {
					return
				}
				f.run(q, runs[k], nil)
			}
		}(forks[w])
	}
	wg.Wait()
	for _, f := range forks {
		b.made, b.cells, b.clear = b.made+f.made, b.cells+f.cells, b.clear+f.clear
	}
}

// runs groups tiles into runs: by band of quickBandTiles rows, then into
// columns no more than quickRunGap apart.
func (q *quickGrid) runs(tiles []int) []quickRun {
	slices.Sort(tiles)
	tiles = slices.Compact(tiles)
	bands := map[int][]int{} // band → its wanted tiles
	for _, t := range tiles {
		band := t / q.ntx / quickBandTiles
		bands[band] = append(bands[band], t)
	}
	var runs []quickRun
	for band, ts := range bands {
		slices.SortFunc(ts, func(a, c int) int { return a%q.ntx - c%q.ntx })
		ty0, ty1 := band*quickBandTiles, min((band+1)*quickBandTiles, q.nty)
		for lo := 0; lo < len(ts); {
			hi := lo + 1
			for hi < len(ts) && ts[hi]%q.ntx-ts[hi-1]%q.ntx <= quickRunGap {
				hi++
			}
			runs = append(runs, quickRun{ts[lo] % q.ntx, ts[hi-1]%q.ntx + 1, ty0, ty1, ts[lo:hi]})
			lo = hi
		}
	}
	return runs
}

// run computes a run's wanted tiles: it marks the edges near the run,
// then makes each tile.
func (b *quickBuilder) run(q *quickGrid, r quickRun, owned map[int]bool) {
	m := newEdgeMap(q.x0+float64(r.tx0<<quickTileBits), q.y0+float64(r.ty0<<quickTileBits),
		(r.tx1-r.tx0)<<quickTileBits, (r.ty1-r.ty0)<<quickTileBits)
	b.fill.buckets.eachBoxIn(&b.visits, m.bound(), func(slot uint32, e *polyEntry) {
		m.slot = slot
		for _, r := range e.pip.rings() {
			r.eachSegment(m.mark)
		}
		for _, v := range e.virtual {
			m.mark(v.a, v.b)
		}
	})
	m.done()
	for _, t := range r.wanted {
		tx, ty := t%q.ntx, t/q.ntx
		cx, cy := q.x0+float64(tx<<quickTileBits), q.y0+float64(ty<<quickTileBits)
		q.setTile(tx, ty, b.tile(cx, cy, m.tileView(tx-r.tx0, ty-r.ty0)), owned)
	}
}

// tile makes the tile whose first cell is (cx, cy) (absolute cell
// coordinates). A clear cell's record is its component's, found at the
// first cell's centre; a cell near edges gets the record of rule 2 of
// index_build.go: the polygons flagged there as candidates, every other
// polygon covering its centre as sure.
func (b *quickBuilder) tile(cx, cy float64, v tileView) quickTile {
	var num [quickTileCells]uint8
	var recs [][]uint32
	var stack [quickTileCells]int
	var cands []uint32
	for i := range num {
		num[i] = quickUnset
	}
	for i := range num {
		if num[i] != quickUnset {
			continue
		}
		centre := orb.Point{(cx + float64(i&quickTileMask) + 0.5) / quickScale, (cy + float64(i>>quickTileBits) + 0.5) / quickScale}
		cands = v.flagged(i, cands[:0])
		rec := b.fill.entries(centre, cands)
		k := slices.IndexFunc(recs, func(r []uint32) bool { return slices.Equal(r, rec) })
		if k < 0 && len(recs) < quickMaxRecs {
			k = len(recs)
			recs = append(recs, rec)
		}
		if k < 0 {
			k = quickEdgeCell // out of palette numbers: the H3 index answers
		}
		if len(cands) > 0 {
			num[i] = uint8(k)
			continue
		}
		flood(&num, &stack, v, i, uint8(k))
	}
	b.cells += quickTileCells
	for i := range num {
		if !v.edge(i) {
			b.clear++
		}
	}
	if len(recs) == 1 && len(recs[0]) <= 1 && !slices.Contains(num[:], quickEdgeCell) {
		var single recordPool // a record of at most one entry needs no pool
		return b.uniform(single.ref(recs[0]), recs[0])
	}
	b.made++
	return encodeTile(&num, recs)
}

// flood gives number k to the unset clear cells joined to clear cell i by
// sides.
func flood(num *[quickTileCells]uint8, stack *[quickTileCells]int, v tileView, i int, k uint8) {
	n := 0
	num[i], stack[0], n = k, i, 1
	for n > 0 {
		n--
		j := stack[n]
		x, y := j&quickTileMask, j>>quickTileBits
		for _, nb := range [4]int{j - 1, j + 1, j - quickTileSide, j + quickTileSide} {
			switch {
			case nb == j-1 && x == 0, nb == j+1 && x == quickTileMask,
				nb == j-quickTileSide && y == 0, nb == j+quickTileSide && y == quickTileMask:
				continue
			}
			if num[nb] == quickUnset && !v.edge(nb) {
				num[nb] = k
				stack[n] = nb
				n++
			}
		}
	}
}

// encodeTile lays a tile out: cells, palette, the empty record, records.
func encodeTile(num *[quickTileCells]uint8, recs [][]uint32) quickTile {
	empty := quickPalette + len(recs)
	n := empty + 1
	for _, r := range recs {
		if len(r) > 1 {
			n += 1 + len(r)
		}
	}
	t := make(quickTile, n, (n+31)/32*32) // whole 128-byte blocks: aligned (see above)
	for i, k := range num {
		t[i>>2] |= uint32(k) << (i & 3 * 8)
	}
	at := empty + 1
	for k, r := range recs {
		switch len(r) {
		case 0:
			t[quickPalette+k] = uint32(empty)
		case 1:
			t[quickPalette+k] = inlineBit | r[0]
		default:
			t[quickPalette+k] = uint32(at)
			t[at] = uint32(len(r))
			at += 1 + copy(t[at+1:], r)
		}
	}
	return t
}

// uniform returns the shared tile whose every cell holds rec (the empty
// record, or one entry), whose record reference is ref.
func (b *quickBuilder) uniform(ref uint32, rec []uint32) quickTile {
	b.shared.mu.Lock()
	defer b.shared.mu.Unlock()
	if t, ok := b.shared.tiles[ref]; ok {
		return t
	}
	var zero [quickTileCells]uint8 // every cell is palette number 0
	t := encodeTile(&zero, [][]uint32{rec})
	b.shared.tiles[ref] = t
	return t
}

// edgeMap marks the cells of a rectangle of cells that lie within the
// margin of an edge, with the polygons of those edges.
type edgeMap struct {
	ox, oy float64 // absolute cell coordinates of the first cell
	w, h   int
	bits   []uint64 // cells near any edge
	slot   uint32   // the polygon whose edges mark now
	pairs  []uint64 // cell<<32 | slot: the polygons near each cell, sorted by done
}

func newEdgeMap(ox, oy float64, w, h int) *edgeMap {
	return &edgeMap{ox: ox, oy: oy, w: w, h: h, bits: make([]uint64, (w*h+63)/64)}
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
				m.pairs = append(m.pairs, uint64(i)<<32|uint64(m.slot))
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
	slices.Sort(m.pairs)
	m.pairs = slices.Compact(m.pairs)
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

// edge reports whether cell i is near an edge.
func (v tileView) edge(i int) bool {
	j := v.index(i)
	return v.m.bits[j>>6]&(1<<(j&63)) != 0
}

// flagged appends to into the slots, sorted, whose edges pass near cell i.
func (v tileView) flagged(i int, into []uint32) []uint32 {
	if !v.edge(i) {
		return into
	}
	j := uint64(v.index(i))
	at, _ := slices.BinarySearch(v.m.pairs, j<<32)
	for ; at < len(v.m.pairs) && v.m.pairs[at]>>32 == j; at++ {
		into = append(into, uint32(v.m.pairs[at]))
	}
	return into
}
