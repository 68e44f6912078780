package audit_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/demo/demotest"
)

// TestEditRefreshReadsOnlyItsParents: the audit refresh an edit runs for
// its parents at commit (gridmap_audit_store_dirty, which runs
// gridmap_audit_findings with a few codes) reads the units it checks by
// index, never the whole unit table, whatever the table's statistics say. Once ANALYZE had run, the planner hashed every current
// unit to find one parent's children: 308,000 rows and 200 ms of a 270 ms
// edit at province scale (a scale review; migration 026).
func TestEditRefreshReadsOnlyItsParents(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `ANALYZE unit`); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		parents []string
	}{
		{"a street", []string{"120104008"}},
		{"a community and its street", []string{"120104008002", "120104008"}},
		{"a district", []string{"120104"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := unitScans(t, conn)
			var n int
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM gridmap_audit_store_dirty($1)`, c.parents).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if err := tx.Rollback(ctx); err != nil {
				t.Fatal(err)
			}
			if after := unitScans(t, conn); after != before {
				t.Errorf("%d sequential scans of unit while refreshing %v (%d findings), want none", after-before, c.parents, n)
			}
		})
	}
}

// unitScans is how many sequential scans of unit the statistics count,
// once conn's own are in them.
func unitScans(t *testing.T, conn *pgxpool.Conn) int64 {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{`SELECT pg_stat_force_next_flush()`, `SELECT pg_stat_clear_snapshot()`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var n int64
	if err := conn.QueryRow(ctx, `SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'unit'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
