package geo

import (
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
)

// Computing the quick grid's tiles (index_quick.go): for a full build, every
// chunk over the data; for a change, the tiles that meet a changed
// polygon's box, before or after the change (no other cell's answer can
// change: a polygon covers nothing outside its float box, and its edges
// lie inside it). Work goes chunk by chunk: the edges of every polygon
// meeting the chunk (or the part of it a change touches) are marked on a
// bitmap of its cells, then each tile gets its records. A whole chunk
// with no mark is uniform: one record, one tile.

// quickMaxRecs bounds a tile's palette: numbers 0..quickMaxRecs-1 (a
// tile of 64 cells needs at most 64).
const quickMaxRecs = quickEdgeCell

// quickBuilder computes tiles from the current polygons. Builders made
// by fork share the polygons and the shared tiles, and may run at once.
type quickBuilder struct {
	fill   *cellFiller
	shared *sharedTiles
	visits visitSet // of the polygons' box queries
	edges  edgeMap  // the chunk's, reused
	split  tileSplitter
	made   int // tiles made with their own storage
	cells  int // cells computed
	clear  int // of which clear
}

// sharedTiles holds one tile per answer, for tiles wholly over nothing or
// wholly inside one record; it is safe for concurrent use.
type sharedTiles struct {
	mu    sync.Mutex
	tiles map[uint32]quickTile // by record reference
}

// quickBuilder returns the index's builder, set to the current polygons.
// It is kept from change to change: its visit set has a word per slot,
// which a change allocating afresh would pay for in proportion to the city
// (1.3 MB at 300,000 grids), not to the edit.
func (ix *Index) quickBuilder() *quickBuilder {
	if ix.quickScratch == nil {
		ix.quickScratch = &quickBuilder{shared: &sharedTiles{tiles: map[uint32]quickTile{}}}
	}
	b := ix.quickScratch
	b.fill, b.made, b.cells, b.clear = ix.filler(), 0, 0, 0
	return b
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
		if eb, ok := e.pip.box(); ok {
			if !have {
				box, have = eb, true
			}
			box = box.Union(eb)
		}
	})
	ix.snap.quick, ix.quickOff = quickGrid{}, false
	if !have {
		return // nothing yet: the first change that brings data makes the grid
	}
	cx0, cy0, cx1, cy1 := quickCellBox(box)
	q, ok := newQuickGrid(cx0, cy0, cx1, cy1, b.uniformTile(nil))
	if !ok {
		ix.quickOff = true
		return
	}
	jobs := make([]quickJob, len(q.chunks))
	for c := range jobs {
		jobs[c] = quickJob{c: c, tx1: quickChunkSide, ty1: quickChunkSide}
	}
	b.run(&q, jobs, true)
	ix.snap.quick = q
	st := &ix.snap.stats
	st.QuickTiles, st.QuickCells, st.QuickClearCells = b.made, b.cells, b.clear
}

// updateQuick recomputes, in the snapshot being made from prev, the tiles
// that meet the boxes of the polygons a change touched (ix.dirty). The
// grid grows when a changed polygon reaches past it. A grid must hold
// every current polygon's box (lookup relies on it), so once the data has
// been too wide for one, there is none until the next full build, and H3
// cells, built then (an index with a grid has none), answer every point.
func (ix *Index) updateQuick(prev *Snapshot) error {
	if len(ix.dirty) == 0 || ix.quickOff {
		return nil
	}
	b := ix.quickBuilder()
	box := ix.dirty[0]
	for _, d := range ix.dirty[1:] {
		box = box.Union(d)
	}
	q := prev.quick
	cx0, cy0, cx1, cy1 := quickCellBox(box)
	if qx0, qy0, qx1, qy1 := q.cellBox(); q.empty() || cx0 < qx0 || cy0 < qy0 || cx1 > qx1 || cy1 > qy1 {
		var ok bool
		if q, ok = prev.quick.regrown(cx0, cy0, cx1, cy1, b.uniformTile(nil)); !ok {
			ix.snap.quick, ix.quickOff = quickGrid{}, true
			return ix.buildCells(0)
		}
	} else {
		q.chunks = slices.Clone(q.chunks)
	}
	b.run(&q, q.dirtyJobs(ix.dirty), false)
	ix.snap.quick = q
	return nil
}

// quickJob is the work on one chunk: its tiles [tx0, tx1) × [ty0, ty1),
// of which wanted (numbered row by row) are made; wanted nil means the
// whole chunk, which is made uniform when no edge comes near it.
type quickJob struct {
	c                  int
	tx0, ty0, tx1, ty1 int
	wanted             []int
}

