package geo

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/paulmach/orb"
)

// TestLatLngToCellMatchesC compares the Go port of latLngToCell with the C
// library on random points over the whole globe (every face, base cell and
// pentagon), over China at the resolutions the index uses, and on points
// within a hair of cell borders. A different answer is allowed only where
// the point lies on the border of the Go answer's cell (well within the
// flag margin), which cannot change a resolution.
func TestLatLngToCellMatchesC(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	n := volume(2_000_000)
	differ := 0
	check := func(p orb.Point, res int) bool {
		want := cellOfC(p, res)
		got := latLngToCell(p[0], p[1], res)
		if got == want {
			return false
		}
		differ++
		if got == 0 || cellRes(got) != res || !isNeighbour(got, want) || !nearCell(got, p, 1e-9) {
			t.Fatalf("latLngToCell(%v, %d) = %x, C %x", p, res, got, want)
		}
		return true
	}
	for i := 0; i < n; i++ {
		var p orb.Point
		switch i % 3 {
		case 0: // anywhere
			p = orb.Point{360*rng.Float64() - 180, math.Asin(2*rng.Float64()-1) * radToDeg}
		default: // China, where the data are
			p = orb.Point{73 + 62*rng.Float64(), 18 + 36*rng.Float64()}
		}
		check(p, rng.IntN(16))
	}
	random := differ
	// Points on cell borders: the vertices of random cells, nudged by an ulp.
	for i := 0; i < n/20; i++ {
		res := 4 + rng.IntN(12)
		c := cellOfC(orb.Point{73 + 62*rng.Float64(), 18 + 36*rng.Float64()}, res)
		pts, k := cellBoundary(c)
		v := pts[rng.IntN(k)]
		for _, dx := range []float64{-1, 0, 1} {
			for _, dy := range []float64{-1, 0, 1} {
				check(orb.Point{ulpStep(v[0], dx), ulpStep(v[1], dy)}, res)
			}
		}
	}
	if got := latLngToCell(math.NaN(), 39, 9); got != 0 {
		t.Errorf("NaN: %x", got)
	}
	t.Logf("%d random points: %d answered with a neighbouring cell; %d points on cell vertices: %d", n, random, n/20*9, differ-random)
}

// isNeighbour reports whether a and b are the same cell or neighbours.
func isNeighbour(a, b uint64) bool {
	for _, n := range cellNeighbours(a) {
		if n == b {
			return true
		}
	}
	return false
}

// nearCell reports whether p lies within tol degrees of cell c's hexagon.
func nearCell(c uint64, p orb.Point, tol float64) bool {
	pts, n := cellBoundary(c)
	ring := pts[:n]
	if ringContains(ring, p) {
		return true
	}
	for i := range ring {
		if pointSegDist2(p, ring[i], ring[(i+1)%n]) <= tol*tol {
			return true
		}
	}
	return false
}

// TestH3TablesMatchC checks the tables copied from H3's sources against the
// library the index links.
func TestH3TablesMatchC(t *testing.T) {
	for f := 0; f < 20; f++ {
		for i := 0; i <= 2; i++ {
			for j := 0; j <= 2; j++ {
				for k := 0; k <= 2; k++ {
					bc, rot := cBaseCell(f, i, j, k)
					if got := h3FaceIjkBaseCells[f][i][j][k]; got.baseCell != bc || got.ccwRot60 != rot {
						t.Fatalf("face %d ijk %d,%d,%d: %+v, C %d rot %d", f, i, j, k, got, bc, rot)
					}
				}
			}
		}
	}
	for b := range h3BaseCellData {
		pent, cw0, cw1 := cBaseCellData(b)
		if got := h3BaseCellData[b]; got.isPentagon != pent || got.cwOffsetPent != [2]int{cw0, cw1} {
			t.Fatalf("base cell %d: %+v, C %v %d %d", b, got, pent, cw0, cw1)
		}
	}
}

func BenchmarkLatLngToCell(b *testing.B) {
	pts := randomPoints(city50k, 1<<16, 9)
	for name, cell := range map[string]func(orb.Point) uint64{
		"go":  func(p orb.Point) uint64 { return latLngToCell(p[0], p[1], 11) },
		"cgo": func(p orb.Point) uint64 { return cellOfC(p, 11) },
	} {
		b.Run(name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0, ok0 := threadCPU()
			var sink uint64
			for i := 0; i < b.N; i++ {
				sink += cell(pts[i&(len(pts)-1)])
			}
			if cpu1, ok1 := threadCPU(); ok0 && ok1 {
				b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
			_ = sink
		})
	}
}
