package importer

import (
	"context"
	"errors"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestImportAndTopologyEditTakeTurns: an import that retires two
// communities and a merge of the same two run one after the other, never
// interleaved, whichever starts first. Before, they interleaved: with the
// merge half-way, the import deadlocked with it and failed (this test,
// every time), and an import committed between a merge's read and its
// write could be undone by it (the retired community revived). A
// transaction holding a community's row (FOR SHARE, as a single edit
// creating a child does) stops the first of the two half-way while the
// second arrives.
func TestImportAndTopologyEditTakeTurns(t *testing.T) {
	cases := []struct {
		name       string
		mergeFirst bool
		retired    int  // communities the import retires
		mergeFails bool // the merge finds a community retired
	}{
		{"an import under way holds a merge back", false, 2, true},
		{"a merge under way holds an import back", true, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := demotest.Open(t)
			ctx := context.Background()
			file := exportFile(t, db, ExportOptions{Under: testStreet, Format: "geojson"}, "street.geojson")
			a, b := twoCommunitiesAfter(t, db)
			hold := standIn(t, db, `SELECT 1 FROM unit WHERE code = '`+b+`' AND valid_to IS NULL FOR SHARE`) // as a child's creation holds its parent
			o := opts()
			o.RetireMissing, o.Scope = true, testStreet
			var rep *geo.ImportReport
			importDone, mergeDone := make(chan error, 1), make(chan error, 1)
			runImport := func() {
				var err error
				rep, err = Run(ctx, db.Pool, []string{file}, o, 0, nil)
				importDone <- err
			}
			runMerge := func() {
				_, err := db.MergeUnits(ctx, "test", geo.UnitMerge{Codes: []string{a, b}})
				mergeDone <- err
			}
			first, second := runImport, runMerge
			if c.mergeFirst {
				first, second = runMerge, runImport
			}
			go first()
			pgtest.WaitForLockWaits(t, db, 1) // the first waits for the held row
			go second()
			pgtest.WaitForLockWaits(t, db, 2) // the second waits for the first
			if err := hold.Rollback(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-importDone; err != nil || rep.Errors != 0 || rep.Counts.Retired != c.retired {
				t.Errorf("the import: %v, %d errors, %d retired (want %d): %.3v", err, rep.Errors, rep.Counts.Retired, c.retired, rep.Issues)
			}
			err := <-mergeDone
			var ge *geo.Error
			if c.mergeFails != (errors.As(err, &ge) && ge.Code == geo.ENOTFOUND) || !c.mergeFails && err != nil {
				t.Errorf("the merge: %v, want it to fail for a retired community: %v", err, c.mergeFails)
			}
			if current := currentOf(t, db, a, b); current != 0 {
				t.Errorf("%d of the communities the file lacks are current after the import", current)
			}
		})
	}
}

// twoCommunitiesAfter creates two touching communities under testStreet,
// which a file exported before lacks.
func twoCommunitiesAfter(t *testing.T, db *postgres.DB) (string, string) {
	t.Helper()
	a, b := testStreet+"901", testStreet+"902"
	for i, code := range []string{a, b} {
		x := 117.5 + 0.01*float64(i)
		square := orb.MultiPolygon{{{{x, 39.5}, {x + 0.01, 39.5}, {x + 0.01, 39.51}, {x, 39.51}, {x, 39.5}}}}
		u := geo.Unit{Code: code, Level: geo.Community, Name: "新社区", ParentCode: testStreet, Geom: square}
		if _, err := db.CreateUnit(context.Background(), "test", u); err != nil {
			t.Fatal(err)
		}
	}
	return a, b
}
