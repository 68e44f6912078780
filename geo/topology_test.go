package geo

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestSideOfLine(t *testing.T) {
	line := orb.LineString{{0, 0}, {10, 0}, {10, 10}}
	cases := []struct {
		name string
		p    orb.Point
		want int
	}{
		{"left of the first segment", orb.Point{5, 1}, 1},
		{"right of the first segment", orb.Point{5, -1}, -1},
		{"left of the second segment", orb.Point{9, 5}, 1},
		{"right of the second segment", orb.Point{11, 5}, -1},
		{"on the line", orb.Point{5, 0}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := SideOfLine(line, tc.p); got != tc.want {
				t.Errorf("side %d, want %d", got, tc.want)
			}
		})
	}
}

func TestNextFreeCode(t *testing.T) {
	used := func(seqs ...int) map[int]bool {
		m := map[int]bool{}
		for _, s := range seqs {
			m[s] = true
		}
		return m
	}
	cases := []struct {
		name, parent, like string
		used               map[int]bool
		want               string
		code               ErrorCode
	}{
		{"a grid after the highest ever used", "120104001001", "120104001001003", used(1, 2, 3, 7), "120104001001008", ""},
		{"a retired grid's code is not reused", "120104001001", "120104001001001", used(1, 2, 9), "120104001001010", ""},
		{"a full range reuses the lowest never used", "120104001001", "120104001001999", used(1, 999), "120104001001002", ""},
		{"a residents' committee stays in 001–199", "120104001", "120104001012", used(12, 15, 201), "120104001016", ""},
		{"a villagers' committee stays in 200–399", "120104001", "120104001201", used(12, 201, 203), "120104001204", ""},
		{"a town stays in 100–199", "120110", "120110101", used(1, 2, 101), "120110102", ""},
		{"a street stays in 001–099", "120110", "120110002", used(1, 2, 101), "120110003", ""},
		{"districts are never made up", "", "120104", used(), "", EINVALID},
		{"a full range", "120104001", "120104001001", usedRange(1, 199), "", ECONFLICT},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NextFreeCode(tc.parent, tc.like, tc.used)
			if got != tc.want || ErrorCodeOf(err) != tc.code && !(err == nil && tc.code == "") {
				t.Errorf("got %q %v, want %q %s", got, err, tc.want, tc.code)
			}
		})
	}
}

func usedRange(lo, hi int) map[int]bool {
	m := map[int]bool{}
	for s := lo; s <= hi; s++ {
		m[s] = true
	}
	return m
}

func TestTopologyRequestsValidate(t *testing.T) {
	line := orb.LineString{{117.1, 39.1}, {117.2, 39.2}}
	cases := []struct {
		name  string
		check func() error
		field string
	}{
		{"a move", (&VertexMove{From: orb.Point{117.1, 39.1}, To: orb.Point{117.2, 39.1}}).Validate, ""},
		{"a move nowhere", (&VertexMove{From: orb.Point{117.1, 39.1}, To: orb.Point{117.1, 39.1}}).Validate, "to"},
		{"a move from lat,lng", (&VertexMove{From: orb.Point{39.1, 117.1}, To: orb.Point{117.1, 39.1}}).Validate, "from"},
		{"a move to NaN", (&VertexMove{From: orb.Point{117.1, 39.1}, To: orb.Point{math.NaN(), 39.1}}).Validate, "to"},
		{"a split", (&UnitSplit{Code: "120104001001001", Line: line}).Validate, ""},
		{"a split of no code", (&UnitSplit{Code: "x", Line: line}).Validate, "code"},
		{"a split by a point", (&UnitSplit{Code: "120104001001001", Line: line[:1]}).Validate, "line"},
		{"a split with one code", (&UnitSplit{Code: "120104001001001", Line: line, Codes: [2]string{"120104001001001", ""}}).Validate, "codes"},
		{"a split into equal codes", (&UnitSplit{Code: "120104001001001", Line: line, Codes: [2]string{"120104001001009", "120104001001009"}}).Validate, "codes"},
		{"a split line off the map", (&UnitSplit{Code: "120104001001001", Line: orb.LineString{{117, 39}, {200, 39}}}).Validate, "line.coordinates[1]"},
		{"a split naming a part too long", (&UnitSplit{Code: "120104001001001", Line: line, Names: [2]string{"", strings.Repeat("名", MaxUnitName+1)}}).Validate, "names[1]"},
		{"a split naming a part with a control", (&UnitSplit{Code: "120104001001001", Line: line, Names: [2]string{"a\x00b", ""}}).Validate, "names[0]"},
		{"a merge named too long", (&UnitMerge{Codes: []string{"120104001001001", "120104001001002"}, Name: strings.Repeat("名", MaxUnitName+1)}).Validate, "name"},
		{"a merge", (&UnitMerge{Codes: []string{"120104001001001", "120104001001002"}}).Validate, ""},
		{"a merge of one", (&UnitMerge{Codes: []string{"120104001001001"}}).Validate, "codes"},
		{"a merge naming one twice", (&UnitMerge{Codes: []string{"120104001001001", "120104001001001"}}).Validate, "codes[1]"},
		{"a merge into no code", (&UnitMerge{Codes: []string{"120104001001001", "120104001001002"}, Code: "abc"}).Validate, "code"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.check()
			var e *Error
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.field != "" && (!asError(err, &e) || e.Field != tc.field):
				t.Errorf("got %v, want an error about %s", err, tc.field)
			}
		})
	}
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}

