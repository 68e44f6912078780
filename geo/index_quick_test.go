package geo

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
)

// TestQuickGridAnswersAsTheCells checks, on the synthetic city, that the
// quick grid answers every point (and the index keeps no H3 cells beside
// it), that most of its cells are clear (no exact test), that a clear
// cell's record holds no candidate (on a sample: the clearness check is a
// brute force), and that every answer equals that of an index of H3 cells
// alone, at random points and at the corners and sides of the quick cells
// themselves (where the lookup's rounding decides the cell).
func TestQuickGridAnswersAsTheCells(t *testing.T) {
	s := benchSnapshot(t, "city1500", city1500)
	st := s.Stats()
	if share := float64(st.QuickClearCells) / float64(st.QuickCells); share < 0.7 {
		t.Errorf("%d of %d quick cells clear (%.2f): want most", st.QuickClearCells, st.QuickCells, share)
	}
	if s.cells.n != 0 || st.Resolution != 0 {
		t.Errorf("%d H3 coarse cells at resolution %d beside the quick grid: want none", s.cells.n, st.Resolution)
	}
	units, enclaves := syntheticCity(city1500)
	cells, err := newSnapshotAt(units, enclaves, s.Version(), indexLayout{cellsOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if !cells.quick.empty() || cells.cells.n == 0 {
		t.Fatal("the cells-only index has a quick grid or no cells")
	}
	rng := rand.New(rand.NewPCG(8, 9))
	pts := randomPoints(city1500, volume(40000), 17)
	for i := 0; i < volume(20000); i++ { // cell corners and sides: exact multiples of the cell size
		p := pts[i]
		x, y := math.Floor(p[0]*quickScale), math.Floor(p[1]*quickScale)
		switch i % 3 {
		case 0:
			p = orb.Point{x / quickScale, y / quickScale}
		case 1:
			p = orb.Point{x / quickScale, p[1]}
		default:
			p = orb.Point{math.Nextafter(x/quickScale, 0), (y + rng.Float64()) / quickScale}
		}
		pts = append(pts, p)
	}
	answered := 0
	for i, p := range pts {
		ref, tile, ok := s.quick.lookup(p)
		if !ok {
			continue
		}
		answered++
		if cands := countCandidates(quickEntries(ref, tile)); cands > 0 && i%20 == 0 && quickCellClear(s, p) {
			t.Fatalf("at %v: a clear cell's record holds %d candidates", p, cands)
		}
		if got, want := s.Resolve(p), cells.Resolve(p); !reflect.DeepEqual(got, want) {
			t.Fatalf("at %v:\n quick %+v\n cells %+v", p, got, want)
		}
	}
	if answered != len(pts) {
		t.Errorf("quick grid answered %d of %d points: want all", answered, len(pts))
	}
}

// quickEntries returns the entries of a quick grid record.
func quickEntries(ref uint32, tile []uint32) []uint32 {
	ents, _ := quickRecord(ref, tile, new([1]uint32))
	return ents
}

// countCandidates counts the entries of a record that need the exact test.
func countCandidates(ents []uint32) int {
	n := 0
	for _, e := range ents {
		if e&entrySure == 0 {
			n++
		}
	}
	return n
}

// quickCellClear reports whether p's quick cell is clear of every edge, by
// the exact distance from the cell's corners and sides to every edge.
func quickCellClear(s *Snapshot, p orb.Point) bool {
	cx, cy := math.Floor(p[0]*quickScale), math.Floor(p[1]*quickScale)
	clear := true
	s.polys.each(func(_ uint32, e *polyEntry) {
		for _, r := range e.pip.rings() {
			r.eachSegment(func(a, b orb.Point) {
				if clear && cellDistanceBound(a, b, cx, cy) <= flagMarginDeg {
					clear = false
				}
			})
		}
	})
	return clear
}

// TestEdgeMapMarksEveryCellNearAnEdge checks the marking against a brute
// force: a cell within the margin of the segment (by the exact distance
// from a point of the cell, sampled densely) must be marked, and a cell
// farther than a cell's diagonal from it must not.
func TestEdgeMapMarksEveryCellNearAnEdge(t *testing.T) {
	const side = 12
	c := func(x, y float64) orb.Point { return orb.Point{(1000 + x) / quickScale, (2000 + y) / quickScale} }
	cases := []struct {
		name string
		a, b orb.Point
	}{
		{"diagonal", c(1.3, 2.7), c(9.6, 7.2)},
		{"steep", c(5.5, -3), c(5.9, 20)},
		{"vertical on a cell side", c(4, 1), c(4, 9)},
		{"horizontal just under a side", c(-5, 6-quickMarginCells/2), c(30, 6-quickMarginCells/2)},
		{"a point", c(7.5, 7.5), c(7.5, 7.5)},
		{"outside", c(-9, -9), c(-3, 40)},
		{"crossing a corner", c(2, 3), c(3, 2)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newEdgeMap(1000, 2000, side, side)
			m.mark(tc.a, tc.b)
			for y := 0; y < side; y++ {
				for x := 0; x < side; x++ {
					i := y*side + x
					marked := m.bits[i>>6]&(1<<(i&63)) != 0
					d := cellDistance(tc.a, tc.b, float64(1000+x), float64(2000+y))
					switch {
					case d <= flagMarginDeg && !marked:
						t.Errorf("cell (%d,%d) is %.3g° from the segment but not marked", x, y, d)
					case d > 1.5/quickScale && marked:
						t.Errorf("cell (%d,%d) is %.3g° from the segment but marked", x, y, d)
					}
				}
			}
		})
	}
}

// cellDistanceBound is a lower bound of the distance from segment a-b to
// the cell (cx, cy): the distance between their boxes.
func cellDistanceBound(a, b orb.Point, cx, cy float64) float64 {
	x0, y0, x1, y1 := cx/quickScale, cy/quickScale, (cx+1)/quickScale, (cy+1)/quickScale
	dx := math.Max(0, math.Max(math.Min(a[0], b[0])-x1, x0-math.Max(a[0], b[0])))
	dy := math.Max(0, math.Max(math.Min(a[1], b[1])-y1, y0-math.Max(a[1], b[1])))
	return math.Hypot(dx, dy)
}

// cellDistance is the least distance, in degrees, from segment a-b to the
// cell whose first corner is (cx, cy) (in cells), sampled on a fine grid
// of the cell and along the segment.
func cellDistance(a, b orb.Point, cx, cy float64) float64 {
	best := math.Inf(1)
	const n = 40
	for i := 0; i <= n; i++ {
		for j := 0; j <= n; j++ {
			p := orb.Point{(cx + float64(i)/n) / quickScale, (cy + float64(j)/n) / quickScale}
			best = math.Min(best, segmentDistance(a, b, p))
		}
	}
	return best
}

// segmentDistance is the planar distance from p to segment a-b.
func segmentDistance(a, b, p orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l))
	}
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

