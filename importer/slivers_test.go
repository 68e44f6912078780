package importer

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestSliversTellTheImportsFromOlder moves a grid by 0.3 m, which leaves
// hairline slivers beside it, and then imports its siblings: the slivers
// are the first import's warnings, and a later import under the same
// community tells them as older notes (a newcomer's walkthrough: every
// import under a parent repeated its old slivers as its own warnings).
func TestSliversTellTheImportsFromOlder(t *testing.T) {
	db := demotest.Open(t)
	fc := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Format: "geojson"}, "g.geojson"))
	moved := copyFeature(t, fc.Features[0])
	shift(moved, 0, 0.3/111_000)
	community := props(moved)["parent_code"].(string)
	far := farthestSibling(t, fc, moved)
	renamed := copyFeature(t, far)
	props(renamed)["name"] = props(renamed)["name"].(string) + "（更名）"
	write := func(fs ...map[string]any) string {
		return (&testCollection{Type: "FeatureCollection", Features: fs}).write(t, "f.geojson")
	}
	first := mustImport(t, db, opts(), write(moved))
	if !first.Committed || !hasSliver(first, community, geo.SeverityWarning) {
		t.Fatalf("the move's slivers are not its warnings: %+v", first.Issues)
	}
	cases := []struct {
		name string
		file string
	}{
		{"a sibling far away, renamed", write(renamed)},
		{"a sibling as stored", write(far)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := opts()
			o.DryRun = true
			rep := mustImport(t, db, o, c.file)
			if hasSliver(rep, community, geo.SeverityWarning) || !hasSliver(rep, community, geo.SeverityNote) {
				t.Errorf("the older slivers are not told as notes: %+v", rep.Issues)
			}
		})
	}
	t.Run("a strict import is not held by older slivers", func(t *testing.T) {
		o := opts()
		o.Strict = true
		if rep := mustImport(t, db, o, write(renamed)); !rep.Committed || rep.Warnings != 0 {
			t.Errorf("not committed: %+v", rep.Issues)
		}
	})
	t.Run("the moved grid renamed", func(t *testing.T) {
		renamed := copyFeature(t, moved)
		props(renamed)["name"] = props(renamed)["name"].(string) + "（更名）"
		o := opts()
		o.DryRun = true
		if rep := mustImport(t, db, o, write(renamed)); hasSliver(rep, community, geo.SeverityWarning) {
			t.Errorf("a new name made slivers: %+v", rep.Issues)
		}
	})
	t.Run("the moved grid moved again", func(t *testing.T) {
		again := copyFeature(t, moved)
		shift(again, 0, 0.3/111_000)
		o := opts()
		o.DryRun = true
		if rep := mustImport(t, db, o, write(again)); !hasSliver(rep, community, geo.SeverityWarning) {
			t.Errorf("the slivers beside a unit the file redraws are not its warnings: %+v", rep.Issues)
		}
	})
}

func hasSliver(rep *geo.ImportReport, parent string, sev geo.Severity) bool {
	for _, is := range issuesOf(rep, geo.IssueSliver)[parent] {
		if is.Severity == sev && (sev == geo.SeverityWarning) != strings.Contains(is.Message, "there before") {
			return true
		}
	}
	return false
}

func copyFeature(t *testing.T, f map[string]any) map[string]any {
	t.Helper()
	var c map[string]any
	b, _ := json.Marshal(f)
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// farthestSibling is the grid of f's parent whose first vertex lies
// farthest from f's.
func farthestSibling(t *testing.T, fc *testCollection, f map[string]any) map[string]any {
	t.Helper()
	x, y := firstVertex(f)
	var best map[string]any
	bestD := -1.0
	for _, s := range fc.Features {
		if props(s)["parent_code"] != props(f)["parent_code"] || props(s)["code"] == props(f)["code"] {
			continue
		}
		sx, sy := firstVertex(s)
		if d := math.Hypot(sx-x, sy-y); d > bestD {
			best, bestD = s, d
		}
	}
	if best == nil {
		t.Fatal("the grid has no sibling")
	}
	return best
}

func firstVertex(f map[string]any) (float64, float64) {
	p := f["geometry"].(map[string]any)["coordinates"].([]any)[0].([]any)[0].([]any)[0].([]any)
	return p[0].(float64), p[1].(float64)
}
