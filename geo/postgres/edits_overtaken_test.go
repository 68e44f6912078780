package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestEditsOvertakenByAnImport: an import takes no code's lock, so it may
// close the version a revision or retirement has checked while that edit
// waits for the row. The edit is then told the 412 its If-Match check
// would have told. A stress test saw a retirement answer 404 "not found"
// (its close skipped the row the import had closed); a revision found no
// current version to close and inserted one beside the import's (the
// unique index answered 409), or revived a code the import retired. A
// transaction stands in for the import: it closes the unit's current
// version, and replaces it or not, while the edit waits.
func TestEditsOvertakenByAnImport(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	if _, err := db.CreateUnit(ctx, "test", geo.Unit{Code: "139903", Level: geo.District, Name: "测试区", Geom: square(118, 38, 1)}); err != nil {
		t.Fatal(err)
	}
	edits := []struct {
		name string
		edit func(u geo.Unit) error
	}{
		{"a revision", func(u geo.Unit) error {
			u.Name = "改名"
			_, err := db.EditUnit(ctx, "editor", u, u.Version)
			return err
		}},
		{"a retirement", func(u geo.Unit) error {
			_, err := db.RetireUnit(ctx, "editor", u.Code, u.Version)
			return err
		}},
	}
	imports := []struct {
		name, sql, says string
	}{
		{"changed", `WITH old AS (UPDATE unit SET valid_to = clock_timestamp() WHERE code = $1 AND valid_to IS NULL RETURNING *)
			INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
			SELECT code, level, name || '（导入）', parent_code, geom, properties, version + 1, valid_to, 'import' FROM old`, "someone else saved it"},
		{"retired", `UPDATE unit SET valid_to = clock_timestamp() WHERE code = $1 AND valid_to IS NULL`, "has been retired"},
	}
	for _, e := range edits {
		for _, im := range imports {
			t.Run(e.name+" of a unit an import "+im.name, func(t *testing.T) {
				u := reviveUnit(t, db, "139903")
				imp, err := db.Pool.Begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer imp.Rollback(ctx)
				if _, err := imp.Exec(ctx, im.sql, u.Code); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- e.edit(u) }()
				pgtest.WaitForLockWait(t, db)
				if err := imp.Commit(ctx); err != nil {
					t.Fatal(err)
				}
				err = <-done
				if geo.ErrorCodeOf(err) != geo.EPRECONDITION || !strings.Contains(err.Error(), im.says) {
					t.Errorf("the edit: %v; want the 412 saying %q", err, im.says)
				}
				var current int
				if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM unit WHERE code = $1 AND valid_to IS NULL AND created_by = 'editor'`,
					u.Code).Scan(&current); err != nil || current != 0 {
					t.Errorf("%d current versions written by the edit (%v)", current, err)
				}
			})
		}
	}
}

// reviveUnit makes code current again if a case retired it, and returns it.
func reviveUnit(t *testing.T, db *postgres.DB, code string) geo.Unit {
	t.Helper()
	ctx := context.Background()
	u, err := db.GetUnit(ctx, code, time.Time{})
	if geo.ErrorCodeOf(err) == geo.ENOTFOUND {
		if _, err = db.CreateUnit(ctx, "test", geo.Unit{Code: code, Level: geo.District, Name: "测试区", Geom: square(118, 38, 1)}); err == nil {
			u, err = db.GetUnit(ctx, code, time.Time{})
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return u
}
