package geo

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// TestQuickGridFollowsTheData checks that an index built empty grows its
// quick grid as changes bring data (and further out again), answering as
// the oracle does; and that data spread too wide for a grid goes without
// one and still resolves exactly.
func TestQuickGridFollowsTheData(t *testing.T) {
	units, enclaves := fixture()
	ix, err := NewIndex(nil, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !ix.Snapshot().quick.empty() {
		t.Fatal("an empty index has a quick grid")
	}
	steps := []struct {
		name     string
		units    []Unit
		enclaves []Enclave
	}{
		{"the fixture arrives", units, enclaves},
		{"a unit far east", []Unit{{Code: "120119", Level: District, Name: "far", Geom: mpoly(rectL(60, 40, 70, 50))}}, nil},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	version := int64(1)
	for _, step := range steps {
		version++
		if _, err := ix.Apply(ChangeSet{From: version - 1, Version: version, Units: step.units, Enclaves: step.enclaves}); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		units = appendUnits(units, step.units)
		s := ix.Snapshot()
		if s.quick.empty() {
			t.Fatalf("%s: no quick grid", step.name)
		}
		o := newOracle(units, enclaves, version)
		answered := 0
		for _, p := range oraclePoints(rng, units, enclaves, 20000, L(-1, -1), L(72, 52)) {
			if _, _, ok := s.quick.lookup(p); ok {
				answered++
			}
			if got, want := s.Resolve(p), o.resolve(p); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, at %v:\n index  %+v\n oracle %+v", step.name, p, got, want)
			}
		}
		if answered == 0 {
			t.Errorf("%s: the quick grid answered no point", step.name)
		}
	}

	wide := []Unit{
		{Code: "650000", Level: District, Name: "west", Geom: mpoly(orb.Ring{{73.5, 39}, {73.6, 39}, {73.6, 39.1}, {73.5, 39}})},
		{Code: "230000", Level: District, Name: "east", Geom: mpoly(orb.Ring{{134.5, 48}, {134.6, 48}, {134.6, 48.1}, {134.5, 48}})},
	}
	s, err := NewSnapshot(wide, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !s.quick.empty() {
		t.Errorf("data across China has a quick grid of %d × %d chunks", s.quick.ncx, s.quick.ncy)
	}
	if got := s.Resolve(orb.Point{73.58, 39.05}); got.Responsible == nil || got.Responsible.Code != "650000" {
		t.Errorf("without a quick grid: %+v", got)
	}
}

// appendUnits returns units with the given ones replacing or joining them.
func appendUnits(units, more []Unit) []Unit {
	out := append([]Unit(nil), units...)
	for _, m := range more {
		if i := slices.IndexFunc(out, func(u Unit) bool { return u.Code == m.Code }); i >= 0 {
			out[i] = m
		} else {
			out = append(out, m)
		}
	}
	return out
}

// TestQuickGridStaysOffOnceTooWide checks that once the data has been too
// wide for a quick grid (at a build, or when a change spreads it), H3 cells
// answer, and later changes do not bring back a grid over only what they
// touched: lookup would answer "nothing" everywhere else.
func TestQuickGridStaysOffOnceTooWide(t *testing.T) {
	tri := func(x, y float64) orb.MultiPolygon {
		return mpoly(orb.Ring{{x, y}, {x + 0.1, y}, {x + 0.1, y + 0.1}, {x, y}})
	}
	fixUnits, fixEnclaves := fixture()
	cases := []struct {
		name     string
		units    []Unit
		enclaves []Enclave
		changes  [][]Unit // applied in turn
	}{
		{"too wide at the build", []Unit{
			{Code: "650000", Level: District, Name: "west", Geom: tri(73.5, 39)},
			{Code: "230000", Level: District, Name: "east", Geom: tri(134.5, 48)},
		}, nil, [][]Unit{
			{{Code: "650001", Level: District, Name: "new", Geom: tri(73.7, 39)}},
		}},
		{"spread too wide by a change", fixUnits, fixEnclaves, [][]Unit{
			{{Code: "460000", Level: District, Name: "far", Geom: tri(73.5, 15)}},
			{{Code: "460000", Level: District, Name: "far, edited", Geom: tri(73.6, 15)}},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			units := append([]Unit(nil), tc.units...)
			ix, err := NewIndex(units, tc.enclaves, 1)
			if err != nil {
				t.Fatal(err)
			}
			for v, change := range tc.changes {
				if _, err := ix.Apply(ChangeSet{From: int64(v + 1), Version: int64(v + 2), Units: change}); err != nil {
					t.Fatal(err)
				}
				units = appendUnits(units, change)
			}
			s := ix.Snapshot()
			if !s.quick.empty() {
				t.Errorf("a quick grid of %d × %d chunks after the data was too wide", s.quick.ncx, s.quick.ncy)
			}
			if s.cells.n == 0 || s.Stats().Resolution == 0 {
				t.Error("no H3 cells answer the data too wide for a quick grid")
			}
			o := newOracle(units, tc.enclaves, s.Version())
			rng := rand.New(rand.NewPCG(3, 3))
			pts := oraclePoints(rng, units, tc.enclaves, 0, orb.Point{}, orb.Point{})
			for _, u := range units { // and inside each unit's box, away from its edges
				b := u.Geom.Bound()
				pts = append(pts, randomPointsIn(rng, b.Min, b.Max, 20)...)
			}
			for _, p := range pts {
				if got, want := s.Resolve(p), o.resolve(p); !reflect.DeepEqual(got, want) {
					t.Fatalf("at %v:\n index  %+v\n oracle %+v", p, got, want)
				}
			}
		})
	}
}

// TestQuickGridEditOfALargePolygon checks that redrawing a large polygon
// keeps the chunks no edge comes near uniform, as a build makes them: the
// grid's memory stays that of a build.
func TestQuickGridEditOfALargePolygon(t *testing.T) {
	county := func(x float64) orb.MultiPolygon {
		return mpoly(orb.Ring{{117, 39}, {118, 39}, {118, 40}, {x, 40}, {117, 40}, {117, 39}})
	}
	ix, err := NewIndex([]Unit{{Code: "120100", Level: District, Name: "county", Geom: county(117.5)}}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	before := ix.Snapshot().quick.bytes()
	moved := Unit{Code: "120100", Level: District, Name: "county", Geom: county(117.5000001)}
	if _, err := ix.Apply(ChangeSet{From: 1, Version: 2, Units: []Unit{moved}}); err != nil {
		t.Fatal(err)
	}
	if after := ix.Snapshot().quick.bytes(); after > before+before/4 {
		t.Errorf("quick grid grew from %d to %d bytes on a one-vertex edit", before, after)
	}
	o := newOracle([]Unit{moved}, nil, 2)
	rng := rand.New(rand.NewPCG(4, 4))
	for _, p := range oraclePoints(rng, []Unit{moved}, nil, 5000, orb.Point{116.9, 38.9}, orb.Point{118.1, 40.1}) {
		if got, want := ix.Snapshot().Resolve(p), o.resolve(p); !reflect.DeepEqual(got, want) {
			t.Fatalf("at %v:\n index  %+v\n oracle %+v", p, got, want)
		}
	}
}

// TestQuickGridEditLeavesChunksAsABuild checks that taking the last edges
// out of chunks (a small unit retired inside a large one) leaves them
// uniform, as a build makes them, not expanded into 1,024 alike tiles.
func TestQuickGridEditLeavesChunksAsABuild(t *testing.T) {
	county := Unit{Code: "120100", Level: District, Name: "county",
		Geom: mpoly(orb.Ring{{117, 39}, {117.2, 39}, {117.2, 39.2}, {117, 39.2}, {117, 39}})}
	town := Unit{Code: "120200", Level: District, Name: "town",
		Geom: mpoly(orb.Ring{{117.101, 39.101}, {117.104, 39.101}, {117.104, 39.103}, {117.101, 39.101}})}
	ix, err := NewIndex([]Unit{county, town}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Apply(ChangeSet{From: 1, Version: 2, RetiredUnits: []string{town.Code}}); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := NewSnapshot([]Unit{county}, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	expanded := func(q *quickGrid) (n int) {
		for _, ch := range q.chunks {
			if ch.offs != nil {
				n++
			}
		}
		return n
	}
	live := ix.Snapshot()
	if got, want := expanded(&live.quick), expanded(&rebuilt.quick); got != want {
		t.Errorf("%d chunks with tiles of their own after the retirement, a build has %d", got, want)
	}
	o := newOracle([]Unit{county}, nil, 2)
	rng := rand.New(rand.NewPCG(6, 6))
	for _, p := range oraclePoints(rng, []Unit{county, town}, nil, 5000, orb.Point{116.9, 38.9}, orb.Point{117.3, 39.3}) {
		if got, want := live.Resolve(p), o.resolve(p); !reflect.DeepEqual(got, want) {
			t.Fatalf("at %v:\n index  %+v\n oracle %+v", p, got, want)
		}
	}
}
