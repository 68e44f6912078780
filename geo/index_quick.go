package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// The quick grid: a planar raster in front of the H3 index that answers
// the points far from every edge without H3 and without a ring test.
//
// Cells are squares of 2^-13 degree (~14 m × 11 m at Tianjin's latitude)
// with exactly representable corners, grouped into tiles of 8×8 cells.
// The points Resolve looks up in a cell (the half-open square) form a
// connected set, so a polygon none of whose edges (nor virtual edges of
// rule 4) comes within flagMarginDeg of the cell has the same answer at
// each of them — its answer at the cell's centre — for the reasons rule 1
// of index_build.go gives, minus the arcs (a cell here is straight in
// lon/lat, as PostGIS's geometry is). So a cell's record is built as rule
// 2 builds a fine cell's: the polygons whose edges pass near it are
// candidates, tested exactly per point, and every other polygon covering
// its centre is sure. Most cells are "clear" of every edge: their records
// are all sure, and clear cells sharing a side (one connected clear
// region) share one record, computed once per tile.
//
// Resolve costs two multiplications, a range check, one directory read,
// one tile (its cells' cache line and the palette's), the entries and, near an
// edge, the candidates' tests: no H3 cell and no cell table probe. Most
// candidates are split (index_quick_split.go): a side test or two against
// edge copies kept in the tile answers them, not a scan of their rings.
// The H3 index answers only where there is no grid (data spread wider
// than quickMaxChunks allows; the index then has H3 cells, buildCells). A
// cell of a tile that ran out of palette numbers (it cannot: a tile's 64
// cells need at most 64) would be answered by testing every polygon.
//
// A tile is one []uint32, which is also its records' pool: [0:16] the
// cells' palette numbers (one byte each, quickEdgeCell for a cell the H3
// index answers: the first cache line), a header word (where the edges
// below start), then the palette (a record reference per number), a zero
// word (the empty record), then the entry lists of more than one entry,
// the split records (an entry list's reference and the descriptors of its
// split candidates, index_quick_split.go), then copies of the edges those
// use. (Rounding tiles up to aligned 128-byte blocks, so that
// the palette always shares the cells' pair of cache lines, measured no
// faster and cost a third more memory.) Tiles over nothing, and tiles wholly inside one record, share one tile
// per answer.
//
// The directory is a grid of chunks of 32×32 tiles (~3.5 km × 2.7 km). A
// chunk that no edge comes near is one connected clear region: it holds
// one tile for all its cells and no directory of its own, so the memory
// and the build time of the grid follow the edges, not the area (a
// municipality's rural districts cost next to nothing).

// Quick grid geometry.
const (
	quickScale     = 8192.0 // cells per degree: 2^13, so cell corners are exact
	quickTileBits  = 3      // tiles of 8 × 8 cells
	quickTileSide  = 1 << quickTileBits
	quickTileMask  = quickTileSide - 1
	quickTileCells = quickTileSide * quickTileSide
	quickCellWords = quickTileCells / 4
	quickEdgeCell  = 0xFF             // palette number of a cell the H3 index answers
	quickEdgesAt   = quickCellWords   // the header word: where the tile's edge copies start
	quickPalette   = quickEdgesAt + 1 // the palette follows the header
	quickChunkBits = 5                // chunks of 32 × 32 tiles: a change copies the chunks it touches
	quickChunkSide = 1 << quickChunkBits
	quickChunkMask = quickChunkSide - 1
	quickChunkSize = quickChunkSide * quickChunkSide
	quickChunkCell = quickTileBits + quickChunkBits // log2 of a chunk's side in cells
	// quickMaxChunks bounds the directory: data spread wider than this
	// (more than ~2,000 km a side at this cell size) goes without a
	// quick grid and is answered by the H3 index.
	quickMaxChunks = 1 << 19
)

// quickMarginCells is flagMarginDeg in cells: a cell within it of an edge
// is not clear. The arithmetic of the marking errs by less than 1e-9 cells.
const quickMarginCells = flagMarginDeg * quickScale

// quickTile is one tile: cells, palette and records (see above).
type quickTile []uint32

