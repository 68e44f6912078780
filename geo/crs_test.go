package geo

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// gcoordVector is one line of testdata/gcoord_vectors.json, written by
// scripts/gcoord-vectors.mjs from gcoord 1.0.7. Every conversion reads In in
// its source CRS.
type gcoordVector struct {
	Name         string    `json:"name"`
	In           orb.Point `json:"in"`
	WGS84ToGCJ02 orb.Point `json:"wgs84_to_gcj02"`
	WGS84ToBD09  orb.Point `json:"wgs84_to_bd09"`
	GCJ02ToWGS84 orb.Point `json:"gcj02_to_wgs84"`
	BD09ToWGS84  orb.Point `json:"bd09_to_wgs84"`
	GCJ02ToBD09  orb.Point `json:"gcj02_to_bd09"`
	BD09ToGCJ02  orb.Point `json:"bd09_to_gcj02"`
}

func loadGcoordVectors(t *testing.T) []gcoordVector {
	t.Helper()
	b, err := os.ReadFile("testdata/gcoord_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Vectors []gcoordVector `json:"vectors"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Vectors) < 50 {
		t.Fatalf("only %d vectors", len(doc.Vectors))
	}
	return doc.Vectors
}

// degDiff is the larger of the longitude and latitude differences, degrees.
func degDiff(a, b orb.Point) float64 {
	return math.Max(math.Abs(a[0]-b[0]), math.Abs(a[1]-b[1]))
}

// metres is the ground distance between two nearby points (equirectangular,
// ample for distances of centimetres to metres).
func metres(a, b orb.Point) float64 {
	const r = 6378137.0
	rad := math.Pi / 180
	dx := (a[0] - b[0]) * rad * math.Cos((a[1]+b[1])/2*rad)
	dy := (a[1] - b[1]) * rad
	return r * math.Hypot(dx, dy)
}

// chinaGrid is every 0.5° inside gcoord's China box, kept 0.1° away from its
// edges: there a WGS-84 point and its GCJ-02 image can fall on opposite sides
// of the box, and no inverse can round-trip.
func chinaGrid() []orb.Point {
	var ps []orb.Point
	for lon := 72.5; lon <= 137.5; lon += 0.5 {
		for lat := 1.0; lat <= 55.5; lat += 0.5 {
			ps = append(ps, orb.Point{lon, lat})
		}
	}
	return ps
}

func TestCRSForwardMatchesGcoord(t *testing.T) {
	const tol = 1e-9 // the same formula in float64; only libm rounding differs
	for _, v := range loadGcoordVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			if d := degDiff(WGS84ToGCJ02(v.In), v.WGS84ToGCJ02); d > tol {
				t.Errorf("WGS84ToGCJ02(%v) = %v, gcoord %v (diff %g°)", v.In, WGS84ToGCJ02(v.In), v.WGS84ToGCJ02, d)
			}
			if d := degDiff(GCJ02ToBD09(v.In), v.GCJ02ToBD09); d > tol {
				t.Errorf("GCJ02ToBD09(%v) = %v, gcoord %v (diff %g°)", v.In, GCJ02ToBD09(v.In), v.GCJ02ToBD09, d)
			}
			if got := GCJ02ToBD09(WGS84ToGCJ02(v.In)); degDiff(got, v.WGS84ToBD09) > tol {
				t.Errorf("WGS84→BD09(%v) = %v, gcoord %v", v.In, got, v.WGS84ToBD09)
			}
		})
	}
}

func TestCRSInverseMatchesGcoord(t *testing.T) {
	// gcoord stops iterating GCJ→WGS once the residual is ≤ 1e-6°, so its
	// answer may be up to 1e-6° (~0.1 m) from the exact inverse; ours goes on
	// to 1e-9°. Its BD→GCJ is the one-step published inverse, off by up to
	// ~0.21 m (~2e-6°), and its BD→WGS carries both errors.
	const gcjTol, bdTol = 1.01e-6, 3.5e-6
	for _, v := range loadGcoordVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			if d := degDiff(GCJ02ToWGS84(v.In), v.GCJ02ToWGS84); d > gcjTol {
				t.Errorf("GCJ02ToWGS84(%v) = %v, gcoord %v (diff %g°)", v.In, GCJ02ToWGS84(v.In), v.GCJ02ToWGS84, d)
			}
			if d := degDiff(BD09ToGCJ02(v.In), v.BD09ToGCJ02); d > bdTol {
				t.Errorf("BD09ToGCJ02(%v) = %v, gcoord %v (diff %g°)", v.In, BD09ToGCJ02(v.In), v.BD09ToGCJ02, d)
			}
			if d := degDiff(ToWGS84(v.In, BD09), v.BD09ToWGS84); d > bdTol {
				t.Errorf("ToWGS84(%v, BD09) = %v, gcoord %v (diff %g°)", v.In, ToWGS84(v.In, BD09), v.BD09ToWGS84, d)
			}
		})
	}
}

