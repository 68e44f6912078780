package geo

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// exactSide is the exact sign of the orientation of p against a→b.
func exactSide(a, b, p orb.Point) int {
	r := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	sub := func(x, y float64) *big.Rat { return new(big.Rat).Sub(r(x), r(y)) }
	left := new(big.Rat).Mul(sub(b[0], a[0]), sub(p[1], a[1]))
	right := new(big.Rat).Mul(sub(p[0], a[0]), sub(b[1], a[1]))
	return left.Cmp(right)
}

func sign(f float64) int {
	switch {
	case f > 0:
		return 1
	case f < 0:
		return -1
	}
	return 0
}

// TestCertainSideIsExact checks the filter on points on, next to and near
// segments at Tianjin's coordinates: whenever it answers, its answer is
// the exact side and the sign of PostGIS's determineSide; and it answers
// for points a micrometre off the line.
func TestCertainSideIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	answered, uncertain := 0, 0
	for range volume(4000) {
		a := orb.Point{117 + rng.Float64(), 39 + rng.Float64()}
		d := math.Pow(10, -1-4*rng.Float64()) // segments of 10 m to 10 km
		b := orb.Point{a[0] + d*(rng.Float64()-0.5), a[1] + d*(rng.Float64()-0.5)}
		if rng.IntN(8) == 0 {
			b[1] = a[1] // horizontal
		}
		tt := rng.Float64()
		on := orb.Point{a[0] + (b[0]-a[0])*tt, a[1] + (b[1]-a[1])*tt}
		pts := append(ulpCloud(on), ulpCloud(a)...)
		for _, off := range []float64{1e-15, 1e-13, 1e-11, 1e-9} {
			pts = append(pts, orb.Point{on[0] + off, on[1]}, orb.Point{on[0], on[1] - off})
		}
		for _, p := range pts {
			got := certainSide(a, b, p)
			if got == 0 {
				uncertain++
				continue
			}
			answered++
			if want := exactSide(a, b, p); got != want {
				t.Fatalf("certainSide(%v, %v, %v) = %d, exact %d", a, b, p, got, want)
			}
			if ds := sign(determineSide(a, b, p)); ds != got {
				t.Fatalf("certainSide(%v, %v, %v) = %d, determineSide's sign %d", a, b, p, got, ds)
			}
		}
		far := orb.Point{on[0] + 1e-11*(b[1]-a[1])/d, on[1] - 1e-11*(b[0]-a[0])/d}
		if certainSide(a, b, far) == 0 {
			t.Errorf("no certain side %v from %v→%v: the filter is too timid", far, a, b)
		}
	}
	t.Logf("%d answered, %d left to the exact test", answered, uncertain)
}

// TestSplitCandidatesAnswerAsTheExactTest compares, at random and
// adversarial points (vertices, points on edges and their ulp neighbours),
// every split candidate's answer with its polygon's exact test, and checks
// that most candidates are split and answer most points.
func TestSplitCandidatesAnswerAsTheExactTest(t *testing.T) {
	s := benchSnapshot(t, "city1500", city1500)
	units, enclaves := syntheticCity(city1500)
	rng := rand.New(rand.NewPCG(41, 42))
	pts := randomPoints(city1500, 100000, 43)
	for i := 0; i < len(units); i += 7 {
		pts = append(pts, adversarialPoints(rng, units[i].Geom, 0)...)
	}
	for i := range enclaves {
		pts = append(pts, adversarialPoints(rng, enclaves[i].Geom, 0)...)
	}
	var cands, split, answered int
	for _, p := range pts {
		ref, tile, ok := s.quick.lookup(p)
		if !ok {
			continue
		}
		var one [1]uint32
		ents, descs := quickRecord(ref, tile, &one)
		sp := splitReader{tile: tile, descs: descs}
		for _, e := range ents {
			if e&entrySure != 0 {
				continue
			}
			cands++
			if e&entrySplit == 0 {
				continue
			}
			split++
			covered, ok := splitCovers(sp.next(), tile, p)
			if !ok {
				continue
			}
			answered++
			if want := s.polys.get(entrySlot(e)).covers(p); covered != want {
				t.Fatalf("at %v: split candidate %s says covered=%v, the exact test %v", p, s.polys.get(entrySlot(e)).code, covered, want)
			}
		}
	}
	t.Logf("%d points: %d candidates, %d split, %d answered by their faces", len(pts), cands, split, answered)
	if split < cands*9/10 || answered < split*9/10 {
		t.Errorf("%d candidates, %d split, %d answered: want most", cands, split, answered)
	}
}

// TestSplitOddPolygons resolves, against the oracle, polygons whose
// edges meet in odd ways inside a cell: a bow tie crossing itself, a
// spike out and back along one line, a hole whose side lies on the
// shell's, a repeated point, and a bend of a billionth of a degree.
func TestSplitOddPolygons(t *testing.T) {
	bowTie := mpoly(ringL(0, 0, 2, 2, 2, 0, 0, 2))
	spike := mpoly(ringL(3, 0, 5, 0, 5, 1, 6, 1.5, 5, 1, 5, 2, 3, 2))
	holed := mpoly(rectL(0, 3, 3, 6), ringL(0, 4, 1, 4, 1, 5, 0, 5))
	repeated := mpoly(ringL(4, 3, 6, 3, 6, 3, 6, 6, 4, 6))
	kink := orb.Ring{L(0, 7), L(1.5, 7), L(3, 7+1e-6), L(3, 9), L(0, 9), L(0, 7)}
	units := []Unit{
		{Code: "D", Level: District, Name: "D", Geom: mpoly(rectL(-1, -1, 7, 10))},
		{Code: "G1", Level: Grid, Name: "G1", ParentCode: "D", Geom: bowTie},
		{Code: "G2", Level: Grid, Name: "G2", ParentCode: "D", Geom: spike},
		{Code: "G3", Level: Grid, Name: "G3", ParentCode: "D", Geom: holed},
		{Code: "G4", Level: Grid, Name: "G4", ParentCode: "D", Geom: repeated},
		{Code: "G5", Level: Grid, Name: "G5", ParentCode: "D", Geom: orb.MultiPolygon{{kink}}},
	}
	rng := rand.New(rand.NewPCG(51, 52))
	lo, hi := L(-1.5, -1.5), L(7.5, 10.5)
	pts := oraclePoints(rng, units, nil, 40000, lo, hi)
	compareWithOracle(t, units, nil, pts, indexLayout{})
}