// quickChunk is a square of tiles: all one tile (offs nil: uniform), or
// each its own, stored back to back in pool: tile t (row by row) starts at
// pool[offs[t]], its length in the word before it. The directory is 4
// bytes a tile, so the directories of a city's chunks mostly stay in cache
// (slice headers, 24 bytes a tile, did not: a lookup paid a miss for the
// directory, then one for the tile). Tiles a chunk holds more than once
// (shared ones: wholly inside one record) are stored once.
type quickChunk struct {
	uniform quickTile
	offs    []uint32
	pool    []uint32
}

// tile returns tile t.
func (ch *quickChunk) tile(t int) quickTile {
	if ch.offs == nil {
		return ch.uniform
	}
	at := ch.offs[t]
	return ch.pool[at : at+ch.pool[at-1]]
}

// tiles returns the chunk's tiles, row by row: views into pool (or the
// uniform tile), which a change replaces, never writes.
func (ch *quickChunk) tiles() []quickTile {
	ts := make([]quickTile, quickChunkSize)
	for t := range ts {
		ts[t] = ch.tile(t)
	}
	return ts
}

// packChunk returns the chunk of the given tiles, row by row: a uniform
// one when they are all alike, so that an edit that took the last edge out
// of a chunk leaves it as a build would have made it.
func packChunk(tiles []quickTile) quickChunk {
	at := make(map[*uint32]uint32, 8)
	n := 0
	for _, t := range tiles {
		if _, ok := at[&t[0]]; !ok {
			at[&t[0]] = 0
			n += 1 + len(t)
		}
	}
	if t, ok := sameTile(tiles, len(at)); ok {
		return quickChunk{uniform: t}
	}
	ch := quickChunk{offs: make([]uint32, len(tiles)), pool: make([]uint32, 0, n)}
	for i, t := range tiles {
		o := at[&t[0]]
		if o == 0 {
			ch.pool = append(ch.pool, uint32(len(t)))
			o = uint32(len(ch.pool))
			ch.pool = append(ch.pool, t...)
			at[&t[0]] = o
		}
		ch.offs[i] = o
	}
	return ch
}

// sameTile returns a copy of the tile when the given tiles, of which
// distinct are stored apart, all hold the same words: a tile kept from a
// chunk's pool and one made afresh for the same record are alike but
// stored apart. The copy lets the old pool go.
func sameTile(tiles []quickTile, distinct int) (quickTile, bool) {
	if distinct > 4 {
		return nil, false // a chunk near an edge: not worth comparing
	}
	for _, t := range tiles[1:] {
		if &t[0] != &tiles[0][0] && !slices.Equal(t, tiles[0]) {
			return nil, false
		}
	}
	return slices.Clone(tiles[0]), true
}

// quickGrid is the raster: a grid of chunks over the data's extent (in
// cell units, whole chunks, aligned to multiples of a chunk's side so that
// grids of the same data line up). Its zero value holds nothing and
// answers no point. It is persistent: a change copies the chunk headers
// and the chunks it touches, and shares the rest.
type quickGrid struct {
	x0, y0, x1, y1 float64 // extent in cells: [x0, x1) × [y0, y1), chunk-aligned integers
	ncx, ncy       int     // chunks across and down
	chunks         []quickChunk
}

// lookup returns the record reference of p's cell and the tile (or pool)
// it points into; ok is false when the H3 index must answer. A point
// outside a grid's extent is outside every polygon's box, so covered by
// nothing: the grid grows to hold every box or is dropped (updateQuick).
func (q *quickGrid) lookup(p orb.Point) (ref uint32, tile []uint32, ok bool) {
	x, y := p[0]*quickScale, p[1]*quickScale
	if !(x >= q.x0 && x < q.x1 && y >= q.y0 && y < q.y1) {
		if q.empty() || x != x || y != y { // no grid, or NaN
			return 0, nil, false
		}
		return 0, emptyPool, true
	}
	cx, cy := int(math.Floor(x)-q.x0), int(math.Floor(y)-q.y0)
	ch := &q.chunks[cy>>quickChunkCell*q.ncx+cx>>quickChunkCell]
	tile = ch.uniform
	// The tile runs to the pool's end here, unlike ch.tile's: its records
	// are found from its start, and this skips reading its length.
	if ch.offs != nil {
		tile = ch.pool[ch.offs[(cy>>quickTileBits&quickChunkMask)<<quickChunkBits|cx>>quickTileBits&quickChunkMask]:]
	}
	i := (cy&quickTileMask)<<quickTileBits | cx&quickTileMask
	k := tile[i>>2] >> (i & 3 * 8) & 0xFF
	if k == quickEdgeCell {
		return 0, nil, false
	}
	return tile[quickPalette+k], tile, true
}

