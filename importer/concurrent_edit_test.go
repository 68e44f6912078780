package importer

import (
	"context"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestImportKeepsAnEditCommittedMeanwhile: an import of a file without a
// households column, renaming a grid, keeps the households an edit of the
// grid committed while the import waited for it. An attacker saw the edit
// answered 200 and then undone (5 runs of 6): the import copied the
// properties its file lacks from the version it read before it locked the
// rows it closes, and wrote them over the edit's. A transaction stands in
// for the edit: it has written the grid's next version and holds the row
// it closed until it commits.
func TestImportKeepsAnEditCommittedMeanwhile(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	const grid = testStreet + "001001"
	fc := readCollection(t, exportFile(t, db, ExportOptions{Under: testStreet, Format: "geojson"}, "street.geojson"))
	for _, f := range fc.Features {
		props := f["properties"].(map[string]any)
		delete(props, "households")
		if props["code"] == grid {
			props["name"] = "改名网格"
		}
	}
	file := fc.write(t, "renamed.geojson")
	edit := standIn(t, db,
		`UPDATE unit SET valid_to = clock_timestamp() WHERE code = '`+grid+`' AND valid_to IS NULL`,
		`INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
		 SELECT code, level, name, parent_code, geom, properties || '{"households": 4242}', version + 1, clock_timestamp(), 'test'
		 FROM unit WHERE code = '`+grid+`' ORDER BY version DESC LIMIT 1`)
	wait := startImport(db, file, opts())
	pgtest.WaitForLockWait(t, db) // the import waits for the edit's row
	if err := edit.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := wait(); err != nil || rep.Errors != 0 || rep.Counts.Changed != 1 {
		t.Fatalf("the import: %v, %d errors, %d changed, want the one renamed", err, rep.Errors, rep.Counts.Changed)
	}
	var name, households string
	if err := db.Pool.QueryRow(ctx, `SELECT name, properties->>'households' FROM unit WHERE code = $1 AND valid_to IS NULL`, grid).Scan(&name, &households); err != nil {
		t.Fatal(err)
	}
	if name != "改名网格" || households != "4242" {
		t.Errorf("the grid is %s with %s households; want the file's name and the edit's 4242 households", name, households)
	}
}

// TestImportOvertakenByACreation: a code the file creates (retired in the
// database), created by another writer while the import writes it, is
// compared with the file again and changed, not written a second time: the
// import waited on the creation's version and failed on the unique index
// of current versions, whole, "see the server log" (an attacker re-posting
// a grid during imports, 3 imports of 3). A transaction stands in for the
// creation.
func TestImportOvertakenByACreation(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	const grid = testStreet + "001001"
	file := exportFile(t, db, ExportOptions{Under: testStreet, Format: "geojson"}, "street.geojson")
	if _, err := db.Pool.Exec(ctx, `UPDATE unit SET valid_to = clock_timestamp() WHERE code = $1 AND valid_to IS NULL`, grid); err != nil {
		t.Fatal(err)
	}
	creation := standIn(t, db,
		`INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
		 SELECT code, level, '新建网格', parent_code, geom, properties, version + 1, clock_timestamp(), 'test'
		 FROM unit WHERE code = '`+grid+`' ORDER BY version DESC LIMIT 1`)
	wait := startImport(db, file, opts())
	pgtest.WaitForLockWait(t, db) // the import's version waits for the creation's
	if err := creation.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := wait(); err != nil || rep.Errors != 0 || rep.Counts.Changed != 1 || rep.Counts.Created != 0 {
		t.Fatalf("the import: %v, %d errors, %d changed, %d created; want the grid changed back", err, rep.Errors, rep.Counts.Changed, rep.Counts.Created)
	}
	var name string
	var current int
	if err := db.Pool.QueryRow(ctx, `SELECT max(name), count(*) FROM unit WHERE code = $1 AND valid_to IS NULL`, grid).Scan(&name, &current); err != nil {
		t.Fatal(err)
	}
	if current != 1 || name == "新建网格" {
		t.Errorf("%d current versions of the grid, named %s; want one, the file's", current, name)
	}
}

// TestImportOfARevokedTokenCommitsNothing: an import whose token was
// revoked while it queued or ran commits nothing, and its job says why;
// one of the command line (no token) and one of a valid token commit. An
// attacker saw a queued import commit 20 s after its token's revocation,
// which every server refuses within 10 s.
func TestImportOfARevokedTokenCommitsNothing(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	fc := readCollection(t, exportFile(t, db, ExportOptions{Under: testStreet, Format: "geojson"}, "street.geojson"))
	fc.Features[0]["properties"].(map[string]any)["name"] = "改名"
	file := fc.write(t, "renamed.geojson")
	cases := []struct {
		name      string
		token     bool
		revoked   bool
		committed bool
	}{
		{"the command line", false, false, true},
		{"a valid token", true, false, true},
		{"a token revoked after the upload", true, true, false},
		{"a token expired after the upload", true, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := opts()
			if c.token {
				if err := db.Pool.QueryRow(ctx, `INSERT INTO api_token (hash, name, role, created_by, expires_at)
					VALUES (sha256(convert_to($1, 'UTF8')), $1, 'editor', 'test', now() + interval '1 hour') RETURNING id`, c.name).Scan(&o.TokenID); err != nil {
					t.Fatal(err)
				}
			}
			jobs := &Jobs{Pool: db.Pool, Base: ctx}
			id, err := jobs.Create(ctx, "renamed.geojson", o, geo.JobRunning)
			if err != nil {
				t.Fatal(err)
			}
			if !c.committed { // revoked, or expired
				q := `UPDATE api_token SET expires_at = now() WHERE id = $1`
				if c.revoked {
					q = `UPDATE api_token SET revoked_at = now() WHERE id = $1`
				}
				if _, err := db.Pool.Exec(ctx, q, o.TokenID); err != nil {
					t.Fatal(err)
				}
			}
			before := fingerprint(t, db)
			rep, err := jobs.RunJob(ctx, id, []string{file}, o, nil)
			job, gerr := jobs.Job(ctx, id)
			if gerr != nil {
				t.Fatal(gerr)
			}
			committed := err == nil && rep.Committed
			if committed != c.committed || !c.committed && (job.Status != geo.JobFailed || !strings.Contains(job.Error, "revoked or expired") || fingerprint(t, db) != before) {
				t.Errorf("committed %v (%v); job %s: %s", committed, err, job.Status, job.Error)
			}
		})
	}
}

