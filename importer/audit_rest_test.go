package importer

import (
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestErrorsAndCoverageInOneReport: a file with an error is still told
// the gaps and overlaps of its other features, and nothing is written (a
// newcomer fixed the errors only to be told of an overlap by the next
// upload).
func TestErrorsAndCoverageInOneReport(t *testing.T) {
	db := demotest.Open(t)
	before := fingerprint(t, db)
	fc := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Format: "geojson"}, "g.geojson"))
	overlapping := copyFeature(t, fc.Features[0])
	shift(overlapping, 0, -0.0005)
	broken := copyFeature(t, fc.Features[1])
	props(broken)["code"] = "12010400100x"
	file := (&testCollection{Type: "FeatureCollection", Features: []map[string]any{overlapping, broken}}).write(t, "f.geojson")
	for _, dryRun := range []bool{false, true} {
		t.Run(map[bool]string{false: "import", true: "dry run"}[dryRun], func(t *testing.T) {
			o := opts()
			o.DryRun = dryRun
			rep := mustImport(t, db, o, file)
			if rep.Committed || rep.Errors == 0 || len(issuesOf(rep, geo.IssueBadCode)) == 0 {
				t.Fatalf("the bad code is not an error: %+v", rep)
			}
			if len(issuesOf(rep, geo.IssueOverlap)[props(overlapping)["code"].(string)]) == 0 {
				t.Errorf("the overlap is not told beside the error: %v", rep.Issues)
			}
			if len(issuesOf(rep, geo.IssueCoverageChecks)) != 1 {
				t.Errorf("no note says what the checks covered: %v", rep.Issues)
			}
			if c := rep.Counts; c.Created+c.Changed+c.Unchanged+c.Retired != 0 {
				t.Errorf("a refused import counts writes: %+v", c)
			}
		})
	}
	if fingerprint(t, db) != before {
		t.Error("the database changed")
	}
}
