package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// ---- H3 glue ----

func TestCellOfMatchesH3Go(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		p := orb.Point{73 + 62*rng.Float64(), 18 + 36*rng.Float64()}
		res := 4 + rng.IntN(12)
		want, err := h3.LatLngToCell(h3.NewLatLng(p[1], p[0]), res)
		if err != nil {
			t.Fatal(err)
		}
		c := cellOf(p, res)
		if c != uint64(want) {
			t.Fatalf("cellOf(%v, %d) = %x, h3-go %x", p, res, c, uint64(want))
		}
		if cellRes(c) != res {
			t.Fatalf("cellRes(%x) = %d, want %d", c, cellRes(c), res)
		}
		for r := 0; r <= res; r++ {
			wp, _ := want.Parent(r)
			if got := cellParent(c, r); got != uint64(wp) {
				t.Fatalf("cellParent(%x, %d) = %x, h3-go %x", c, r, got, uint64(wp))
			}
		}
		if res >= 2 {
			k := cellParent(c, res-2)
			if got := cellChild(k, res-2, cellDigit(c, res-1), cellDigit(c, res)); got != c {
				t.Fatalf("cellChild rebuilt %x, want %x", got, c)
			}
		}
		ll, _ := want.LatLng()
		if ctr := cellCenter(c); math.Abs(ctr[0]-ll.Lng) > 1e-12 || math.Abs(ctr[1]-ll.Lat) > 1e-12 {
			t.Fatalf("cellCenter(%x) = %v, h3-go %v", c, ctr, ll)
		}
	}
}

// TestCellRegionIsBoundaryPolygon checks the H3 facts the index relies on
// around the data: a cell's centre lies in the cell, and points assigned to
// a cell are never farther than the flag margin outside its boundary polygon.
func TestCellRegionIsBoundaryPolygon(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, res := range []int{9, 10, 11, 12, 13} {
		for i := 0; i < 3000; i++ {
			p := orb.Point{117.0 + 0.6*rng.Float64(), 38.9 + 0.5*rng.Float64()}
			c := cellOf(p, res)
			if got := cellOf(cellCenter(c), res); got != c {
				t.Fatalf("res %d: centre of %x lies in %x", res, c, got)
			}
			h := newHexagon(c)
			pts, n := h.pts, h.n
			// p itself, and points at the boundary vertices pulled slightly in
			// and pushed slightly out.
			probe := []orb.Point{p}
			ctr := cellCenter(c)
			for _, v := range pts[:n] {
				for _, f := range []float64{0.999, 1.001} {
					probe = append(probe, orb.Point{ctr[0] + (v[0]-ctr[0])*f, ctr[1] + (v[1]-ctr[1])*f})
				}
			}
			for _, q := range probe {
				if cellOf(q, res) == c && !h.near(segment{q, q}) {
					t.Fatalf("res %d: %v lies in %x but is outside its boundary polygon by more than the margin", res, q, c)
				}
			}
		}
	}
}

// TestDescendantsConnected checks the other two H3 facts: the fine
// descendants of a coarse cell are connected, and neighbouring coarse cells
// have neighbouring descendants.
func TestDescendantsConnected(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, res := range []int{8, 9, 10, 11} {
		for i := 0; i < 30; i++ {
			k := cellOf(orb.Point{117.0 + 0.6*rng.Float64(), 38.9 + 0.5*rng.Float64()}, res)
			kids := descendants(k, res)
			if !connected(kids) {
				t.Fatalf("descendants of %x are not connected", k)
			}
			for _, n := range cellNeighbours(k) {
				if n != 0 && n != k && !touching(kids, descendants(n, res)) {
					t.Fatalf("neighbours %x and %x have no neighbouring descendants", k, n)
				}
			}
		}
	}
}

func descendants(k uint64, res int) map[uint64]bool {
	out := map[uint64]bool{}
	for off := 0; off < fineSlots; off++ {
		c := fineChild(k, res, off)
		if fineOffset(c, res) != off {
			panic("fineOffset does not invert fineChild")
		}
		out[c] = true
	}
	return out
}

func connected(cells map[uint64]bool) bool {
	var start uint64
	for c := range cells {
		start = c
		break
	}
	seen := map[uint64]bool{start: true}
	queue := []uint64{start}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		for _, n := range cellNeighbours(c) {
			if n != 0 && cells[n] && !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	return len(seen) == len(cells)
}

func touching(a, b map[uint64]bool) bool {
	for c := range a {
		for _, n := range cellNeighbours(c) {
			if n != 0 && b[n] {
				return true
			}
		}
	}
	return false
}
