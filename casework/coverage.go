package casework

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// GridCells gives grids' cells (CellsOf), which callers cache by code and
// version: the set, and apart from it its resolution and size, which is
// all a unit's coverage needs of the grids with no visit near them. A
// city's coverage asked for every grid's set: 50,000 polygon fills, 10 s
// for each look of a wall screen at the whole city (a scale review).
// Coverage asks from several goroutines at once: an implementation must be
// safe for concurrent use.
type GridCells interface {
	Set(g *geo.Unit) CellSet
	Count(g *geo.Unit) (res, n int)
}

// Uncached fills a grid's polygon each time it is asked for its cells.
type Uncached struct{}

// Set implements GridCells.
func (Uncached) Set(g *geo.Unit) CellSet { return CellsOf(g.Geom) }

// Count implements GridCells.
func (Uncached) Count(g *geo.Unit) (res, n int) {
	set := CellsOf(g.Geom)
	return set.Res, len(set.Cells)
}

// Coverage computes each grid's coverage for a day. The grids are shared
// among the machine's cores: a grid's cells are costly to fill the first
// time (about 0.25 ms a grid of 300 m, all in H3's C code), and the first
// look at a city's 50,000 grids after a start filled them on one core.
func (d *PatrolDay) Coverage(cells GridCells) []GridCoverage {
	near := newCentres(d.Visited)
	out := make([]GridCoverage, len(d.Grids))
	inParallel(len(d.Grids), func(i int) { out[i] = d.gridCoverage(&d.Grids[i], near, cells) })
	return out
}

// gridCoverage is g's coverage: the set for a grid near a visit, or one
// counted coarser (its cells reach past a fine cell's margin); the size
// alone for the others. Each filled once.
func (d *PatrolDay) gridCoverage(g *geo.Unit, near centres, cells GridCells) GridCoverage {
	c := d.ByGrid[g.Code]
	c.Code, c.Name = g.Code, g.Name
	if c.Workers == nil {
		c.Workers = []string{}
	}
	visitedNear := near.within(g.Geom.Bound())
	if !visitedNear {
		c.Res, c.Cells = cells.Count(g)
	}
	if visitedNear || c.Res != PatrolRes {
		set := cells.Set(g)
		c.Res, c.Cells = set.Res, len(set.Cells)
		c.Visited, c.visitedFine = visitedIn(set, d.Visited)
		c.Coverage = Share(c.Visited, c.Cells)
	}
	return c
}

// parallelChunk is how many grids a worker takes at a time: enough that
// a warm cache's answer (a map probe a grid) is not spent handing out work.
const parallelChunk = 256

