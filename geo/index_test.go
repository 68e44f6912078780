package geo

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// ---- fixture ----

// L maps lattice coordinates to lon/lat (~173 m × 167 m per unit); the same
// lattice coordinates always give the same floats, so shared edges are exact.
func L(x, y float64) orb.Point { return orb.Point{117.2 + x*0.002, 39.1 + y*0.0015} }

func ringL(xy ...float64) orb.Ring {
	var r orb.Ring
	for i := 0; i+1 < len(xy); i += 2 {
		r = append(r, L(xy[i], xy[i+1]))
	}
	return append(r, r[0])
}

func rectL(x0, y0, x1, y1 float64) orb.Ring { return ringL(x0, y0, x1, y0, x1, y1, x0, y1) }

func mpoly(rings ...orb.Ring) orb.MultiPolygon { return orb.MultiPolygon{orb.Polygon(rings)} }

// sliverTop is the top of the 1 m sliver grid, in lattice units.
const sliverTop = 7 + 1.0/111320/0.0015

// fixture returns a small city with every hard case the rules know.
func fixture() ([]Unit, []Enclave) {
	u := func(code string, lvl Level, parent string, mp orb.MultiPolygon) Unit {
		return Unit{Code: code, Level: lvl, Name: "n" + code, ParentCode: parent, Geom: mp}
	}
	zig := []float64{3, 2, 3.3, 2.5, 2.8, 3.1, 3.1, 3.6, 3, 4}
	g003 := append([]float64{0, 2}, zig...)
	g003 = append(g003, 0, 4)
	g004 := []float64{3, 2, 6, 2, 6, 4, 3, 4, 3.1, 3.6, 2.8, 3.1, 3.3, 2.5}
	micro := L(14, 2)
	microTop := orb.Point{micro[0], micro[1] + 5e-13}
	units := []Unit{
		u("120104", District, "", mpoly(rectL(0, 0, 12, 8))),
		u("120104001", Street, "120104", mpoly(rectL(0, 0, 6, 8))),
		u("120104002", Street, "120104", mpoly(rectL(6, 0, 12, 8))),
		u("120104001001", Community, "120104001", mpoly(rectL(0, 0, 6, 4))),
		u("120104001002", Community, "120104001", mpoly(rectL(0, 4, 6, 8))),
		u("120104002001", Community, "120104002", mpoly(rectL(6, 0, 12, 8))),
		u("120104001001001", Grid, "120104001001", mpoly(rectL(0, 0, 3, 2))),
		u("120104001001002", Grid, "120104001001", mpoly(rectL(3, 0, 6, 2))),
		u("120104001001003", Grid, "120104001001", mpoly(ringL(g003...), rectL(1, 2.5, 2, 3.5))),
		u("120104001001004", Grid, "120104001001", mpoly(ringL(g004...))),
		u("120104001002001", Grid, "120104001002", orb.MultiPolygon{{rectL(0, 4, 2, 6)}, {rectL(4, 4, 6, 6)}}),
		u("120104001002002", Grid, "120104001002", mpoly(rectL(0, 6, 6, 7))),
		u("120104001002003", Grid, "120104001002", mpoly(rectL(0, 7, 6, sliverTop))),
		u("120104001002004", Grid, "120104001002", mpoly(rectL(0, sliverTop, 6, 8))),
		u("120104002001001", Grid, "120104002001", mpoly(rectL(6, 0, 9, 4))),
		u("120104002001002", Grid, "120104002001", mpoly(rectL(8, 0, 12, 4))),
		u("120104002001003", Grid, "120104002001", mpoly(ringL(6, 4, 12, 4, 12, 8, 9.5, 8, 9, 7, 8.5, 8, 6, 8))),
		u("120105", District, "", mpoly(rectL(12, 0, 16, 8))),
		u("120105001", Street, "120105", mpoly(rectL(12, 0, 16, 8))),
		u("120105001001", Community, "120105001", mpoly(rectL(12, 0, 16, 8))),
		u("120105001001001", Grid, "120105001001", mpoly(rectL(12, 0, 14, 4))),
		// A grid whose left edge has a rising segment 5e-13° long, which
		// PostGIS's rtree code skips (rule 4 of index_build.go).
		u("120105001001002", Grid, "120105001001", mpoly(orb.Ring{L(14, 0), L(16, 0), L(16, 4), L(14, 4), microTop, micro, L(14, 0)})),
		// A grid whose parent is not among the units.
		u("120106001001001", Grid, "120106001001", mpoly(rectL(16, 0, 17, 1))),
	}
	e := func(code, managing string, st EnclaveStatus, mp orb.MultiPolygon) Enclave {
		return Enclave{Code: code, Name: "e" + code, ManagingCode: managing, Status: st, Geom: mp, AreaM2: approxAreaM2(mp)}
	}
	enclaves := []Enclave{
		e("E1", "120105001001", EnclaveCustodial, mpoly(rectL(7, 5, 11, 7.5))),
		e("E2", "120104001001", EnclaveTransferred, mpoly(rectL(8, 6, 9, 7))),
		e("E3", "120199001001", EnclaveUnmanaged, mpoly(rectL(1, 0.5, 2, 1.5))),
		// An open ring (PostGIS would not store one; the index copes anyway).
		e("E4", "120105001", EnclaveCustodial, orb.MultiPolygon{{{L(13, 5), L(15, 5), L(15, 7), L(13, 7)}}}),
	}
	return units, enclaves
}

