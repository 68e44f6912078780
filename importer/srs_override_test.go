package importer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestSRSOptionOverridesTheFile: the srs option replaces the coordinate
// system a file declares, and the report says so as what it is — not as
// coordinates out of range, which the console showed as "the coordinates
// do not fit the declared system".
func TestSRSOptionOverridesTheFile(t *testing.T) {
	db := demotest.Open(t)
	fc := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Format: "geojson"}, "g.geojson"))
	declared := struct {
		testCollection
		CRS map[string]any `json:"crs"`
	}{*fc, map[string]any{"type": "name", "properties": map[string]any{"name": "urn:ogc:def:crs:EPSG::4326"}}}
	b, err := json.Marshal(declared)
	if err != nil {
		t.Fatal(err)
	}
	withCRS := filepath.Join(t.TempDir(), "declared.geojson")
	if err := os.WriteFile(withCRS, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, srs string
		told      int
	}{{"the option given", "wgs84", 1}, {"no option", "", 0}} {
		t.Run(c.name, func(t *testing.T) {
			o := opts()
			o.SRS, o.DryRun = c.srs, true
			rep := mustImport(t, db, o, withCRS)
			told := issuesOf(rep, geo.IssueSRSOverridden)[""]
			if len(told) != c.told || len(issuesOf(rep, geo.IssueOutOfRange)) != 0 || rep.Errors != 0 {
				t.Fatalf("%d srs_overridden, issues %v", len(told), rep.Issues)
			}
			if c.told > 0 && (told[0].Severity != geo.SeverityWarning || told[0].Index != -1) {
				t.Errorf("told as %+v, want a file-level warning", told[0])
			}
		})
	}
}
