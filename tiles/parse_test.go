package tiles

import (
	"errors"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

func TestParseCoord(t *testing.T) {
	cases := []struct {
		z, x, y string
		want    Coord
		field   string // "" for success
	}{
		{"0", "0", "0.mvt", Coord{0, 0, 0}, ""},
		{"14", "13524", "6253.mvt", Coord{14, 13524, 6253}, ""},
		{"14", "13524", "6253.pbf", Coord{14, 13524, 6253}, ""},
		{"24", "16777215", "16777215.mvt", Coord{24, 1<<24 - 1, 1<<24 - 1}, ""},
		{"25", "0", "0.mvt", Coord{}, "z"},
		{"-1", "0", "0.mvt", Coord{}, "z"},
		{"3", "8", "0.mvt", Coord{}, "x"},
		{"3", "0", "8.mvt", Coord{}, "y"},
		{"3", "0", "7.png", Coord{}, "y"},
		{"3", "0", "7", Coord{}, "y"},
		{"3", "x", "7.mvt", Coord{}, "x"},
		{"3", "01", "7.mvt", Coord{}, "x"},
		{"1", "+1", "0.mvt", Coord{}, "x"}, // a review: the same tile under a second URL
		{"+3", "0", "0.mvt", Coord{}, "z"},
		{"3", "0", "+0.mvt", Coord{}, "y"},
		{"1e1", "0", "0.mvt", Coord{}, "z"},
		{"3", "0", "NaN.mvt", Coord{}, "y"},
	}
	for _, c := range cases {
		t.Run(c.z+"/"+c.x+"/"+c.y, func(t *testing.T) {
			got, err := ParseCoord(c.z, c.x, c.y)
			checkField(t, err, c.field)
			if c.field == "" && got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

// checkField asserts err is nil (field "") or an EINVALID naming field.
func checkField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	var ge *geo.Error
	if !errors.As(err, &ge) || ge.Code != geo.EINVALID || ge.Field != field {
		t.Fatalf("error %v, want invalid %s", err, field)
	}
}

func TestParseLayers(t *testing.T) {
	available := registry
	cases := []struct {
		in    string
		want  []string
		field string
		code  geo.ErrorCode
	}{
		{"grid", []string{"grid"}, "", ""},
		{"grid,district,grid", []string{"district", "grid"}, "", ""}, // drawing order, deduplicated
		{"enclave, street", []string{"street", "enclave"}, "", ""},
		{"", nil, "layers", geo.EINVALID},
		{"grids", nil, "layers", geo.EINVALID},
		{"grid,,district", nil, "layers", geo.EINVALID},
		{"grid;DROP TABLE unit", nil, "layers", geo.EINVALID},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := parseLayers(c.in, available)
			if c.field != "" {
				checkField(t, err, c.field)
				return
			}
			if err != nil || !reflect.DeepEqual(names(got), c.want) {
				t.Errorf("got %v, %v; want %v", names(got), err, c.want)
			}
		})
	}
	t.Run("a known layer not installed is not found", func(t *testing.T) {
		_, err := parseLayers("district,enclave", registry[:4])
		if geo.ErrorCodeOf(err) != geo.ENOTFOUND {
			t.Errorf("error %v, want not found", err)
		}
	})
}

func TestParseFilter(t *testing.T) {
	report := &Layer{Name: "report", Filters: filterNames}
	grid, _ := Lookup("grid")
	cst := time.FixedZone("CST", 8*3600)
	cases := []struct {
		name   string
		query  string
		layers []*Layer
		want   Filter
		field  string
	}{
		{"none", "", []*Layer{grid}, Filter{}, ""},
		{"cache buster", "v=42", []*Layer{grid}, Filter{}, ""},
		{"every filter", "category=C0101,C0111&state=accepted,reported&severity=4,2,4&since=2026-03-01&until=2026-04-01T00:00:00Z",
			[]*Layer{grid, report}, Filter{Category: []string{"C0101", "C0111"}, State: []string{"accepted", "reported"},
				Severity: []int{2, 4}, Since: time.Date(2026, 3, 1, 0, 0, 0, 0, cst),
				Until: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}, ""},
		{"open states", "state=open", []*Layer{report}, Filter{State: []string{"accepted", "dispatched",
			"handled", "reopened", "reported", "verified"}}, ""},
		{"unknown parameter", "colour=red", []*Layer{report}, Filter{}, "colour"},
		{"filter no layer takes", "severity=3", []*Layer{grid}, Filter{}, "severity"},
		{"unknown category", "category=Z9999", []*Layer{report}, Filter{}, "category"},
		{"injection in category", "category=C0101'--", []*Layer{report}, Filter{}, "category"},
		{"unknown state", "state=lost", []*Layer{report}, Filter{}, "state"},
		{"severity out of range", "severity=9", []*Layer{report}, Filter{}, "severity"},
		{"severity not a number", "severity=high", []*Layer{report}, Filter{}, "severity"},
		{"empty list item", "severity=1,,2", []*Layer{report}, Filter{}, "severity"},
		{"bad time", "since=yesterday", []*Layer{report}, Filter{}, "since"},
		{"until before since", "since=2026-03-02&until=2026-03-01", []*Layer{report}, Filter{}, "until"},
		{"repeated parameter", "state=closed&state=accepted", []*Layer{report}, Filter{}, "state"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := url.ParseQuery(c.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseFilter(q, c.layers)
			checkField(t, err, c.field)
			if c.field == "" && !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
	t.Run("equal filters have equal keys", func(t *testing.T) {
		a, _ := ParseFilter(url.Values{"severity": {"4,2"}, "state": {"closed"}}, []*Layer{report})
		b, _ := ParseFilter(url.Values{"state": {"closed"}, "severity": {"2,4,2"}}, []*Layer{report})
		if a.Key() != b.Key() || a.Key() == "" {
			t.Errorf("keys %q and %q", a.Key(), b.Key())
		}
		back, err := ParseFilter(a.Query(), []*Layer{report})
		if err != nil || !reflect.DeepEqual(back, a) {
			t.Errorf("Query does not round-trip: %+v, %v", back, err)
		}
	})
}

func TestCacheKey(t *testing.T) {
	district, _ := Lookup("district")
	grid, _ := Lookup("grid")
	v := Versions{"district": 3, "grid": 7, "microgrid": 1}
	key := func(z int, vv Versions) string {
		return cacheKey(Request{Layers: []*Layer{district, grid}, Coord: Coord{z, 1, 1}}, vv)
	}
	moved := Versions{"district": 3, "grid": 9, "microgrid": 1}
	if key(14, v) == key(14, moved) {
		t.Error("a grid edit does not change the key of a tile drawing grids")
	}
	if key(10, v) != key(10, moved) {
		t.Error("a grid edit changes the key of a z10 tile, where grids are not drawn")
	}
	t.Run("what the caller may see is part of the key", func(t *testing.T) {
		report, _ := Lookup("report")
		anonymous := Privacy{CoarsePoints: true, HideNames: true}
		scoped := Privacy{CoarsePoints: true, HideNames: true, ExceptWithin: "120102"}
		keys := map[string]string{}
		for _, c := range []struct {
			name   string
			filter Filter
		}{
			{"signed in", Filter{}},
			{"anonymous", Filter{Privacy: anonymous}},
			{"scoped", Filter{Privacy: scoped}},
			{"filtered, signed in", Filter{State: []string{"closed"}}},
			{"filtered, anonymous", Filter{State: []string{"closed"}, Privacy: anonymous}},
		} {
			k := cacheKey(Request{Layers: []*Layer{report}, Coord: Coord{14, 1, 1}, Filter: c.filter}, v)
			if other, ok := keys[k]; ok {
				t.Errorf("%s and %s share the key %q", c.name, other, k)
			}
			keys[k] = c.name
		}
	})
}
