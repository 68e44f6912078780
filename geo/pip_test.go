package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// refPointInRing is a literal transliteration of PostGIS's
// point_in_ring_rtree loop body over all segments (no y-filter, no bands),
// used to check the optimised pip.
func refPointInRing(pts []orb.Point, p orb.Point) int {
	wn := 0
	for i := 0; i+1 < len(pts); i++ {
		s1, s2 := pts[i], pts[i+1]
		side := float64((s2[0]-s1[0])*(p[1]-s1[1])) - float64((p[0]-s1[0])*(s2[1]-s1[1]))
		if float64((s2[0]-s1[0])*(s2[0]-s1[0]))+float64((s2[1]-s1[1])*(s2[1]-s1[1])) < 1e-12*1e-12 {
			continue
		}
		if side == 0.0 {
			maxX, minX := math.Max(s1[0], s2[0]), math.Min(s1[0], s2[0])
			maxY, minY := math.Max(s1[1], s2[1]), math.Min(s1[1], s2[1])
			if !(maxX < p[0] || minX > p[0]) && !(maxY < p[1] || minY > p[1]) {
				return 0
			}
		}
		if s1[1] <= p[1] && p[1] < s2[1] && side > 0 {
			wn++
		} else if s2[1] <= p[1] && p[1] < s1[1] && side < 0 {
			wn--
		}
	}
	if wn == 0 {
		return -1
	}
	return 1
}

// refCovers is covers() for a multipolygon: float32 box, then
// point_in_multipolygon over refPointInRing.
func refCovers(mp orb.MultiPolygon, p orb.Point) bool {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		for _, q := range poly[0] {
			x0, x1 = math.Min(x0, q[0]), math.Max(x1, q[0])
			y0, y1 = math.Min(y0, q[1]), math.Max(y1, q[1])
		}
	}
	if x0 > x1 {
		return false
	}
	if p[0] < float64(f32down(x0)) || p[0] > float64(f32up(x1)) || p[1] < float64(f32down(y0)) || p[1] > float64(f32up(y1)) {
		return false
	}
	result := -1
	for _, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		r := refPointInRing(poly[0], p)
		if r == -1 {
			continue
		}
		if r == 0 {
			return true
		}
		result = r
		for _, h := range poly[1:] {
			r = refPointInRing(h, p)
			if r == 1 {
				result = -1
				break
			}
			if r == 0 {
				return true
			}
		}
		if result != -1 {
			return true
		}
	}
	return false
}

