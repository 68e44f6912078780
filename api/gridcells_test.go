package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestCellCacheKeepsSizesAndRecentSets: the cache keeps every grid
// version's size and the sets used last, dropping those used longest ago
// once they would exceed its cells; a size it has never fills a polygon
// again. Emptied whole when full, it filled a city's 50,000 grids again on
// every look at the whole city.
func TestCellCacheKeepsSizesAndRecentSets(t *testing.T) {
	grid := func(i int) *geo.Unit {
		x := 117.1 + 0.01*float64(i)
		return &geo.Unit{Code: fmt.Sprintf("120104001001%03d", i), Version: 1, CreatedAt: time.Unix(1, 0),
			Geom: orb.MultiPolygon{{{{x, 39.1}, {x + 0.003, 39.1}, {x + 0.003, 39.103}, {x, 39.103}, {x, 39.1}}}}}
	}
	sizes := make([]int, 6)
	for i := range sizes {
		sizes[i] = len(casework.CellsOf(grid(i).Geom).Cells)
		if sizes[i] < 20 {
			t.Fatalf("a 300 m grid has %d cells", sizes[i])
		}
	}
	recent := sizes[2] + sizes[3] + sizes[4]
	c := newCellCache(recent+10, 100) // room for the last three sets only
	for i := range 5 {
		c.Set(grid(i))
	}
	c.Set(grid(2)) // used again: the most recent
	cases := []struct {
		grid    int
		hasSet  bool
		hasSize bool
	}{{0, false, true}, {1, false, true}, {2, true, true}, {3, true, true}, {4, true, true}, {5, false, false}}
	for _, tc := range cases {
		t.Run(fmt.Sprint("grid ", tc.grid), func(t *testing.T) {
			key := cellKey(grid(tc.grid))
			_, hasSet := c.sets[key]
			size, hasSize := c.sizes[key]
			if hasSet != tc.hasSet || hasSize != tc.hasSize || hasSize && size != [2]int{casework.PatrolRes, sizes[tc.grid]} {
				t.Errorf("set kept %v, size %v %v; want %v, %v", hasSet, size, hasSize, tc.hasSet, tc.hasSize)
			}
		})
	}
	if c.cells != recent || c.recent.Len() != 3 {
		t.Errorf("%d cells in %d sets, want %d in 3", c.cells, c.recent.Len(), recent)
	}
	if res, n := c.Count(grid(0)); res != casework.PatrolRes || n != sizes[0] || c.recent.Len() != 3 || c.cells != recent {
		t.Errorf("count of a dropped set: res %d, %d cells, %d sets kept (want the same 3: no fill)", res, n, c.recent.Len())
	}
	if res, n := c.Count(grid(5)); res != casework.PatrolRes || n != sizes[5] || c.sizes[cellKey(grid(5))][1] != sizes[5] || c.recent.Len() != 3 {
		t.Errorf("count of a new grid: res %d, %d cells; size kept %v; %d sets kept (want 3: a count keeps no set)",
			res, n, c.sizes[cellKey(grid(5))], c.recent.Len())
	}
}
