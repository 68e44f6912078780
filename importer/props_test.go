package importer

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestFileWithoutAColumnKeepsProperties: a file of boundaries alone (code
// and name, as a desktop tool's "export selected fields" makes it) leaves
// the stored units' other properties — households, grid worker, phone — as
// they were, and the report says which it kept; a column the file has
// replaces its value.
func TestFileWithoutAColumnKeepsProperties(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	fc := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Format: "geojson"}, "g.geojson"))
	first, second := props(fc.Features[0])["code"].(string), props(fc.Features[1])["code"].(string)
	stored := func(code string) map[string]any {
		u, err := db.GetUnit(ctx, code, time.Time{}) // now
		if err != nil {
			t.Fatal(err)
		}
		return u.Properties
	}
	before := stored(first)
	if len(before) == 0 {
		t.Fatalf("grid %s has no properties to keep", first)
	}
	for i, f := range fc.Features {
		p := props(f)
		slim := map[string]any{"code": p["code"], "name": p["name"]}
		if i == 1 {
			slim["households"] = 999 // a column the file has: it replaces the value
		}
		f["properties"] = slim
	}
	rep := mustImport(t, db, opts(), fc.write(t, "slim.geojson"))
	if !rep.Committed || rep.Errors != 0 || rep.Counts.Changed != 1 {
		t.Fatalf("import: committed %v, %+v; issues %v", rep.Committed, rep.Counts, rep.Issues)
	}
	if got := stored(first); !maps.Equal(mapStrings(got), mapStrings(before)) {
		t.Errorf("grid %s's properties %v, want them kept: %v", first, got, before)
	}
	if got := stored(second); mapStrings(got)["households"] != "999" || len(got) != len(before) {
		t.Errorf("grid %s's properties %v: want households 999 and the others kept", second, got)
	}
	i := slices.IndexFunc(rep.Issues, func(is geo.ImportIssue) bool { return is.Kind == geo.IssueKeptProperties })
	if i < 0 || rep.Issues[i].Severity != geo.SeverityNote || !strings.Contains(rep.Issues[i].Message, "households") {
		t.Errorf("no note of the kept properties: %v", rep.Issues)
	}
}

// mapStrings formats a property map's values, for comparing JSON numbers
// with the ints tests write.
func mapStrings(m map[string]any) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// TestChineseColumnsAreGridmapsProperties: a file's 户数, 网格员 and 电话
// columns are kept as households, grid_worker and phone, the names the
// panels, counts and privacy rules read, and the report says so once a
// column; a file with both spellings keeps both (a newcomer's walkthrough:
// 户数 became a property of its own and the panel kept the old count).
func TestChineseColumnsAreGridmapsProperties(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	fc := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Format: "geojson"}, "g.geojson"))
	cases := []struct {
		name  string
		attrs map[string]any
		want  map[string]string // stored property → value
		notes int
	}{
		{"Chinese columns", map[string]any{"户数": 999, "网格员": "李工", "电话": "13800000000"},
			map[string]string{"households": "999", "grid_worker": "李工", "phone": "13800000000"}, 3},
		{"both spellings", map[string]any{"户数": 888, "households": 777},
			map[string]string{"户数": "888", "households": "777"}, 0},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := fc.Features[i]
			p := props(f)
			attrs := map[string]any{"code": p["code"], "name": p["name"]}
			maps.Copy(attrs, c.attrs)
			f["properties"] = attrs
			one := &testCollection{Type: "FeatureCollection", Features: []map[string]any{f}}
			rep := mustImport(t, db, opts(), one.write(t, "one.geojson"))
			if !rep.Committed {
				t.Fatalf("not committed: %v", rep.Issues)
			}
			u, err := db.GetUnit(ctx, p["code"].(string), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			got := mapStrings(u.Properties)
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("property %s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
			if n := len(issuesOf(rep, geo.IssuePropertyNamed)[""]); n != c.notes {
				t.Errorf("%d notes of renamed columns, want %d: %v", n, c.notes, rep.Issues)
			}
		})
	}
}