func TestCRSREADMEVectors(t *testing.T) {
	// The two examples in gcoord's README (hujiulong/gcoord 1.0.7).
	tests := []struct {
		name      string
		in        orb.Point
		convert   func(orb.Point) orb.Point
		want      orb.Point
		tolerance float64
	}{
		{"WGS84 to BD09", orb.Point{116.403988, 39.914266},
			func(p orb.Point) orb.Point { return GCJ02ToBD09(WGS84ToGCJ02(p)) },
			orb.Point{116.41661560068297, 39.92196580126834}, 1e-9},
		// gcoord's README prints its own 1e-6°-stopped iteration, which is
		// 1.6e-7° (~2 cm) from the exact inverse here.
		{"GCJ02 to WGS84", orb.Point{123, 45}, GCJ02ToWGS84,
			orb.Point{122.99395597, 44.99804071}, 1e-6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.convert(tt.in); degDiff(got, tt.want) > tt.tolerance {
				t.Errorf("got %v, want %v (diff %g°)", got, tt.want, degDiff(got, tt.want))
			}
		})
	}
}

func TestGCJ02ToWGS84RoundTrip(t *testing.T) {
	const tol = 1e-8 // about 1 mm
	sets := map[string][]orb.Point{"grid": chinaGrid()}
	for _, v := range loadGcoordVectors(t) {
		sets["vectors"] = append(sets["vectors"], v.In)
	}
	for name, ps := range sets {
		t.Run(name, func(t *testing.T) {
			var maxM, maxOffset float64
			for _, w := range ps {
				g := WGS84ToGCJ02(w)
				got := GCJ02ToWGS84(g)
				if d := degDiff(got, w); d > tol {
					t.Errorf("GCJ02ToWGS84(WGS84ToGCJ02(%v)) = %v (diff %g°)", w, got, d)
				}
				maxM = math.Max(maxM, metres(got, w))
				maxOffset = math.Max(maxOffset, metres(g, w))
			}
			t.Logf("%d points: max WGS→GCJ→WGS error %.3g m (GCJ offset up to %.0f m)", len(ps), maxM, maxOffset)
		})
	}
}

func TestBD09ToWGS84RoundTrip(t *testing.T) {
	const tolM = 0.01 // sub-centimetre
	var maxM, maxBD float64
	for _, w := range chinaGrid() {
		g := WGS84ToGCJ02(w)
		b := GCJ02ToBD09(g)
		if m := metres(BD09ToGCJ02(b), g); m > tolM {
			t.Errorf("BD09ToGCJ02(GCJ02ToBD09(%v)) off by %g m", g, m)
		}
		got := ToWGS84(b, BD09)
		m := metres(got, w)
		if m > tolM {
			t.Errorf("ToWGS84(%v, BD09) = %v, want %v (%g m)", b, got, w, m)
		}
		maxM = math.Max(maxM, m)
		maxBD = math.Max(maxBD, metres(BD09ToGCJ02(b), g))
	}
	t.Logf("max WGS→BD→WGS error %.3g m, max GCJ→BD→GCJ error %.3g m", maxM, maxBD)
}

func TestCRSOutsideChinaGCJIsIdentity(t *testing.T) {
	for _, p := range []orb.Point{
		{139.6917, 35.6895}, // Tokyo
		{2.3522, 48.8566},   // Paris
		{0, 0},
		{72.003, 30}, {137.8348, 30}, {100, 0.8292}, {100, 55.8272}, // just outside the box
		{-180, -90}, {180, 90},
	} {
		if got := WGS84ToGCJ02(p); got != p {
			t.Errorf("WGS84ToGCJ02(%v) = %v, want identity", p, got)
		}
		if got := GCJ02ToWGS84(p); got != p {
			t.Errorf("GCJ02ToWGS84(%v) = %v, want identity", p, got)
		}
	}
	// BD-09's own shift applies everywhere, as in gcoord; only its GCJ-02
	// step is the identity. (Near the box edge the ~0.01° BD shift can cross
	// the edge, so these are far from it.)
	for _, p := range []orb.Point{{139.6917, 35.6895}, {2.3522, 48.8566}, {0, 0}} {
		if got := ToWGS84(p, BD09); got != BD09ToGCJ02(p) || metres(got, p) < 500 {
			t.Errorf("ToWGS84(%v, BD09) = %v, want BD09ToGCJ02 = %v", p, got, BD09ToGCJ02(p))
		}
	}
}

