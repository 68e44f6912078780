package casework

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
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
	grids := blockOfGrids(sw, 10)
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
			if n := int(counting.sets.Load()); n < visitedGrids || n > 3*visitedGrids+4 {
				t.Errorf("%d polygons filled for %d grids visited of %d", n, visitedGrids, len(grids))
			}
			if tinyVisited := got[len(grids)-2].Visited == 1; tinyVisited != (c.name == "a walk past the tiny grid") {
				t.Errorf("the grid smaller than a cell visited: %v", tinyVisited)
			}
			t.Logf("%d grids visited, %d polygons filled", visitedGrids, counting.sets.Load())
		})
	}
}

// TestCoverageInParallelAnswersGridByGrid: a coverage over more grids than
// one worker's share is computed on every core, each grid's answer in its
// own place: 1,600 grids of 300 m under walks, each answer equal to the
// grid's own set's, with one worker and with four, and polygons filled for
// the grids near the walks only.
func TestCoverageInParallelAnswersGridByGrid(t *testing.T) {
	sw := orb.Point{117.10, 39.05}
	grids := blockOfGrids(sw, 40)
	visited := map[uint64]bool{}
	for k := 0; k <= 4000; k++ {
		f := float64(k) / 4000
		visited[cellAt(orb.Point{sw[0] + f*0.14, sw[1] + f*0.11})] = true
		visited[cellAt(orb.Point{sw[0] + f*0.14, sw[1] + 0.11 - f*0.11})] = true
	}
	day := PatrolDay{Grids: grids, Visited: visited, ByGrid: map[string]GridCoverage{grids[7].Code: {Patrols: 3}}}
	for _, procs := range []int{1, 4} {
		t.Run(fmt.Sprint(procs, " workers"), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			counting := &countingCells{}
			got := day.Coverage(counting)
			if len(got) != len(grids) {
				t.Fatalf("%d answers for %d grids", len(got), len(grids))
			}
			patrolled := 0
			for i, g := range grids {
				set := CellsOf(g.Geom)
				want, _ := visitedIn(set, visited)
				if got[i].Code != g.Code || got[i].Name != g.Name || got[i].Visited != want || got[i].Cells != len(set.Cells) {
					t.Errorf("answer %d: %s %q, %d of %d cells; want %s %q, %d of %d", i, got[i].Code, got[i].Name,
						got[i].Visited, got[i].Cells, g.Code, g.Name, want, len(set.Cells))
				}
				if want > 0 {
					patrolled++
				}
			}
			if got[7].Patrols != 3 {
				t.Errorf("grid 7's patrols: %d, want the day's 3", got[7].Patrols)
			}
			if n := int(counting.sets.Load()); patrolled == 0 || n < patrolled || n > 3*patrolled {
				t.Errorf("%d polygons filled for %d grids patrolled", n, patrolled)
			}
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

// blockOfGrids is n × n grids of 300 m side by side, north-east of sw,
// each with a code and a name of its own.
func blockOfGrids(sw orb.Point, n int) []geo.Unit {
	grids := make([]geo.Unit, 0, n*n)
	for i := range n {
		for j := range n {
			corner := orb.Point{sw[0] + float64(i)*0.0035, sw[1] + float64(j)*0.0028}
			grids = append(grids, geo.Unit{Code: fmt.Sprintf("1201%04d%05d", i, j), Name: fmt.Sprint(i, "-", j), Geom: square(corner, 300)})
		}
	}
	return grids
}

// countingCells fills every polygon asked for and counts the fills.
type countingCells struct{ sets atomic.Int64 }

func (c *countingCells) Set(g *geo.Unit) CellSet {
	c.sets.Add(1)
	return CellsOf(g.Geom)
}

func (c *countingCells) Count(g *geo.Unit) (res, n int) {
	set := CellsOf(g.Geom)
	return set.Res, len(set.Cells)
}

// TestInParallelRaisesAPanicInTheCaller: a panic on a worker reaches the
// caller's goroutine (where a request's recovery answers it), not the
// process.
func TestInParallelRaisesAPanicInTheCaller(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	defer func() {
		if rec := recover(); rec != "grid 1000" {
			t.Errorf("recovered %v, want the worker's panic", rec)
		}
	}()
	inParallel(5000, func(i int) {
		if i == 1000 {
			panic("grid 1000")
		}
	})
	t.Error("no panic")
}
