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
// one tile (an aligned pair of cache lines), the entries and, near an
// edge, the candidates' exact tests: no H3 cell and no cell table probe.
// The H3 index answers only when there is no grid (data spread wider than
// quickMaxTiles) or a tile ran out of palette numbers.
//
// A tile is one []uint32, which is also its records' pool: [0:16] the
// cells' palette numbers (one byte each, quickEdgeCell for a cell the H3
// index answers: the first cache line), then the palette (a record reference
// per number), a zero word (the empty record), then the records of more
// than one entry. Its storage is a multiple of 128 bytes, so Go's
// allocator aligns it and the palette shares the cells' pair of lines.
// Tiles over nothing, and tiles wholly inside one record, share one tile
// per answer.

// Quick grid geometry.
const (
	quickScale     = 8192.0 // cells per degree: 2^13, so cell corners are exact
	quickTileBits  = 3      // tiles of 8 × 8 cells
	quickTileSide  = 1 << quickTileBits
	quickTileMask  = quickTileSide - 1
	quickTileCells = quickTileSide * quickTileSide
	quickCellWords = quickTileCells / 4
	quickEdgeCell  = 0xFF // palette number of a cell the H3 index answers
	quickPalette   = quickCellWords
	quickChunkBits = 10 // tiles per directory chunk: a change copies the chunks it touches
	quickChunkSize = 1 << quickChunkBits
	quickChunkMask = quickChunkSize - 1
	// quickMaxTiles bounds the directory (a slice header per tile): data
	// spread wider than this (a whole country at this cell
	// size) goes without a quick grid and is answered by the H3 index.
	quickMaxTiles = 4 << 20
)

// quickMarginCells is flagMarginDeg in cells: a cell within it of an edge
// is not clear. The arithmetic of the marking errs by less than 1e-9 cells.
const quickMarginCells = flagMarginDeg * quickScale

// quickTile is one tile: cells, palette and records (see above).
type quickTile []uint32

// quickGrid is the raster: a dense directory of tiles over the data's
// extent (in cell units, whole tiles). Its zero value holds nothing and
// answers no point. It is persistent: update shares untouched chunks.
type quickGrid struct {
	x0, y0, x1, y1 float64 // extent in cells: [x0, x1) × [y0, y1), tile-aligned integers
	ntx, nty       int     // tiles across and down
	chunks         [][]quickTile
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
	t := (cy>>quickTileBits)*q.ntx + cx>>quickTileBits
	tile = q.chunks[t>>quickChunkBits][t&quickChunkMask]
	i := (cy&quickTileMask)<<quickTileBits | cx&quickTileMask
	k := tile[i>>2] >> (i & 3 * 8) & 0xFF
	if k == quickEdgeCell {
		return 0, nil, false
	}
	return tile[quickPalette+k], tile, true
}

// tileAt returns tile (tx, ty) of the directory.
func (q *quickGrid) tileAt(tx, ty int) quickTile {
	t := ty*q.ntx + tx
	return q.chunks[t>>quickChunkBits][t&quickChunkMask]
}

// setTile stores a tile; owned records the chunks already copied for this
// grid (nil: every chunk is owned).
func (q *quickGrid) setTile(tx, ty int, tile quickTile, owned map[int]bool) {
	t := ty*q.ntx + tx
	c := t >> quickChunkBits
	if owned != nil && !owned[c] {
		q.chunks[c] = slices.Clone(q.chunks[c])
		owned[c] = true
	}
	q.chunks[c][t&quickChunkMask] = tile
}

// newQuickGrid returns a grid over the cell box [cx0, cx1) × [cy0, cy1)
// (rounded out to whole tiles) whose every tile is fill; ok is false when
// the box needs more than quickMaxTiles tiles.
func newQuickGrid(cx0, cy0, cx1, cy1 int, fill quickTile) (quickGrid, bool) {
	tx0, ty0 := cx0>>quickTileBits, cy0>>quickTileBits
	tx1, ty1 := (cx1+quickTileMask)>>quickTileBits, (cy1+quickTileMask)>>quickTileBits
	ntx, nty := tx1-tx0, ty1-ty0
	if ntx <= 0 || nty <= 0 || ntx > quickMaxTiles/nty {
		return quickGrid{}, false
	}
	q := quickGrid{
		x0: float64(tx0 << quickTileBits), y0: float64(ty0 << quickTileBits),
		x1: float64(tx1 << quickTileBits), y1: float64(ty1 << quickTileBits),
		ntx: ntx, nty: nty,
		chunks: make([][]quickTile, (ntx*nty+quickChunkMask)>>quickChunkBits),
	}
	for i := range q.chunks {
		q.chunks[i] = make([]quickTile, quickChunkSize)
		for j := range q.chunks[i] {
			q.chunks[i][j] = fill
		}
	}
	return q, true
}

// empty reports whether the grid covers nothing.
func (q *quickGrid) empty() bool { return q.ntx == 0 }

// cellBox is the grid's extent in absolute cell coordinates.
func (q *quickGrid) cellBox() (cx0, cy0, cx1, cy1 int) {
	return int(q.x0), int(q.y0), int(q.x1), int(q.y1)
}

// regrown returns a grid over the union of q's extent and the given cell
// box, holding q's tiles where q had them and fill elsewhere.
func (q *quickGrid) regrown(cx0, cy0, cx1, cy1 int, fill quickTile) (quickGrid, bool) {
	if !q.empty() {
		ox0, oy0, ox1, oy1 := q.cellBox()
		cx0, cy0, cx1, cy1 = min(cx0, ox0), min(cy0, oy0), max(cx1, ox1), max(cy1, oy1)
	}
	g, ok := newQuickGrid(cx0, cy0, cx1, cy1, fill)
	if !ok || q.empty() {
		return g, ok
	}
	dx, dy := int(q.x0-g.x0)>>quickTileBits, int(q.y0-g.y0)>>quickTileBits
	for ty := 0; ty < q.nty; ty++ {
		for tx := 0; tx < q.ntx; tx++ {
			g.setTile(tx+dx, ty+dy, q.tileAt(tx, ty), nil)
		}
	}
	return g, true
}

// bytes is the memory the grid holds; tiles shared between places count once.
func (q *quickGrid) bytes() int64 {
	n := int64(len(q.chunks)) * quickChunkSize * 24
	seen := map[*uint32]bool{}
	for _, c := range q.chunks {
		for _, t := range c {
			if len(t) > 0 && !seen[&t[0]] {
				seen[&t[0]] = true
				n += int64(cap(t)) * 4
			}
		}
	}
	return n
}