func TestGCJ02ToWGS84NearBoxEdge(t *testing.T) {
	// GCJ-02 points within ~0.004° inside the west and south edges of the box
	// have no preimage under the box-gated forward map: the smooth inverse
	// lands outside the box, where the forward map is the identity. gcoord
	// 1.0.7 loops forever on them (its iteration bounces across the edge);
	// ours stops after at most invMaxIter steps with the smooth inverse.
	for _, g := range []orb.Point{{72.005, 30}, {72.0045, 40}, {100, 0.83}} {
		w := GCJ02ToWGS84(g)
		if inChina(w[0], w[1]) || metres(w, g) > 1000 {
			t.Errorf("GCJ02ToWGS84(%v) = %v, want the smooth inverse just outside the box", g, w)
		}
		dLon, dLat := gcjDelta(w[0], w[1])
		if d := degDiff(orb.Point{w[0] + dLon, w[1] + dLat}, g); d > 1e-8 {
			t.Errorf("GCJ02ToWGS84(%v) = %v does not invert the ungated offset (diff %g°)", g, w, d)
		}
	}
}

func TestToWGS84(t *testing.T) {
	p := orb.Point{117.15, 39.12}
	tests := []struct {
		crs  CRS
		want orb.Point
	}{
		{"", p},
		{WGS84, p},
		{CGCS2000, p},
		{GCJ02, GCJ02ToWGS84(p)},
		{BD09, GCJ02ToWGS84(BD09ToGCJ02(p))},
	}
	for _, tt := range tests {
		t.Run(string(tt.crs), func(t *testing.T) {
			if got := ToWGS84(p, tt.crs); got != tt.want {
				t.Errorf("ToWGS84(%v, %q) = %v, want %v", p, tt.crs, got, tt.want)
			}
			if n := testing.AllocsPerRun(100, func() { p = ToWGS84(p, tt.crs) }); n != 0 {
				t.Errorf("ToWGS84 allocates %v times", n)
			}
			p = orb.Point{117.15, 39.12}
		})
	}
	t.Run("unknown panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("ToWGS84 with an unknown CRS did not panic")
			}
		}()
		ToWGS84(p, "GCJ02") // not normalised: ParseCRS must come first
	})
}

func TestParseCRS(t *testing.T) {
	tests := []struct {
		in      string
		want    CRS
		wantErr string // substring of the message; "" means success
	}{
		{"", WGS84, ""},
		{"wgs84", WGS84, ""},
		{"WGS84", WGS84, ""},
		{"WGS-84", WGS84, ""},
		{"EPSG:4326", WGS84, ""},
		{"epsg:4326", WGS84, ""},
		{" wgs84 ", WGS84, ""},
		{"cgcs2000", CGCS2000, ""},
		{"CGCS2000", CGCS2000, ""},
		{"EPSG:4490", CGCS2000, ""},
		{"gcj02", GCJ02, ""},
		{"GCJ-02", GCJ02, ""},
		{"bd09", BD09, ""},
		{"BD-09", BD09, ""},
		{"bd09ll", BD09, ""},
		{"BD09LL", BD09, ""},
		{"bd09mc", "", "metres"},
		{"BD09MC", "", "metres"},
		{"epsg:3857", "", "unknown crs"},
		{"epsg:4527", "", "unknown crs"},
		{"wgs", "", "unknown crs"},
		{"gcj", "", "unknown crs"},
		{"amap", "", "unknown crs"},
		{strings.Repeat("x", 100), "", "unknown crs"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCRS(tt.in)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParseCRS(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			var ge *Error
			if !errors.As(err, &ge) || ge.Code != EINVALID || ge.Field != "crs" {
				t.Fatalf("ParseCRS(%q) error = %v; want EINVALID on crs", tt.in, err)
			}
			if !strings.Contains(ge.Message, tt.wantErr) || len(ge.Message) > 120 {
				t.Errorf("ParseCRS(%q) message %q; want it to mention %q", tt.in, ge.Message, tt.wantErr)
			}
		})
	}
}

