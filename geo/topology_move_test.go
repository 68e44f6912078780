package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// TestCornerMove moves a corner at P on the local plane (offsets in
// metres): what lies within VertexSnapM of it moves with it, an edge
// through it takes it as a vertex, and each edge that meets it bends at the
// nearest vertex lying on it.
func TestCornerMove(t *testing.T) {
	p := orb.Point{117.12345678901234, 39.1}
	m := func(east, north float64) orb.Point { // a point east and north of P, in metres
		return orb.Point{p[0] + east/(metresPerDeg*math.Cos(p[1]*degToRad)), p[1] + north/metresPerDeg}
	}
	to := m(3, -2)
	a, b, c := m(100, 0), m(100, 100), m(0, 100)
	square := func(corner orb.Point) orb.MultiPolygon { return orb.MultiPolygon{{{corner, a, b, c, corner}}} }
	onPA := func(f, beside float64) orb.Point { return m(100*f, beside) } // on the edge P–A, f of the way, beside it
	tests := []struct {
		name  string
		mp    orb.MultiPolygon
		nodes []orb.Point
		want  orb.Ring // nil: unchanged
	}{
		{"the corner itself", square(p), nil, orb.Ring{to, a, b, c, to}},
		{"a vertex 9 mm off is the corner", square(m(0.006, -0.0067)), nil, orb.Ring{to, a, b, c, to}},
		{"a vertex 11 mm off is not", square(m(0.011, 0)), nil, nil},
		{"an edge through the corner takes it", orb.MultiPolygon{{{m(-50, 0), m(50, 0), m(50, 50), m(-50, 50), m(-50, 0)}}},
			nil, orb.Ring{m(-50, 0), to, m(50, 0), m(50, 50), m(-50, 50), m(-50, 0)}},
		{"an edge 11 mm away does not", orb.MultiPolygon{{{m(-50, 0.011), m(50, 0.011), m(50, 50), m(-50, 50), m(-50, 0.011)}}},
			nil, nil},
		{"the edges bend at their nearest node", square(p),
			[]orb.Point{onPA(0.6, 0), onPA(0.3, 0), onPA(0.2, 0.005), onPA(0.1, 0.02), p, m(0.005, 0), a, m(0, 40)},
			orb.Ring{to, onPA(0.2, 0), a, b, c, m(0, 40), to}},
		{"two vertices that are the corner become one", orb.MultiPolygon{{{p, m(0.001, 0.001), a, b, c, p}}}, nil,
			orb.Ring{to, a, b, c, to}},
		{"the ring's closing vertex is the corner", orb.MultiPolygon{{{a, b, c, p, a}}}, nil, orb.Ring{a, b, c, to, a}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mv := NewCornerMove(p, to)
			was := orb.Clone(tt.mp)
			got, changed := mv.Apply(tt.mp, tt.nodes)
			if !orb.Equal(tt.mp, was) {
				t.Fatal("the input was changed")
			}
			if changed != (tt.want != nil) || changed != mv.Touches(tt.mp) {
				t.Fatalf("changed %v, touches %v; want %v", changed, mv.Touches(tt.mp), tt.want != nil)
			}
			want := tt.want
			if want == nil {
				want = tt.mp[0][0]
			}
			if !ringsNear(got[0][0], want) {
				t.Errorf("got  %v\nwant %v", got[0][0], want)
			}
		})
	}
}

// TestCornerMoveNodeAsIs: a node on the edge (within a micrometre) goes in
// bit for bit, so that the boundaries that have it share it exactly.
func TestCornerMoveNodeAsIs(t *testing.T) {
	p, a := orb.Point{117.1, 39.1}, orb.Point{117.2, 39.1}
	x := orb.Point{117.13, 39.1 + 1e-12} // ~0.1 µm off the edge
	mp := orb.MultiPolygon{{{p, a, orb.Point{117.2, 39.2}, p}}}
	got, _ := NewCornerMove(p, orb.Point{117.1, 39.09}).Apply(mp, []orb.Point{x})
	if want := (orb.Ring{{117.1, 39.09}, x, a, {117.2, 39.2}, {117.1, 39.09}}); !orb.Equal(got[0][0], want) {
		t.Errorf("got  %v\nwant %v", got[0][0], want)
	}
}