func TestResolveFixture(t *testing.T) {
	units, enclaves := fixture()
	s, err := NewSnapshot(units, enclaves, 42)
	if err != nil {
		t.Fatal(err)
	}
	x3 := L(3, 0)[0]
	tests := []struct {
		name       string
		p          orb.Point
		status     Status
		respLevel  Level
		resp       string // responsible code, "" for none
		enclave    string
		grid       string // geographic grid code
		district   string // responsible-chain district code
		conflicts  []string
		respNoName bool
	}{
		{"grid interior", L(2.5, 1.8), StatusManaged, Grid, "120104001001001", "", "120104001001001", "120104", nil, false},
		{"enclave with missing manager", L(1.5, 1), StatusEnclave, Community, "120199001001", "E3", "120104001001001", "", nil, true},
		{"hole of a grid", L(1.5, 3), StatusUnmanaged, Community, "120104001001", "", "", "120104", nil, false},
		{"hole edge", L(1, 3), StatusManaged, Grid, "120104001001003", "", "120104001001003", "120104", nil, false},
		{"gap between multipolygon parts", L(3, 5), StatusUnmanaged, Community, "120104001002", "", "", "120104", nil, false},
		{"multipolygon second part", L(5, 5), StatusManaged, Grid, "120104001002001", "", "120104001002001", "120104", nil, false},
		{"shared vertex of four grids", L(3, 2), StatusManaged, Grid, "120104001001001", "", "120104001001001", "120104",
			[]string{"120104001001002", "120104001001003", "120104001001004"}, false},
		{"shared edge", L(3, 1), StatusManaged, Grid, "120104001001001", "", "120104001001001", "120104", []string{"120104001001002"}, false},
		{"1 ulp east of shared edge", orb.Point{math.Nextafter(x3, 200), L(3, 1)[1]}, StatusManaged, Grid, "120104001001002", "", "120104001001002", "120104", nil, false},
		{"1 ulp west of shared edge", orb.Point{math.Nextafter(x3, 0), L(3, 1)[1]}, StatusManaged, Grid, "120104001001001", "", "120104001001001", "120104", nil, false},
		{"zigzag edge vertex", L(2.8, 3.1), StatusManaged, Grid, "120104001001003", "", "120104001001003", "120104", []string{"120104001001004"}, false},
		{"overlap", L(8.5, 2), StatusManaged, Grid, "120104002001001", "", "120104002001001", "120104", []string{"120104002001002"}, false},
		{"sliver", L(3, (7+sliverTop)/2), StatusManaged, Grid, "120104001002003", "", "120104001002003", "120104", nil, false},
		{"nested enclave: smaller wins", L(8.5, 6.5), StatusEnclave, Community, "120104001001", "E2", "120104002001003", "120104", nil, false},
		{"nested enclave edge", L(8, 6.5), StatusEnclave, Community, "120104001001", "E2", "120104002001003", "120104", nil, false},
		{"enclave managed from another district", L(10, 6), StatusEnclave, Community, "120105001001", "E1", "120104002001003", "120105", nil, false},
		{"notch gap", L(9, 7.8), StatusUnmanaged, Community, "120104002001", "", "", "120104", nil, false},
		{"community without grids", L(13, 7.5), StatusUnmanaged, Community, "120105001001", "", "", "120105", nil, false},
		{"district border", L(12, 6), StatusManaged, Grid, "120104002001003", "", "120104002001003", "120104", nil, false},
		{"orphan grid", L(16.5, 0.5), StatusManaged, Grid, "120106001001001", "", "120106001001001", "", nil, false},
		{"outside", L(20, 20), StatusOutside, "", "", "", "", "", nil, false},
		{"far outside", orb.Point{100, 20}, StatusOutside, "", "", "", "", "", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.Resolve(tc.p)
			if r.Status != tc.status {
				t.Fatalf("status %q, want %q (%+v)", r.Status, tc.status, r)
			}
			if got := refCode(r.Responsible); got != tc.resp {
				t.Errorf("responsible %q, want %q", got, tc.resp)
			}
			if r.Responsible != nil && (r.Responsible.Level != tc.respLevel || (r.Responsible.Name == "") != tc.respNoName) {
				t.Errorf("responsible %+v, want level %q", *r.Responsible, tc.respLevel)
			}
			if got := enclaveCode(r.Enclave); got != tc.enclave {
				t.Errorf("enclave %q, want %q", got, tc.enclave)
			}
			if got := chainCode(r.Geographic.Grid); got != tc.grid {
				t.Errorf("geographic grid %q, want %q", got, tc.grid)
			}
			if got := chainCode(r.District); got != tc.district {
				t.Errorf("district %q, want %q", got, tc.district)
			}
			var conflicts []string
			for _, c := range r.Conflicts {
				conflicts = append(conflicts, c.Code)
			}
			if !slices.Equal(conflicts, tc.conflicts) {
				t.Errorf("conflicts %v, want %v", conflicts, tc.conflicts)
			}
			if r.IndexVersion != 42 || r.Point != [2]float64{tc.p[0], tc.p[1]} {
				t.Errorf("version %d point %v", r.IndexVersion, r.Point)
			}
		})
	}
}