// newQuickGrid returns a grid over at least the cell box [cx0, cx1) ×
// [cy0, cy1), every chunk uniformly fill; ok is false when that needs more
// than quickMaxChunks chunks.
func newQuickGrid(cx0, cy0, cx1, cy1 int, fill quickTile) (quickGrid, bool) {
	kx0, ky0 := cx0>>quickChunkCell, cy0>>quickChunkCell
	kx1, ky1 := (cx1-1)>>quickChunkCell+1, (cy1-1)>>quickChunkCell+1
	ncx, ncy := kx1-kx0, ky1-ky0
	if ncx <= 0 || ncy <= 0 || ncx > quickMaxChunks/ncy {
		return quickGrid{}, false
	}
	q := quickGrid{
		x0: float64(kx0 << quickChunkCell), y0: float64(ky0 << quickChunkCell),
		x1: float64(kx1 << quickChunkCell), y1: float64(ky1 << quickChunkCell),
		ncx: ncx, ncy: ncy, chunks: make([]quickChunk, ncx*ncy),
	}
	for i := range q.chunks {
		q.chunks[i].uniform = fill
	}
	return q, true
}

// empty reports whether the grid covers nothing.
func (q *quickGrid) empty() bool { return q.ncx == 0 }

// cellBox is the grid's extent in absolute cell coordinates.
func (q *quickGrid) cellBox() (cx0, cy0, cx1, cy1 int) {
	return int(q.x0), int(q.y0), int(q.x1), int(q.y1)
}

// chunkOrigin is the absolute cell coordinates of chunk c's first cell.
func (q *quickGrid) chunkOrigin(c int) (cx, cy float64) {
	return q.x0 + float64(c%q.ncx<<quickChunkCell), q.y0 + float64(c/q.ncx<<quickChunkCell)
}

// regrown returns a grid over the union of q's extent and the given cell
// box, holding q's chunks where q had them and fill elsewhere.
func (q *quickGrid) regrown(cx0, cy0, cx1, cy1 int, fill quickTile) (quickGrid, bool) {
	if !q.empty() {
		ox0, oy0, ox1, oy1 := q.cellBox()
		cx0, cy0, cx1, cy1 = min(cx0, ox0), min(cy0, oy0), max(cx1, ox1), max(cy1, oy1)
	}
	g, ok := newQuickGrid(cx0, cy0, cx1, cy1, fill)
	if !ok || q.empty() {
		return g, ok
	}
	dx, dy := int(q.x0-g.x0)>>quickChunkCell, int(q.y0-g.y0)>>quickChunkCell
	for c, ch := range q.chunks {
		g.chunks[(c/q.ncx+dy)*g.ncx+c%q.ncx+dx] = ch
	}
	return g, true
}

// bytes is the memory the grid holds; tiles shared between places (those
// of one record of at most one entry, the only ones that size) count once.
func (q *quickGrid) bytes() int64 {
	n := int64(len(q.chunks)) * 48
	shared := map[*uint32]bool{}
	count := func(t quickTile) {
		switch {
		case len(t) == 0:
		case len(t) == quickPalette+2 && shared[&t[0]]:
		default:
			shared[&t[0]] = len(t) == quickPalette+2
			n += int64(cap(t)) * 4
		}
	}
	for _, ch := range q.chunks {
		count(ch.uniform)
		n += int64(cap(ch.offs)+cap(ch.pool)) * 4
	}
	return n
}