// f32down and f32up restate next_float_down/next_float_up independently.
func f32down(d float64) float32 {
	f := float32(d)
	if float64(f) > d {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func f32up(d float64) float32 {
	f := float32(d)
	if float64(f) < d {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

func rect(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func TestPipHandCases(t *testing.T) {
	square := orb.MultiPolygon{{rect(0, 0, 10, 10)}}
	holed := orb.MultiPolygon{{rect(0, 0, 10, 10), rect(3, 3, 6, 6)}}
	dup := orb.MultiPolygon{{{{0, 0}, {10, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}}}
	touching := orb.MultiPolygon{{rect(0, 0, 1, 1)}, {rect(1, 1, 2, 2)}}
	// A rising segment 5e-13 long on the right edge: the rtree code skips
	// it, so points in its y-range lose that crossing.
	microRight := orb.MultiPolygon{{{{0, 0}, {10, 0}, {10, 5}, {10, 5 + 5e-13}, {10, 10}, {0, 10}, {0, 0}}}}
	// The same on the left edge of a ring whose xmin (0.1) is not a float32:
	// points just left of the ring, inside the float32 box, become covered.
	microLeft := orb.MultiPolygon{{{{0.1, 0}, {10, 0}, {10, 10}, {0.1, 10}, {0.1, 5 + 5e-13}, {0.1, 5}, {0.1, 0}}}}
	triangle := orb.MultiPolygon{{{{0, 0}, {4, 0}, {0, 3}, {0, 0}}}}

	tests := []struct {
		name string
		mp   orb.MultiPolygon
		p    orb.Point
		want int // locate; covers = want != -1 unless box rejects
		cov  bool
	}{
		{"inside", square, orb.Point{5, 5}, pipInside, true},
		{"outside right", square, orb.Point{11, 5}, pipOutside, false},
		{"outside below", square, orb.Point{5, -1}, pipOutside, false},
		{"vertex", square, orb.Point{0, 0}, pipBoundary, true},
		{"top right vertex", square, orb.Point{10, 10}, pipBoundary, true},
		{"edge", square, orb.Point{10, 5}, pipBoundary, true},
		{"horizontal bottom edge", square, orb.Point{5, 0}, pipBoundary, true},
		{"horizontal top edge", square, orb.Point{5, 10}, pipBoundary, true},
		{"on edge line beyond segment", square, orb.Point{12, 0}, pipOutside, false},
		{"ulp right of right edge", square, orb.Point{math.Nextafter(10, 11), 5}, pipOutside, false},
		{"ulp left of right edge", square, orb.Point{math.Nextafter(10, 9), 5}, pipInside, true},
		{"ulp above top edge", square, orb.Point{5, math.Nextafter(10, 11)}, pipOutside, false},
		{"in hole", holed, orb.Point{4, 4}, pipOutside, false},
		{"hole edge", holed, orb.Point{3, 4}, pipBoundary, true},
		{"hole vertex", holed, orb.Point{6, 6}, pipBoundary, true},
		{"between hole and shell", holed, orb.Point{8, 8}, pipInside, true},
		{"zero-length segment vertex", dup, orb.Point{10, 0}, pipBoundary, true},
		{"zero-length segment ring inside", dup, orb.Point{9, 1}, pipInside, true},
		{"zero-length segment ring edge", dup, orb.Point{10, 5}, pipBoundary, true},
		{"parts touching at vertex", touching, orb.Point{1, 1}, pipBoundary, true},
		{"first part", touching, orb.Point{0.5, 0.5}, pipInside, true},
		{"second part", touching, orb.Point{1.5, 1.5}, pipInside, true},
		{"between parts", touching, orb.Point{1.5, 0.5}, pipOutside, false},
		{"micro segment skipped inside", microRight, orb.Point{5, 5 + 2e-13}, pipOutside, false},
		{"micro segment ring normal inside", microRight, orb.Point{5, 6}, pipInside, true},
		{"micro segment end vertex", microRight, orb.Point{10, 5}, pipBoundary, true},
		{"micro gap covers outside, in float box", microLeft, orb.Point{0.1 - 1e-9, 5 + 2e-13}, pipInside, true},
		{"micro gap outside float box", microLeft, orb.Point{0.09, 5 + 2e-13}, pipInside, false},
		{"hypotenuse point", triangle, orb.Point{2, 1.5}, pipBoundary, true},
		{"just inside hypotenuse", triangle, orb.Point{2, math.Nextafter(1.5, 0)}, pipInside, true},
		{"just outside hypotenuse", triangle, orb.Point{2, math.Nextafter(1.5, 2)}, pipOutside, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newPipPoly(tc.mp)
			if got := g.locate(tc.p); got != tc.want {
				t.Errorf("locate(%v) = %d, want %d", tc.p, got, tc.want)
			}
			if got := g.covers(tc.p); got != tc.cov {
				t.Errorf("covers(%v) = %v, want %v", tc.p, got, tc.cov)
			}
			if got := refCovers(tc.mp, tc.p); got != tc.cov {
				t.Errorf("reference covers(%v) = %v, want %v", tc.p, got, tc.cov)
			}
		})
	}
}

func TestFloatBox(t *testing.T) {
	tests := []struct{ d float64 }{{0}, {1}, {0.1}, {-0.1}, {117.2}, {39.1}, {-117.2}, {1e-40}, {-1e-40}}
	for _, tc := range tests {
		dn, up := floatDown(tc.d), floatUp(tc.d)
		if dn > tc.d || up < tc.d || float64(float32(dn)) != dn || float64(float32(up)) != up {
			t.Errorf("%g: down %g up %g", tc.d, dn, up)
		}
		if tc.d < math.MaxFloat32 && (float64(f32down(tc.d)) != dn || float64(f32up(tc.d)) != up) {
			t.Errorf("%g: down %g up %g, reference %g %g", tc.d, dn, up, f32down(tc.d), f32up(tc.d))
		}
	}
}

// randomRing draws a star-shaped ring around c with n vertices at radii in
// [r/3, r], so that it has many segments (and so a band index).
func randomRing(rng *rand.Rand, c orb.Point, r float64, n int) orb.Ring {
	ring := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		rr := r * (1 + 2*rng.Float64()) / 3
		ring = append(ring, orb.Point{c[0] + rr*math.Cos(a), c[1] + rr*math.Sin(a)})
	}
	return append(ring, ring[0])
}

// adversarialPoints returns vertices, points on segments, and their ulp
// neighbours, plus random points around the rings.
func adversarialPoints(rng *rand.Rand, mp orb.MultiPolygon, nRandom int) []orb.Point {
	var pts []orb.Point
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, poly := range mp {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				a, b := ring[i], ring[i+1]
				x0, x1 = math.Min(x0, a[0]), math.Max(x1, a[0])
				y0, y1 = math.Min(y0, a[1]), math.Max(y1, a[1])
				t := rng.Float64()
				mid := orb.Point{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t}
				pts = append(pts, ulpCloud(a)...)
				pts = append(pts, ulpCloud(mid)...)
				pts = append(pts, orb.Point{mid[0], a[1]}, orb.Point{a[0], mid[1]}) // on vertex y / x lines
			}
		}
	}
	for i := 0; i < nRandom; i++ {
		pts = append(pts, orb.Point{x0 + (x1-x0)*(1.2*rng.Float64()-0.1), y0 + (y1-y0)*(1.2*rng.Float64()-0.1)})
	}
	return pts
}

// ulpCloud is p and its 8 neighbours one ulp away in x and/or y.
func ulpCloud(p orb.Point) []orb.Point {
	var out []orb.Point
	for _, dx := range []float64{-1, 0, 1} {
		for _, dy := range []float64{-1, 0, 1} {
			out = append(out, orb.Point{ulpStep(p[0], dx), ulpStep(p[1], dy)})
		}
	}
	return out
}

func ulpStep(x, dir float64) float64 {
	if dir == 0 {
		return x
	}
	return math.Nextafter(x, x+dir)
}

func TestPipMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	c := orb.Point{117.2, 39.1}
	for trial := 0; trial < volume(40); trial++ {
		n := 5 + rng.IntN(400)
		shell := randomRing(rng, c, 0.01, n)
		hole := randomRing(rng, c, 0.002, 3+rng.IntN(60))
		other := randomRing(rng, orb.Point{c[0] + 0.015, c[1]}, 0.006, 3+rng.IntN(100))
		mp := orb.MultiPolygon{{shell, hole}, {other}}
		g := newPipPoly(mp)
		for _, p := range adversarialPoints(rng, mp, 2000) {
			if got, want := g.covers(p), refCovers(mp, p); got != want {
				t.Fatalf("trial %d (n=%d): covers(%v) = %v, reference %v", trial, n, p, got, want)
			}
		}
	}
}

// TestScanRingSpansEqualsScanRing: skipping runs of segments by their
// y-range never changes a location, on rings with horizontal runs, points
// on vertices and edges, and points at a run's y-limits.
func TestScanRingSpansEqualsScanRing(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for k := 0; k < 2000; k++ {
		n := 4 + rng.IntN(40)
		ring := make([]orb.Point, n)
		for i := range ring[:n-1] {
			a := 2 * math.Pi * float64(i) / float64(n-1)
			r := 1 + 0.5*rng.Float64()
			ring[i] = orb.Point{math.Round(r*math.Cos(a)*8) / 8, math.Round(r*math.Sin(a)*8) / 8} // grid-snapped: horizontal runs and ties
		}
		ring[n-1] = ring[0]
		spans := fillSpans(make([]float64, 2*ringSpans(n)), ring)
		var pts []orb.Point
		for i := 0; i+1 < n; i++ {
			pts = append(pts, ring[i], orb.Point{(ring[i][0] + ring[i+1][0]) / 2, (ring[i][1] + ring[i+1][1]) / 2})
		}
		for i := 0; i < len(spans); i++ {
			pts = append(pts, orb.Point{rng.Float64()*4 - 2, spans[i]})
		}
		for i := 0; i < 50; i++ {
			pts = append(pts, orb.Point{rng.Float64()*4 - 2, rng.Float64()*4 - 2})
		}
		for _, p := range pts {
			if got, want := scanRingSpans(ring, spans, p), scanRing(ring, p); got != want {
				t.Fatalf("ring %v, point %v: spans say %d, scan %d", ring, p, got, want)
			}
		}
	}
}