// ringsNear compares rings vertex by vertex within a nanometre (a node's
// projection is computed); the corner's new place must be exact.
func ringsNear(got, want orb.Ring) bool {
	if len(got) != len(want) || got[0] != got[len(got)-1] {
		return false
	}
	for i := range got {
		if math.Abs(got[i][0]-want[i][0]) > 1e-14 || math.Abs(got[i][1]-want[i][1]) > 1e-14 {
			return false
		}
	}
	return true
}

// TestCornerMoveSpokes: the edges that meet the corner, from it outwards,
// where the nodes are looked for.
func TestCornerMoveSpokes(t *testing.T) {
	p := orb.Point{117.1, 39.1}
	a, b, c := orb.Point{117.2, 39.1}, orb.Point{117.2, 39.2}, orb.Point{117.1, 39.2}
	tests := []struct {
		name string
		mp   orb.MultiPolygon
		want []orb.LineString
	}{
		{"a corner", orb.MultiPolygon{{{p, a, b, c, p}}}, []orb.LineString{{p, c}, {p, a}}},
		{"an edge through it", orb.MultiPolygon{{{orb.Point{117.0, 39.1}, a, b, c, orb.Point{117.0, 39.1}}}},
			[]orb.LineString{{p, orb.Point{117.0, 39.1}}, {p, a}}},
		{"elsewhere", orb.MultiPolygon{{{a, b, orb.Point{117.3, 39.2}, a}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewCornerMove(p, orb.Point{117.11, 39.11}).Spokes(tt.mp)
			if len(got) != len(tt.want) {
				t.Fatalf("spokes %v, want %v", got, tt.want)
			}
			for i := range got {
				if !orb.Equal(got[i], tt.want[i]) {
					t.Errorf("spokes %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// TestCornerMoveDropsCollapsedRings: a hole or a part whose vertices but
// one lie within VertexSnapM of the corner collapses to a line; it is
// dropped, so the boundary stays valid, unless it is all there is.
func TestCornerMoveDropsCollapsedRings(t *testing.T) {
	p := orb.Point{117.1, 39.1}
	m := func(east, north float64) orb.Point {
		return orb.Point{p[0] + east/(metresPerDeg*math.Cos(p[1]*degToRad)), p[1] + north/metresPerDeg}
	}
	to := m(3, -2)
	sliver := orb.Ring{p, m(0.004, 0.004), m(50, 50), p} // two of its three corners are the corner
	outer := orb.Ring{m(-100, -100), m(100, -100), m(100, 100), m(-100, 100), m(-100, -100)}
	far := orb.Polygon{{m(500, 500), m(600, 500), m(600, 600), m(500, 600), m(500, 500)}}
	tests := []struct {
		name  string
		mp    orb.MultiPolygon
		parts int   // parts left
		rings []int // rings of each part left
	}{
		{"a collapsed hole is dropped", orb.MultiPolygon{{outer, sliver}}, 1, []int{1}},
		{"a collapsed part is dropped", orb.MultiPolygon{{sliver}, far}, 1, []int{1}},
		{"a collapsed boundary is kept, for validation to refuse", orb.MultiPolygon{{sliver}}, 1, []int{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := NewCornerMove(p, to).Apply(tc.mp, nil)
			if !changed || len(got) != tc.parts {
				t.Fatalf("Apply = %v (changed %v), want %d parts", got, changed, tc.parts)
			}
			for i, poly := range got {
				if len(poly) != tc.rings[i] {
					t.Errorf("part %d has %d rings, want %d: %v", i, len(poly), tc.rings[i], poly)
				}
			}
			if tc.name == "a collapsed part is dropped" && !orb.Equal(got[0], far) {
				t.Errorf("the part left is %v, want the far one", got[0])
			}
		})
	}
}
