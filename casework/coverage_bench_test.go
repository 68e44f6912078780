package casework

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/paulmach/orb"
)

// BenchmarkCoverageFirstLook is a coverage over 10,000 grids of 300 m with
// nothing cached (Uncached: every grid's polygon filled, as on the first
// look after a start), on one core and on all of them.
func BenchmarkCoverageFirstLook(b *testing.B) {
	grids := blockOfGrids(orb.Point{117.10, 39.05}, 100)
	day := PatrolDay{Grids: grids, Visited: map[uint64]bool{cellAt(orb.Point{117.2, 39.1}): true}}
	for _, procs := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("cores=%d", procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			for b.Loop() {
				day.Coverage(Uncached{})
			}
			perGrid := b.Elapsed().Seconds() / float64(b.N*len(grids))
			b.ReportMetric(perGrid*1e6, "µs/grid")
			b.ReportMetric(perGrid*50_000, "s/50k-grids")
		})
	}
}
