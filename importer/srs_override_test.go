package importer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
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

// TestCRSNotesOfTheirKind: each file-level note about the coordinate system
// has its own kind. The datum-shift warning of a Xian 1980 file was filed
// as srs_overridden with no srs option given (a review), and before that as
// out_of_range.
func TestCRSNotesOfTheirKind(t *testing.T) {
	db := demotest.Open(t)
	cases := []struct {
		name     string
		override string
		declared declaredCRS
		want     []geo.IssueKind
	}{
		{"the file's own WGS-84", "", declaredCRS{SRID: 4326, From: ".prj"}, nil},
		{"an override of the file's", "wgs84", declaredCRS{SRID: 4326, From: ".prj"}, []geo.IssueKind{geo.IssueSRSOverridden}},
		{"a Xian 1980 file", "", declaredCRS{SRID: 2327, From: ".prj"}, []geo.IssueKind{geo.IssueDatumShift}},
		{"Xian 1980 by the option, over the file's", "EPSG:2327", declaredCRS{SRID: 4326, From: ".prj"},
			[]geo.IssueKind{geo.IssueSRSOverridden, geo.IssueDatumShift}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, notes, err := resolveCRS(context.Background(), db.Pool, c.override, c.declared)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []geo.IssueKind
			for _, n := range notes {
				kinds = append(kinds, n.Kind)
				if n.Severity != geo.SeverityWarning || n.Index != -1 {
					t.Errorf("note %+v: want a file-level warning", n)
				}
			}
			if !slices.Equal(kinds, c.want) {
				t.Errorf("notes of kinds %v, want %v", kinds, c.want)
			}
		})
	}
}
