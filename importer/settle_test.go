package importer

import (
	"fmt"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestCommitWorkThatLostARaceRunsAgain: an import's commit work (the audit
// it left to its commit, the data version, the stamps) that loses a race
// (the audit's 40001 when an overlap across a parent it had not foreseen
// meets that parent's lock taken, migration 032) runs again in its
// savepoint, by the command line and by a job: the import commits, once.
// It failed the whole import, which had been applied by then.
func TestCommitWorkThatLostARaceRunsAgain(t *testing.T) {
	db := demotest.Open(t)
	ctx := t.Context()
	// gridmap_commit_pending loses its first call of each import with work
	// to do, then does the work (a call with none, the deferred trigger's
	// at COMMIT after it, passes through).
	for _, q := range []string{
		`CREATE SEQUENCE commit_tries`,
		`ALTER FUNCTION gridmap_commit_pending() RENAME TO gridmap_commit_pending_once`,
		`CREATE FUNCTION gridmap_commit_pending() RETURNS bigint LANGUAGE plpgsql AS $$
		 BEGIN
		   IF EXISTS (SELECT 1 FROM data_change WHERE xid = pg_current_xact_id() AND version IS NULL)
		      AND nextval('commit_tries') % 2 = 1 THEN
		     RAISE EXCEPTION 'a lost race, for the test' USING ERRCODE = 'serialization_failure';
		   END IF;
		   RETURN gridmap_commit_pending_once();
		 END $$`,
	} {
		if _, err := db.Pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	fc := readCollection(t, exportFile(t, db, ExportOptions{Under: testStreet, Format: "geojson"}, "street.geojson"))
	code := props(fc.Features[0])["code"].(string)
	jobs := &Jobs{Pool: db.Pool, Base: ctx, Space: &Space{Dir: t.TempDir()}}
	defer jobs.Wait()
	runs := []struct {
		name string
		run  func(file string) (*geo.ImportReport, error)
	}{
		{"the command line", func(file string) (*geo.ImportReport, error) { return Run(ctx, db.Pool, []string{file}, opts(), 0, nil) }},
		{"a job", func(file string) (*geo.ImportReport, error) {
			id, err := jobs.Create(ctx, "renamed.geojson", opts(), geo.JobRunning)
			if err != nil {
				return nil, err
			}
			return jobs.RunJob(ctx, id, []string{file}, opts(), nil)
		}},
	}
	for i, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			name := fmt.Sprintf("改名 %d", i)
			props(fc.Features[0])["name"] = name
			var before int64
			if err := db.Pool.QueryRow(ctx, `SELECT version FROM data_head`).Scan(&before); err != nil {
				t.Fatal(err)
			}
			rep, err := r.run(fc.write(t, "renamed.geojson"))
			if err != nil || !rep.Committed || rep.Counts.Changed != 1 {
				t.Fatalf("the import: %v (committed %v, %+v)", err, rep != nil && rep.Committed, rep)
			}
			var stored string
			var after, tries int64
			if err := db.Pool.QueryRow(ctx, `SELECT (SELECT name FROM unit WHERE code = $1 AND valid_to IS NULL),
				(SELECT version FROM data_head), (SELECT last_value FROM commit_tries)`, code).Scan(&stored, &after, &tries); err != nil {
				t.Fatal(err)
			}
			if stored != name || after != before+1 || tries != int64(2*(i+1)) {
				t.Errorf("after the import: %s named %q, data version %d → %d, commit work run %d times in all; want %q, one version, twice an import",
					code, stored, before, after, tries, name)
			}
		})
	}
}
