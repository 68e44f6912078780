package casework

import (
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// TestLargeGridsAreCountedCoarser: a grid too large to count at PatrolRes
// is counted at the finest resolution that keeps it within MaxGridCells,
// and a track through it counts the coarse cells it passed through. A
// 1° × 1° grid was 6.4 million cells at PatrolRes (17 s, 470 MB).
func TestLargeGridsAreCountedCoarser(t *testing.T) {
	sw := orb.Point{116.7, 38.7}
	cases := []struct {
		name    string
		side    float64 // metres
		wantRes int
	}{
		{"a city grid, 300 m", 300, PatrolRes},
		{"a rural grid, 10 km", 10_000, PatrolRes},
		{"a district drawn as a grid, 100 km", 100_000, 8},
		{"a mistyped vertex, 1,000 km", 1_000_000, 6},
	}
	start := time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			grid := square(sw, c.side)
			began := time.Now()
			set := CellsOf(grid)
			took := time.Since(began)
			if set.Res != c.wantRes || len(set.Cells) == 0 || len(set.Cells) > MaxGridCells {
				t.Fatalf("res %d with %d cells (%s); want res %d, 1 to %d cells", set.Res, len(set.Cells), took, c.wantRes, MaxGridCells)
			}
			t.Logf("res %d, %d cells in %s", set.Res, len(set.Cells), took)
			// A walk of 200 m from the grid's centre passes through a few
			// cells at PatrolRes, and one or two coarse ones.
			in := grid.Bound().Center()
			walk := walkAlong([]orb.Point{in, {in[0] + 0.0023, in[1]}}, start, 1.2)
			s, _ := SummariseTrack(walk, grid, set)
			if s.GridCells != len(set.Cells) || s.VisitedCells < 1 || s.VisitedCells > 12 || s.Inside <= 0 {
				t.Errorf("summary: %d of %d cells visited, inside %s", s.VisitedCells, s.GridCells, s.Inside)
			}
			visited := map[uint64]bool{}
			for _, f := range walk {
				visited[cellAt(f.Point)] = true
			}
			day := PatrolDay{Grids: []geo.Unit{{Code: "120104001001001", Geom: grid}}, Visited: visited}
			cov := day.Coverage(fixedCells{set})
			if cov[0].Res != set.Res || cov[0].Cells != len(set.Cells) || cov[0].Visited < 1 {
				t.Errorf("coverage %+v", cov[0])
			}
		})
	}
}

// TestSumCoverageWeighsGridsByArea: a unit's totals count every grid's
// cells at PatrolRes, a coarse cell as the 7^k cells it holds and its
// visited ones as the PatrolRes cells walked (a review: a coarse cell
// touched once counted 7^k walked), so that a large grid counted coarser
// (MaxGridCells) weighs in by its area. Summed as they were counted, a
// 100 km grid of 3,000 res-8 cells weighed less than a city grid of 5,000
// res-11 cells.
func TestSumCoverageWeighsGridsByArea(t *testing.T) {
	cases := []struct {
		name           string
		grids          []GridCoverage
		cells, visited int
		coverage       float64
	}{
		{"all at PatrolRes", []GridCoverage{
			{Res: PatrolRes, Cells: 100, Visited: 50, Patrols: 2, InsideS: 60},
			{Res: PatrolRes, Cells: 300, Visited: 0},
		}, 400, 50, 0.125},
		{"a city grid patrolled beside a large grid", []GridCoverage{
			{Res: PatrolRes, Cells: 5000, Visited: 5000, Patrols: 1, InsideS: 60},
			{Res: 8, Cells: 3000, Visited: 0},
		}, 5000 + 3000*343, 5000, 0.0048},
		// Two coarse cells touched by a walk through 5 fine cells: the walk,
		// not the 98 fine cells the two hold.
		{"the large grid patrolled", []GridCoverage{
			{Res: PatrolRes, Cells: 5000, Visited: 0},
			{Res: 9, Cells: 10, Visited: 2, visitedFine: 5, Patrols: 1, OutsideS: 5},
		}, 5000 + 490, 5, 0.0009},
		{"no grids", nil, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := SumCoverage(c.grids)
			patrolled, patrols, seconds := 0, 0, 0.0
			for _, g := range c.grids {
				if g.Visited > 0 {
					patrolled++
				}
				patrols, seconds = patrols+g.Patrols, seconds+g.InsideS+g.OutsideS
			}
			if got.Cells != c.cells || got.Visited != c.visited || got.Coverage != c.coverage || got.Grids != len(c.grids) ||
				got.GridsPatrolled != patrolled || got.Patrols != patrols || got.InsideS+got.OutsideS != seconds {
				t.Errorf("totals %+v; want %d cells, %d visited, coverage %v, %d of %d grids patrolled",
					got, c.cells, c.visited, c.coverage, patrolled, len(c.grids))
			}
		})
	}
}

// fixedCells gives every grid the same cells.
type fixedCells struct{ set CellSet }

func (f fixedCells) Set(*geo.Unit) CellSet        { return f.set }
func (f fixedCells) Count(*geo.Unit) (res, n int) { return f.set.Res, len(f.set.Cells) }
