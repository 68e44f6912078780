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
			cov := day.Coverage(func(*geo.Unit) CellSet { return set })
			if cov[0].Res != set.Res || cov[0].Cells != len(set.Cells) || cov[0].Visited < 1 {
				t.Errorf("coverage %+v", cov[0])
			}
		})
	}
}