// TestQuickGridSparseData checks that a chunk no edge comes near costs one
// shared tile and no directory: data spread over a wide extent (a large
// rural district beside a dense town) keeps a small grid, and answers as
// the oracle does.
func TestQuickGridSparseData(t *testing.T) {
	units, enclaves := fixture()
	rural := Unit{Code: "120199", Level: District, Name: "rural",
		Geom: mpoly(orb.Ring{{117.51, 39.51}, {118.49, 39.51}, {118.49, 40.29}, {117.51, 40.29}, {117.51, 39.51}})}
	units = append(units, rural)
	s, err := NewSnapshot(units, enclaves, 1)
	if err != nil {
		t.Fatal(err)
	}
	q := &s.quick
	split := 0
	for _, c := range q.chunks {
		if c.offs != nil {
			split++
		}
	}
	if len(q.chunks) < 500 || split > len(q.chunks)/8 { // the district's sides cross ~115 chunks
		t.Errorf("%d of %d chunks have tiles of their own: want few", split, len(q.chunks))
	}
	if b := q.bytes(); b > 8<<20 {
		t.Errorf("quick grid holds %d bytes over %d chunks: want little", b, len(q.chunks))
	}
	rng := rand.New(rand.NewPCG(5, 6))
	o := newOracle(units, enclaves, 1)
	pts := oraclePoints(rng, units, enclaves, 20000, orb.Point{117.1, 39}, orb.Point{118.6, 40.4})
	for _, p := range pts {
		if got, want := s.Resolve(p), o.resolve(p); !reflect.DeepEqual(got, want) {
			t.Fatalf("at %v:\n index  %+v\n oracle %+v", p, got, want)
		}
	}
	inside := orb.Point{118, 39.9}
	if ref, tile, ok := q.lookup(inside); !ok || countCandidates(quickEntries(ref, tile)) != 0 {
		t.Errorf("a point deep inside the rural district is not answered by a sure quick record")
	}
}