// inParallel calls do(i) for every i below n, on as many goroutines as
// there are cores, each taking the next chunk of indices as it finishes
// one. do must be safe to call concurrently. A panic in do is raised again
// in the caller's goroutine, where the request's recovery answers it (in a
// goroutine of its own it would end the process).
func inParallel(n int, do func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), (n+parallelChunk-1)/parallelChunk)
	if workers <= 1 {
		for i := range n {
			do(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var first sync.Once
	var panicked any
	for range workers {
		wg.Go(func() {
			defer func() {
				if rec := recover(); rec != nil {
					first.Do(func() { panicked = rec })
					next.Store(int64(n)) // the others stop at their next chunk
				}
			}()
			for {
				start := int(next.Add(parallelChunk)) - parallelChunk
				if start >= n {
					return
				}
				for i := start; i < min(start+parallelChunk, n); i++ {
					do(i)
				}
			}
		})
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
}

// CoverageTotals are a unit's patrol figures on a day, over its grids.
// Cells and Visited are counted at PatrolRes: a grid counted at a coarser
// resolution (too large for PatrolRes) adds for each of its cells the 7^k
// PatrolRes cells it holds, k resolutions finer, and the PatrolRes cells
// visited within them, so that every grid weighs in by its area, and a
// unit's coverage is the share of its area patrolled.
type CoverageTotals struct {
	Grids          int     `json:"grids"`
	GridsPatrolled int     `json:"grids_patrolled"`
	Cells          int     `json:"cells"`
	Visited        int     `json:"visited"`
	Coverage       float64 `json:"coverage"`
	Patrols        int     `json:"patrols"`
	InsideS        float64 `json:"inside_s"`
	OutsideS       float64 `json:"outside_s"`
}

// SumCoverage sums the grids' coverage (CoverageTotals).
func SumCoverage(grids []GridCoverage) CoverageTotals {
	t := CoverageTotals{Grids: len(grids)}
	for _, g := range grids {
		t.Cells += g.Cells * finerCells(g.Res)
		t.Visited += g.visitedAtPatrolRes()
		t.Patrols += g.Patrols
		t.InsideS += g.InsideS
		t.OutsideS += g.OutsideS
		if g.Visited > 0 {
			t.GridsPatrolled++
		}
	}
	t.Coverage = Share(t.Visited, t.Cells)
	return t
}

// visitedAtPatrolRes is how many PatrolRes cells of the grid were visited.
func (g *GridCoverage) visitedAtPatrolRes() int {
	if g.Res == PatrolRes {
		return g.Visited
	}
	return g.visitedFine
}

// finerCells is how many PatrolRes cells a cell of res holds: 7 per
// resolution (an H3 hexagon has 7 children; China has no pentagon).
func finerCells(res int) int {
	n := 1
	for r := res; r < PatrolRes; r++ {
		n *= 7
	}
	return n
}

// visitedIn counts the set's cells among visited (PatrolRes cells), and
// the visited PatrolRes cells within the set's: the same for a grid
// counted at PatrolRes; for one counted coarser, how much of its area was
// walked, which a coarse cell touched once would overstate 7^k times.
func visitedIn(set CellSet, visited map[uint64]bool) (cells, fine int) {
	if set.Res == PatrolRes {
		for cell := range set.Cells {
			if visited[cell] {
				cells++
			}
		}
		return cells, cells
	}
	touched := map[uint64]bool{} // a grid too large for PatrolRes: rare
	for c := range visited {
		if at := set.cellOf(c); set.Cells[at] {
			touched[at] = true
			fine++
		}
	}
	return len(touched), fine
}

// centres are the centres of visited PatrolRes cells, bucketed by
// bucketDeg so that a grid's box finds those near it at once.
type centres map[[2]int][]orb.Point

const bucketDeg = 0.01

func newCentres(visited map[uint64]bool) centres {
	out := centres{}
	for c := range visited {
		p := CellCentre(c)
		key := bucketOf(p)
		out[key] = append(out[key], p)
	}
	return out
}

func bucketOf(p orb.Point) [2]int {
	return [2]int{int(math.Floor(p[0] / bucketDeg)), int(math.Floor(p[1] / bucketDeg))}
}

// within reports whether a centre lies in box widened by a cell's reach: a
// PatrolRes cell of a grid has its centre in the grid, or (a grid smaller
// than a cell) holds the grid's first vertex, so a grid with no centre
// there has no visited cell.
func (cs centres) within(box orb.Bound) bool {
	if len(cs) == 0 {
		return false
	}
	lat := math.Min(85, math.Max(math.Abs(box.Min[1]), math.Abs(box.Max[1])))
	margin := 2 * patrolEdgeM / (111_320 * math.Cos(lat*math.Pi/180))
	box = orb.Bound{Min: orb.Point{box.Min[0] - margin, box.Min[1] - margin}, Max: orb.Point{box.Max[0] + margin, box.Max[1] + margin}}
	lo, hi := bucketOf(box.Min), bucketOf(box.Max)
	if (hi[0]-lo[0]+1)*(hi[1]-lo[1]+1) > len(cs) {
		return cs.anyIn(box) // a box over more buckets than there are: look at every one
	}
	for x := lo[0]; x <= hi[0]; x++ {
		for y := lo[1]; y <= hi[1]; y++ {
			for _, p := range cs[[2]int{x, y}] {
				if box.Contains(p) {
					return true
				}
			}
		}
	}
	return false
}

func (cs centres) anyIn(box orb.Bound) bool {
	for _, ps := range cs {
		for _, p := range ps {
			if box.Contains(p) {
				return true
			}
		}
	}
	return false
}