func BenchmarkGCJ02ToWGS84(b *testing.B) {
	p := orb.Point{117.1563929532921, 39.12111879763937} // Tianjin, GCJ-02
	b.ReportAllocs()
	for b.Loop() {
		GCJ02ToWGS84(p)
	}
}

func FuzzToWGS84(f *testing.F) {
	f.Add(117.15, 39.12, uint8(2))
	f.Add(0.0, 0.0, uint8(3))
	f.Add(180.0, 90.0, uint8(3))
	f.Add(-180.0, -90.0, uint8(2))
	f.Add(72.004, 0.8293, uint8(2))
	f.Add(137.8347, 55.8271, uint8(3))
	crss := [...]CRS{"", WGS84, GCJ02, BD09, CGCS2000}
	f.Fuzz(func(t *testing.T, lon, lat float64, c uint8) {
		if math.IsNaN(lon) || math.IsNaN(lat) || math.Abs(lon) > 180 || math.Abs(lat) > 90 {
			t.Skip()
		}
		p := orb.Point{lon, lat}
		crs := crss[int(c)%len(crss)]
		got := ToWGS84(p, crs)
		for _, q := range []orb.Point{got, WGS84ToGCJ02(p), GCJ02ToBD09(p), BD09ToGCJ02(p)} {
			if math.IsNaN(q[0]) || math.IsNaN(q[1]) || math.IsInf(q[0], 0) || math.IsInf(q[1], 0) {
				t.Fatalf("ToWGS84(%v, %q) = %v; conversions gave %v", p, crs, got, q)
			}
		}
		// Well inside the box, GCJ-02 must round-trip.
		if lon > 73 && lon < 137 && lat > 2 && lat < 55 {
			if d := degDiff(ToWGS84(WGS84ToGCJ02(p), GCJ02), p); d > 1e-8 {
				t.Fatalf("GCJ-02 round trip of %v off by %g°", p, d)
			}
		}
	})
}

// TestFromWGS84InvertsToWGS84: a WGS-84 point taken to each system and back
// is where it was, within the inverse's iteration tolerance (the redacted
// report's point in its own system is FromWGS84 of the rounded one).
func TestFromWGS84InvertsToWGS84(t *testing.T) {
	for _, crs := range []CRS{WGS84, CGCS2000, GCJ02, BD09} {
		t.Run(string(crs), func(t *testing.T) {
			for _, p := range []orb.Point{{117.158, 39.13}, {117.2, 39.084}, {116.4, 39.9}} {
				back := ToWGS84(FromWGS84(p, crs), crs)
				if d := math.Hypot(back[0]-p[0], back[1]-p[1]); d > 1e-9 {
					t.Errorf("%v to %s and back is %v, %g° away", p, crs, back, d)
				}
			}
		})
	}
}

// TestConvertedPointsStayOnTheEarth: a point whose conversion to WGS 84
// leaves ±180 and ±90 is refused naming the field; BD-09's offset applies
// everywhere, and (-180, -90) was resolved and echoed as (-180.0068,
// -90.0055) (a seventh attacker).
func TestConvertedPointsStayOnTheEarth(t *testing.T) {
	cases := []struct {
		name string
		q    ResolveQuery
		ok   bool
	}{
		{"BD-09 in Tianjin", ResolveQuery{Point: orb.Point{117.2, 39.1}, CRS: BD09}, true},
		{"BD-09 at the south-west corner of the map", ResolveQuery{Point: orb.Point{-180, -90}, CRS: BD09}, false},
		{"BD-09 on the antimeridian", ResolveQuery{Point: orb.Point{-180, 0}, CRS: BD09}, false},
		{"BD-09 at the north pole (inside once converted)", ResolveQuery{Point: orb.Point{0, 90}, CRS: BD09}, true},
		{"GCJ-02 at the corner (outside China it is WGS 84)", ResolveQuery{Point: orb.Point{-180, -90}, CRS: GCJ02}, true},
		{"WGS 84 at the corner", ResolveQuery{Point: orb.Point{180, 90}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := prepare("point", c.q)
			if (err == nil) != c.ok {
				t.Fatalf("prepare = %v, %v; want ok %v", p, err, c.ok)
			}
			if e, isError := err.(*Error); err != nil && (!isError || e.Field != "point" || e.Code != EINVALID) {
				t.Errorf("want an invalid point, got %#v", err)
			}
		})
	}
}