func refCode(r *LevelRef) string {
	if r == nil {
		return ""
	}
	return r.Code
}

func enclaveCode(r *EnclaveRef) string {
	if r == nil {
		return ""
	}
	return r.Code
}

func chainCode(r *Ref) string {
	if r == nil {
		return ""
	}
	return r.Code
}

func TestResolveChains(t *testing.T) {
	units, enclaves := fixture()
	s, err := NewSnapshot(units, enclaves, 1)
	if err != nil {
		t.Fatal(err)
	}
	r := s.Resolve(L(10, 6)) // enclave E1, managed by community 120105001001
	want := Chain{Community: &Ref{"120105001001", "n120105001001"}, Street: &Ref{"120105001", "n120105001"}, District: &Ref{"120105", "n120105"}}
	if !reflect.DeepEqual(r.Chain, want) {
		t.Errorf("responsible chain %+v, want %+v", r.Chain, want)
	}
	geo := Chain{Grid: &Ref{"120104002001003", "n120104002001003"}, Community: &Ref{"120104002001", "n120104002001"},
		Street: &Ref{"120104002", "n120104002"}, District: &Ref{"120104", "n120104"}}
	if !reflect.DeepEqual(r.Geographic, geo) {
		t.Errorf("geographic chain %+v, want %+v", r.Geographic, geo)
	}
	if r.Conflicts != nil {
		t.Errorf("conflicts %v, want nil", r.Conflicts)
	}
}

func TestNewSnapshotRejects(t *testing.T) {
	units, _ := fixture()
	dup := append(slices.Clone(units), units[0])
	bad := slices.Clone(units)
	bad[0].Level = "county"
	nan := slices.Clone(units)
	nan[0].Geom = mpoly(orb.Ring{{math.NaN(), 1}, {2, 2}, {3, 1}, {math.NaN(), 1}})
	lat := slices.Clone(units)
	lat[0].Geom = mpoly(rectL(0, 0, 1, 1), orb.Ring{{117, 95}, {118, 95}, {118, 96}, {117, 95}})
	for name, us := range map[string][]Unit{"duplicate": dup, "level": bad, "nan": nan, "latitude": lat} {
		if _, err := NewSnapshot(us, nil, 1); ErrorCodeOf(err) != EINVALID {
			t.Errorf("%s: err %v, want EINVALID", name, err)
		}
	}
	s, err := NewSnapshot(nil, nil, 7)
	if err != nil || s.Resolve(L(1, 1)).Status != StatusOutside || s.Version() != 7 {
		t.Errorf("empty snapshot: %v", err)
	}
}
