package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestEditOutlivesADeadlock: an edit the database fails to break a
// deadlock (40P01) is run again, and answers as if nothing had happened:
// nothing it did was written. Edits of different units meet at the audit's
// locks of their parents, taken at commit in an order none can know before
// (an attacker editing five neighbouring grids at once saw 40 of 250 edits
// answered 503). A transaction holding the grid's community's audit lock,
// then asking for the grid's own lock, stands in for the other edit.
func TestEditOutlivesADeadlock(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	const grid, community = "120104001001001", "120104001001"
	u, err := db.GetUnit(ctx, grid, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(ctx)
	if _, err := other.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('gridmap audit/' || $1, 0))`, community); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		u.Name = "改名网格"
		_, err := db.EditUnit(ctx, "test", u, u.Version)
		done <- err
	}()
	pgtest.WaitForLockWait(t, db) // the edit's commit waits for the community's audit lock
	_, otherErr := other.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('unit/' || $1, 0))`, grid)
	t.Logf("the other transaction: %v", otherErr) // nil when the edit was the one failed
	if err := other.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the edit: %v", err)
	}
	if got, err := db.GetUnit(ctx, grid, time.Time{}); err != nil || got.Name != "改名网格" || got.Version != u.Version+1 {
		t.Errorf("after the edit: %s v%d (%v)", got.Name, got.Version, err)
	}
}
