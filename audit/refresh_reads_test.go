package audit_test

import (
	"context"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
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
	one := pgtest.OnePool(t, db)
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
			before := pgtest.Reads(t, one, "unit")
			var n int
			tx, err := one.Begin(ctx)
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
			// The rows it reads are those in its parents' boxes (by the
			// spatial index): in the small demo city, a good part of it.
			if read := pgtest.Reads(t, one, "unit").Since(before); read.SeqScans > 0 {
				t.Errorf("%d sequential scans of unit while refreshing %v (%d findings), want none", read.SeqScans, c.parents, n)
			}
		})
	}
}