// TestCounts: a split keeps the counts (households, population) on one
// part, a merge adds each count up; the other properties are copied.
func TestCounts(t *testing.T) {
	props := func(households, population any) map[string]any {
		m := map[string]any{"grid_worker": "王伟"}
		if households != nil {
			m[HouseholdsProperty] = households
		}
		if population != nil {
			m[PopulationProperty] = population
		}
		return m
	}
	t.Run("split", func(t *testing.T) {
		for keeper := range 2 {
			in := props(400.0, 1100.0)
			parts := SplitProperties(in, keeper)
			kept, other := parts[keeper], parts[1-keeper]
			if kept[HouseholdsProperty] != 400.0 || kept[PopulationProperty] != 1100.0 || kept["grid_worker"] != "王伟" {
				t.Errorf("keeper %d: the keeper has %v", keeper, kept)
			}
			if len(other) != 1 || other["grid_worker"] != "王伟" {
				t.Errorf("keeper %d: the other part has %v, want the grid worker alone", keeper, other)
			}
			if in[HouseholdsProperty] != 400.0 || in[PopulationProperty] != 1100.0 {
				t.Error("the input was changed")
			}
		}
		if parts := SplitProperties(nil, 0); parts[0] != nil || parts[1] != nil {
			t.Errorf("no properties: %v", parts)
		}
	})
	merges := []struct {
		name                   string
		all                    []map[string]any
		households, population any // nil: none
	}{
		{"both counted", []map[string]any{props(300.0, 900.0), props(json.Number("200"), 600.0)}, json.Number("500"), json.Number("1500")},
		{"one counted", []map[string]any{props(nil, nil), props(200.0, 600.0)}, json.Number("200"), json.Number("600")},
		{"none counted", []map[string]any{props(nil, nil), props(nil, nil)}, nil, nil},
		{"households alone", []map[string]any{props(300.0, nil), props(200.0, nil)}, json.Number("500"), nil},
		{"a count written as text", []map[string]any{props(" 300", "900"), props(200.0, 600.0)}, json.Number("500"), json.Number("1500")},
		{"a count that is no number", []map[string]any{props("三百", 900.0), props(200.0, 600.0)}, "三百", json.Number("1500")},
		{"a count that is not finite", []map[string]any{props(300.0, "Inf"), props(200.0, 600.0)}, json.Number("500"), "Inf"},
		// Added in float64: 0.30000000000000004, and 9007199254740994.
		{"decimals added exactly", []map[string]any{props(json.Number("0.1"), 0.2), props(json.Number("0.20"), json.Number("1.5e-1"))},
			json.Number("0.3"), json.Number("0.35")},
		{"beyond 2^53", []map[string]any{props(json.Number("9007199254740993"), json.Number("1e20")), props(json.Number("2"), json.Number("1"))},
			json.Number("9007199254740995"), json.Number("100000000000000000001")},
		{"exponents", []map[string]any{props(json.Number("1.5E2"), json.Number("-2")), props(json.Number("1e-2"), json.Number("2"))},
			json.Number("150.01"), json.Number("0")},
		// 10^999999999 is a number of a billion digits: not a count.
		{"an exponent too large", []map[string]any{props(json.Number("1e999999999"), "1e99999"), props(1.0, 1.0)},
			json.Number("1e999999999"), "1e99999"},
		{"not JSON's spelling", []map[string]any{props("0x10", "1/2"), props(1.0, 1.0)}, "0x10", "1/2"},
	}
	for _, tt := range merges {
		t.Run("merge: "+tt.name, func(t *testing.T) {
			got := MergedProperties(tt.all[0], tt.all)
			if got[HouseholdsProperty] != tt.households || got[PopulationProperty] != tt.population || got["grid_worker"] != "王伟" {
				t.Errorf("merged %v, want households %v and population %v", got, tt.households, tt.population)
			}
		})
	}
}

// TestSplitPartName: the name a split gives a part with a new code fits
// MaxUnitName, however long the unit's name.
func TestSplitPartName(t *testing.T) {
	long := strings.Repeat("长", MaxUnitName)
	cases := []struct{ name, code, want string }{
		{"和平里", "120104001001002", "和平里-002"},
		{long, "120104001001002", long[:len("长")*(MaxUnitName-4)] + "-002"},
		{long[:len("长")*(MaxUnitName-4)], "120104001001002", long[:len("长")*(MaxUnitName-4)] + "-002"},
		{"南开区", "12", "南开区-12"},
	}
	for _, c := range cases {
		t.Run(c.want[max(0, len(c.want)-12):], func(t *testing.T) {
			got := SplitPartName(c.name, c.code)
			if got != c.want {
				t.Errorf("SplitPartName(%q…, %s) = %q…", ClipTo(c.name, 12), c.code, ClipTo(got, 12))
			}
			if err := ValidateName("name", got, MaxUnitName, true); err != nil {
				t.Error(err)
			}
		})
	}
}
