package casework

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// TestCoverageFillsOnlyGridsNearVisits: a unit's coverage fills the
// polygons of the grids with a visited cell near them only, and answers
// exactly what filling every grid answers: a block of 300 m grids with
// walks through some, a grid smaller than a cell (whose one cell holds its
// first vertex, which may lie outside it) beside a walk, and a grid too
// large for PatrolRes. Filling every grid took 10 s for each look at a
// city of 50,000 grids.
func TestCoverageFillsOnlyGridsNearVisits(t *testing.T) {
	sw := orb.Point{117.10, 39.05}
	var grids []geo.Unit
	for i := range 10 {
		for j := range 10 {
			corner := orb.Point{sw[0] + float64(i)*0.0035, sw[1] + float64(j)*0.0028}
			grids = append(grids, geo.Unit{Code: fmt.Sprintf("1201040010%02d%03d", i, j), Geom: square(corner, 300)})
		}
	}
	tiny := orb.Point{sw[0] + 0.0401, sw[1] + 0.0101}
	grids = append(grids,
		geo.Unit{Code: "120104002001001", Geom: square(tiny, 3)},
		geo.Unit{Code: "120104003001001", Geom: square(orb.Point{116.7, 38.7}, 100_000)})
	cases := []struct {
		name  string
		walks [][2]orb.Point
	}{
		{"no visits", nil},
		{"one walk across the block", [][2]orb.Point{{{117.101, 39.051}, {117.134, 39.077}}}},
		{"a walk past the tiny grid", [][2]orb.Point{{{117.1395, 39.0595}, {117.1415, 39.0615}}}},
		{"walks everywhere", [][2]orb.Point{{{117.10, 39.05}, {117.14, 39.08}}, {{117.14, 39.05}, {117.10, 39.08}}, {{117.2, 39.2}, {117.3, 39.3}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			visited := map[uint64]bool{}
			for _, w := range c.walks {
				for k := 0; k <= 400; k++ {
					f := float64(k) / 400
					p := orb.Point{w[0][0] + f*(w[1][0]-w[0][0]), w[0][1] + f*(w[1][1]-w[0][1])}
					visited[cellAt(p)] = true
				}
			}
			day := PatrolDay{Grids: grids, Visited: visited}
			counting := &countingCells{}
			got := day.Coverage(counting)
			visitedGrids := 0
			for i, g := range grids {
				set := CellsOf(g.Geom)
				want, _ := visitedIn(set, visited)
				if got[i].Visited != want || got[i].Cells != len(set.Cells) || got[i].Res != set.Res {
					t.Errorf("%s: %d of %d cells at res %d, want %d of %d at %d", g.Code, got[i].Visited, got[i].Cells, got[i].Res, want, len(set.Cells), set.Res)
				}
				if want > 0 {
					visitedGrids++
				}
			}
			// Filled: the grids visited, a few neighbours whose box a walk
			// passes near, and the large grid (counted coarser: always).
			if counting.sets < visitedGrids || counting.sets > 3*visitedGrids+4 {
				t.Errorf("%d polygons filled for %d grids visited of %d", counting.sets, visitedGrids, len(grids))
			}
			if tinyVisited := got[len(grids)-2].Visited == 1; tinyVisited != (c.name == "a walk past the tiny grid") {
				t.Errorf("the grid smaller than a cell visited: %v", tinyVisited)
			}
			t.Logf("%d grids visited, %d polygons filled", visitedGrids, counting.sets)
		})
	}
}

// TestCoverageFindsVisitsInAnyBucket: a grid's box over more buckets than
// there are visited ones looks at each of those instead.
func TestCoverageFindsVisitsInAnyBucket(t *testing.T) {
	for range 50 {
		p := orb.Point{100 + rand.Float64()*20, 20 + rand.Float64()*20}
		cs := newCentres(map[uint64]bool{cellAt(p): true})
		centre := CellCentre(cellAt(p))
		near := orb.Bound{Min: orb.Point{centre[0] - 0.0001, centre[1] - 0.0001}, Max: orb.Point{centre[0] + 0.0001, centre[1] + 0.0001}}
		wide := orb.Bound{Min: orb.Point{90, 10}, Max: orb.Point{130, 50}}
		far := orb.Bound{Min: orb.Point{centre[0] + 0.01, centre[1]}, Max: orb.Point{centre[0] + 0.02, centre[1] + 0.01}}
		if !cs.within(near) || !cs.within(wide) || cs.within(far) {
			t.Fatalf("centre %v: near %v, wide %v, far %v", centre, cs.within(near), cs.within(wide), cs.within(far))
		}
	}
}

// countingCells fills every polygon asked for and counts the fills.
type countingCells struct{ sets int }

func (c *countingCells) Set(g *geo.Unit) CellSet {
	c.sets++
	return CellsOf(g.Geom)
}

func (c *countingCells) Count(g *geo.Unit) (res, n int) {
	set := CellsOf(g.Geom)
	return set.Res, len(set.Cells)
}
