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