// TestImportOutlivesADeadlock: an import the database fails to break a
// deadlock with is applied again from its savepoint, after the other
// writer, instead of failing whole. It locks the versions it closes in the
// order of their codes; a writer holding one with a later code (FOR SHARE,
// as a child's creation holds its parent) and then closing one with an
// earlier code waits for the import, which waits for it. (Single edits
// hold a parent, whose code comes first, before its child: the order the
// import keeps.) A transaction stands in for the other writer.
func TestImportOutlivesADeadlock(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	const grid = testStreet + "001001"
	file := exportFile(t, db, ExportOptions{Under: testStreet, Format: "geojson"}, "street.geojson")
	community := newCommunityAfter(t, db)
	edit := standIn(t, db, `SELECT 1 FROM unit WHERE code = '`+community+`' AND valid_to IS NULL FOR SHARE`)
	o := opts()
	o.RetireMissing, o.Scope = true, testStreet
	wait := startImport(db, file, o)
	pgtest.WaitForLockWait(t, db) // the import holds the file's grids and waits for the community
	_, editErr := edit.Exec(ctx, `UPDATE unit SET valid_to = clock_timestamp() WHERE code = $1 AND valid_to IS NULL`, grid)
	t.Logf("the edit: %v", editErr) // nil when the import was the one failed
	if editErr == nil {
		if err := edit.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	} else if err := edit.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := wait(); err != nil || rep.Errors != 0 || !rep.Committed {
		t.Fatalf("the import: %v (%d errors)", err, rep.Errors)
	}
	if current := currentOf(t, db, grid, community); current != 1 {
		t.Errorf("%d of the grid and the retired community current, want the grid alone", current)
	}
}