// quickCellBox is the box of cells [cx0, cx1) × [cy0, cy1) holding a box
// grown by the margin and one cell.
func quickCellBox(b orb.Bound) (cx0, cy0, cx1, cy1 int) {
	lo := func(v float64) int { return int(math.Floor(v*quickScale-quickMarginCells)) - 1 }
	hi := func(v float64) int { return int(math.Floor(v*quickScale+quickMarginCells)) + 2 }
	return lo(b.Min[0]), lo(b.Min[1]), hi(b.Max[0]), hi(b.Max[1])
}

// run does the jobs, in parallel when asked (a full build): each job
// writes only its own chunk.
func (b *quickBuilder) run(q *quickGrid, jobs []quickJob, parallel bool) {
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	if !parallel || workers <= 1 {
		for _, j := range jobs {
			b.chunk(q, j)
		}
		return
	}
	forks := make([]*quickBuilder, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range forks {
		forks[w] = b.fork()
		wg.Add(1)
		go func(f *quickBuilder) {
			defer wg.Done()
			for k := next.Add(1) - 1; k < int64(len(jobs)); k = next.Add(1) - 1 {
				f.chunk(q, jobs[k])
			}
		}(forks[w])
	}
	wg.Wait()
	for _, f := range forks {
		b.made, b.cells, b.clear = b.made+f.made, b.cells+f.cells, b.clear+f.clear
	}
}

// chunk does one job: it marks the edges near the job's tiles, then makes
// each wanted tile, or the whole chunk uniform when nothing was marked.
func (b *quickBuilder) chunk(q *quickGrid, j quickJob) {
	ox, oy := q.chunkOrigin(j.c)
	ox, oy = ox+float64(j.tx0<<quickTileBits), oy+float64(j.ty0<<quickTileBits)
	m := b.edges.reset(ox, oy, (j.tx1-j.tx0)<<quickTileBits, (j.ty1-j.ty0)<<quickTileBits)
	box := m.bound()
	b.fill.buckets.eachBoxIn(&b.visits, box, func(slot uint32, e *polyEntry) {
		m.slot = slot
		e.eachSegmentIn(box, func(sg segment) { m.mark(sg.a, sg.b) }) // by y-band: a long ring costs its part here
	})
	m.done()
	if j.wanted == nil && len(m.marks) == 0 {
		centre := orb.Point{(ox + 0.5) / quickScale, (oy + 0.5) / quickScale}
		q.chunks[j.c] = quickChunk{uniform: b.uniformTile(b.fill.entries(centre, nil))}
		b.cells += quickChunkSize * quickTileCells
		b.clear += quickChunkSize * quickTileCells
		return
	}
	tiles := q.chunks[j.c].tiles() // a change keeps the tiles it does not remake
	for ty := j.ty0; ty < j.ty1; ty++ {
		for tx := j.tx0; tx < j.tx1; tx++ {
			t := ty<<quickChunkBits | tx
			if j.wanted != nil {
				if _, ok := slices.BinarySearch(j.wanted, t); !ok {
					continue
				}
			}
			tiles[t] = b.tile(ox+float64((tx-j.tx0)<<quickTileBits), oy+float64((ty-j.ty0)<<quickTileBits), m.tileView(tx-j.tx0, ty-j.ty0))
		}
	}
	q.chunks[j.c] = packChunk(tiles)
}

// tile makes the tile whose first cell is (cx, cy) (absolute cell
// coordinates). A clear cell's record is its component's, found at the
// first cell's centre; a cell near edges gets the record of rule 2 of
// index_build.go: the polygons flagged there as candidates, every other
// polygon covering its centre as sure (childEntries), and the candidates
// are split where they can be (tileSplitter).
func (b *quickBuilder) tile(cx, cy float64, v tileView) quickTile {
	edge := v.edgeMask()
	centre := func(i int) orb.Point {
		return orb.Point{(cx + float64(i&quickTileMask) + 0.5) / quickScale, (cy + float64(i>>quickTileBits) + 0.5) / quickScale}
	}
	b.cells += quickTileCells
	b.clear += quickTileCells - bits.OnesCount64(edge)
	if edge == 0 { // one clear component
		return b.uniformTile(b.fill.entries(centre(0), nil))
	}
	// A polygon flagged at no cell of the tile answers the same over the
	// whole (connected) tile: it is tested once, at the tile's centre.
	flagged := v.flaggedInTile(edge)
	whole := b.fill.sureAt(orb.Point{(cx + quickTileSide/2) / quickScale, (cy + quickTileSide/2) / quickScale}, flagged)
	var num [quickTileCells]uint8
	var recs []quickRec
	var cands []uint32
	splitter := b.split.reset(b, v, cx, cy)
	for unset := ^uint64(0); unset != 0; {
		i := bits.TrailingZeros64(unset)
		cells := uint64(1) << i
		cands = cands[:0]
		if edge&cells != 0 {
			cands = v.flagged(i, cands)
		} else {
			cells = component(^edge, i)
		}
		rec := quickRec{ents: b.fill.childEntries(centre(i), cands, flagged, whole)}
		if len(cands) > 0 {
			rec = splitter.split(rec.ents, i)
		}
		k := slices.IndexFunc(recs, rec.equal)
		if k < 0 && len(recs) < quickMaxRecs {
			k = len(recs)
			recs = append(recs, rec)
		}
		if k < 0 {
			k = quickEdgeCell // out of palette numbers: the H3 index answers
		}
		for c := cells; c != 0; c &= c - 1 {
			num[bits.TrailingZeros64(c)] = uint8(k)
		}
		unset &^= cells
	}
	if len(recs) == 1 && len(recs[0].splits) == 0 && !slices.Contains(num[:], quickEdgeCell) {
		return b.uniformTile(recs[0].ents)
	}
	b.made++
	return encodeTile(&num, recs, splitter.edges.chain(recs))
}

// component returns the cells of clear (a mask of a tile's cells, row by
// row) joined by sides to cell i, which is in clear.
func component(clear uint64, i int) uint64 {
	const notFirstCol, notLastCol = 0xFEFEFEFEFEFEFEFE, 0x7F7F7F7F7F7F7F7F
	c := uint64(1) << i
	for {
		n := (c | c<<1&notFirstCol | c>>1&notLastCol | c<<quickTileSide | c>>quickTileSide) & clear
		if n == c {
			return c
		}
		c = n
	}
}

// quickRec is a tile's record while it is built: its entries and the
// descriptors of its split candidates (index_quick_split.go), whose edges
// are numbered in the tile's tileEdges.
type quickRec struct {
	ents, splits []uint32
}

func (r quickRec) equal(o quickRec) bool {
	return slices.Equal(r.ents, o.ents) && slices.Equal(r.splits, o.splits)
}

// encodeTile lays a tile out: cells, header, palette, the empty record,
// the records' entry lists (each once: its length and entries), the split
// records (the reference of their entries, then their descriptors), then
// the vertices of the split descriptors' edges.
func encodeTile(num *[quickTileCells]uint8, recs []quickRec, verts []orb.Point) quickTile {
	var lists [][]uint32           // distinct entry lists of more than one entry
	list := make([]int, len(recs)) // each record's, in lists
	n := quickPalette + len(recs) + 1
	for k, r := range recs {
		if len(r.ents) > 1 {
			list[k] = slices.IndexFunc(lists, func(l []uint32) bool { return slices.Equal(l, r.ents) })
			if list[k] < 0 {
				list[k] = len(lists)
				lists = append(lists, r.ents)
				n += 1 + len(r.ents)
			}
		}
		if len(r.splits) > 0 {
			n += 1 + len(r.splits)
		}
	}
	t := make(quickTile, n, n+len(verts)*splitVertexWords)
	t[quickEdgesAt] = uint32(n)
	for _, v := range verts {
		t = appendVertex(t, v)
	}
	for i, k := range num {
		t[i>>2] |= uint32(k) << (i & 3 * 8)
	}
	empty := quickPalette + len(recs)
	at := empty + 1
	listAt := make([]uint32, len(lists))
	for k, l := range lists {
		listAt[k] = uint32(at)
		t[at] = uint32(len(l))
		at += 1 + copy(t[at+1:], l)
	}
	for k, r := range recs {
		var ref uint32
		switch len(r.ents) {
		case 0:
			ref = uint32(empty)
		case 1:
			ref = inlineBit | r.ents[0]
		default:
			ref = listAt[list[k]]
		}
		if len(r.splits) > 0 {
			t[at] = ref
			ref = splitRefBit | uint32(at)
			at += 1 + copy(t[at+1:], r.splits)
		}
		t[quickPalette+k] = ref
	}
	return t
}

// uniformTile returns a tile whose every cell holds rec: one shared by
// all such tiles when rec has at most one entry (its record reference is
// then rec itself).
func (b *quickBuilder) uniformTile(rec []uint32) quickTile {
	var zero [quickTileCells]uint8 // every cell is palette number 0
	if len(rec) > 1 {
		b.made++
		return encodeTile(&zero, []quickRec{{ents: rec}}, nil)
	}
	var single recordPool // a record of at most one entry needs no pool
	ref := single.ref(rec)
	b.shared.mu.Lock()
	defer b.shared.mu.Unlock()
	if t, ok := b.shared.tiles[ref]; ok {
		return t
	}
	t := encodeTile(&zero, []quickRec{{ents: rec}}, nil)
	b.shared.tiles[ref] = t
	return t
}
