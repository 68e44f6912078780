package geo

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// The rules tested on their own: ruleSet.apply over every polygon (the
// exact fallback record), no cell index involved.

func TestRulesEdgeCases(t *testing.T) {
	sq := func(x0, y0, x1, y1 float64) orb.MultiPolygon { return mpoly(rectL(x0, y0, x1, y1)) }
	u := func(code string, lvl Level, parent string, mp orb.MultiPolygon) Unit {
		return Unit{Code: code, Level: lvl, Name: "n" + code, ParentCode: parent, Geom: mp}
	}
	units := []Unit{
		u("120104", District, "", sq(0, 0, 10, 10)),
		u("120104001", Street, "120104", sq(0, 0, 10, 10)),
		u("120104001001", Community, "120104001", sq(0, 0, 10, 10)),
		u("120104001001001", Grid, "120104001001", sq(0, 0, 5, 5)),
		u("120104001001001001", MicroGrid, "120104001001001", sq(0, 0, 1, 1)),
		// A grid whose parent is a grid (malformed): the chain stops.
		u("120104001001002", Grid, "120104001001001", sq(5, 0, 10, 5)),
		// A grid with no parent code at all.
		u("120104001001003", Grid, "", sq(0, 5, 5, 10)),
	}
	e := func(code, managing string, area float64, mp orb.MultiPolygon) Enclave {
		return Enclave{Code: code, Name: "e" + code, ManagingCode: managing, Status: EnclaveCustodial, Geom: mp, AreaM2: area}
	}
	enclaves := []Enclave{
		// Equal areas: the smaller code wins.
		e("EB", "120104001", 100, sq(6, 6, 8, 8)),
		e("EA", "120104", 100, sq(6, 6, 8, 8)),
		// A NaN area sorts last, so the other enclave wins.
		e("EN", "120104001001", math.NaN(), sq(2, 6, 4, 8)),
		e("EM", "120104001001003", 500, sq(2, 6, 4, 8)),
	}
	s, err := NewSnapshot(units, enclaves, 3)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		p       orb.Point
		status  Status
		resp    string
		enclave string
		chain   []string // responsible chain codes, district first, "" for empty
		geoGrid string
	}{
		{"micro-grid is the finest level", L(0.5, 0.5), StatusManaged, "120104001001001001", "",
			[]string{"120104", "120104001", "120104001001", "120104001001001", "120104001001001001"}, "120104001001001"},
		{"grid with a malformed parent link", L(7, 2), StatusManaged, "120104001001002", "",
			[]string{"", "", "", "120104001001002", ""}, "120104001001002"},
		{"grid without parent code", L(1, 9), StatusManaged, "120104001001003", "",
			[]string{"", "", "", "120104001001003", ""}, "120104001001003"},
		{"equal enclave areas: smaller code", L(7, 7), StatusEnclave, "120104", "EA",
			[]string{"120104", "", "", "", ""}, ""},
		{"NaN enclave area sorts last", L(3, 7), StatusEnclave, "120104001001003", "EM",
			[]string{"", "", "", "120104001001003", ""}, "120104001001003"},
		{"only the community covers", L(7, 9.5), StatusUnmanaged, "120104001001", "",
			[]string{"120104", "120104001", "120104001001", "", ""}, ""},
		{"outside", L(11, 11), StatusOutside, "", "", []string{"", "", "", "", ""}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := s.applyAll(tc.p)
			if indexed := s.Resolve(tc.p); !reflect.DeepEqual(indexed, r) {
				t.Errorf("the index answers %+v, testing every polygon %+v", indexed, r)
			}
			if r.Status != tc.status || refCode(r.Responsible) != tc.resp || enclaveCode(r.Enclave) != tc.enclave {
				t.Fatalf("got %s %q %q, want %s %q %q", r.Status, refCode(r.Responsible), enclaveCode(r.Enclave), tc.status, tc.resp, tc.enclave)
			}
			got := []string{chainCode(r.District), chainCode(r.Street), chainCode(r.Community), chainCode(r.Grid), chainCode(r.MicroGrid)}
			if !slices.Equal(got, tc.chain) {
				t.Errorf("chain %v, want %v", got, tc.chain)
			}
			if g := chainCode(r.Geographic.Grid); g != tc.geoGrid {
				t.Errorf("geographic grid %q, want %q", g, tc.geoGrid)
			}
			if r.Conflicts != nil || r.IndexVersion != 3 {
				t.Errorf("conflicts %v version %d", r.Conflicts, r.IndexVersion)
			}
		})
	}
}

func TestRecordPruning(t *testing.T) {
	// Slots are arbitrary: only the classes and the order matter.
	grid, community, street, district := unitClass(Grid.Rank()), unitClass(Community.Rank()), unitClass(Street.Rank()), unitClass(District.Rank())
	unit := func(slot uint32, class uint32, sure bool) uint32 { return makeEntry(slot, class, sure) }
	enc := func(slot uint32, sure bool) uint32 { return makeEntry(slot, enclaveCls, sure) }
	tests := []struct {
		name     string
		in, want []uint32
	}{
		{"coarser levels after a sure level go",
			[]uint32{unit(7, grid, false), unit(3, grid, false), unit(9, community, true), unit(1, street, true), unit(2, district, true)},
			[]uint32{unit(7, grid, false), unit(3, grid, false), unit(9, community, true)}},
		{"same level as the sure entry stays (conflicts)",
			[]uint32{unit(7, grid, true), unit(3, grid, false), unit(9, community, true)},
			[]uint32{unit(7, grid, true), unit(3, grid, false)}},
		{"enclaves after a sure one go",
			[]uint32{enc(4, false), enc(1, true), enc(2, false), unit(2, district, true)},
			[]uint32{enc(4, false), enc(1, true), unit(2, district, true)}},
		{"nothing sure: nothing goes",
			[]uint32{enc(0, false), unit(5, grid, false), unit(6, district, false)},
			[]uint32{enc(0, false), unit(5, grid, false), unit(6, district, false)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := pruneRecord(slices.Clone(tc.in))
			if !slices.Equal(got, tc.want) {
				t.Errorf("pruneRecord(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}
