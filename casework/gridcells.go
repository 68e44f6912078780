package casework

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// MaxGridCells bounds the cells a grid is counted in. At PatrolRes that
// is a grid whose box spans about 215 km², far beyond any real grid (a
// rural one is a few km²); a larger one (a district drawn as a grid, a
// mistyped vertex) is counted at the finest coarser resolution that stays
// within it. Counted at PatrolRes, a 1° × 1° grid was 6.4 million cells:
// 17 s and 470 MB for one anonymous coverage answer, and as long for every
// patrol uploaded in it.
const MaxGridCells = 100_000

// CellSet is a grid's cells: those whose centres lie in it, at Res
// (PatrolRes unless the grid is too large for it: MaxGridCells).
type CellSet struct {
	Res   int
	Cells map[uint64]bool
}

// CellsOf returns the cells of a grid. A polygon smaller than a cell gets
// the cell of its first vertex, so that every grid has at least one cell
// to visit.
func CellsOf(mp orb.MultiPolygon) CellSet {
	set := CellSet{Res: resolutionFor(mp.Bound()), Cells: map[uint64]bool{}}
	for _, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		gp := h3.GeoPolygon{GeoLoop: toLoop(poly[0])}
		for _, hole := range poly[1:] {
			gp.Holes = append(gp.Holes, toLoop(hole))
		}
		cells, err := h3.PolygonToCells(gp, set.Res)
		if err != nil {
			continue // a degenerate polygon: falls back below
		}
		for _, c := range cells {
			set.Cells[uint64(c)] = true
		}
	}
	if len(set.Cells) == 0 && len(mp) > 0 && len(mp[0]) > 0 && len(mp[0][0]) > 0 {
		if c := set.cellOf(cellAt(mp[0][0][0])); c != 0 {
			set.Cells[c] = true
		}
	}
	return set
}

// cellOf is the cell of the set's resolution that holds the PatrolRes
// cell c: c itself, or its ancestor (0 for no cell).
func (s CellSet) cellOf(c uint64) uint64 {
	if s.Res == PatrolRes || c == 0 {
		return c
	}
	parent, err := h3.Cell(c).Parent(s.Res)
	if err != nil {
		return 0
	}
	return uint64(parent)
}

// Visited returns the set's cells among visited (PatrolRes cells).
func (s CellSet) Visited(visited map[uint64]bool) map[uint64]bool {
	out := map[uint64]bool{}
	for c := range visited {
		if at := s.cellOf(c); s.Cells[at] {
			out[at] = true
		}
	}
	return out
}

// resolutionFor is the finest resolution, PatrolRes at most, at which a
// polygon in box has at most MaxGridCells cells, reckoned from the box's
// area on the sphere (the area H3 itself sizes its answer by before it
// fills a polygon) and twice the cells of average size: cells are smaller
// than the average away from the equator (1.45 times as many at 39° N).
func resolutionFor(box orb.Bound) int {
	const earthRadiusM = 6_371_007.2
	rad := math.Pi / 180
	area := earthRadiusM * earthRadiusM * (box.Max[0] - box.Min[0]) * rad *
		math.Abs(math.Sin(box.Max[1]*rad)-math.Sin(box.Min[1]*rad))
	for res := PatrolRes; res > 0; res-- {
		if cell, err := h3.HexagonAreaAvgM2(res); err == nil && 2*area/cell <= MaxGridCells {
			return res
		}
	}
	return 0
}
