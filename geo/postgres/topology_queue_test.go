package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestEditsPassAWaitingTopologyEdit: while an import holds the topology
// lock shared, a merge waiting for it does not hold back a single edit of
// another street: the merge steps out of the lock's queue between short
// tries, and takes the lock once the import is done. Queued in the lock's
// queue for good, it held every single edit of the city for the import's
// length (a review: an edit still waiting after 2 s). A transaction
// holding the lock shared stands in for the import.
func TestEditsPassAWaitingTopologyEdit(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	importing, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer importing.Rollback(ctx)
	if _, err := importing.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(hashtextextended('gridmap topology', 0))`); err != nil {
		t.Fatal(err)
	}
	merged := make(chan error, 1)
	go func() {
		_, err := db.MergeUnits(ctx, "test", geo.UnitMerge{Codes: []string{"120104001001001", "120104001001002"}})
		merged <- err
	}()
	pgtest.WaitForLockWait(t, db) // the merge asks for the lock
	grid, err := db.GetUnit(ctx, "120104008002001", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	grid.Name = "改名网格"
	editCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := db.EditUnit(editCtx, "test", grid, grid.Version); err != nil {
		t.Fatalf("an edit of another street while the merge waits: %v", err)
	}
	select {
	case err := <-merged:
		t.Fatalf("the merge ended before the import: %v", err)
	default:
	}
	if err := importing.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-merged; err != nil {
		t.Errorf("the merge, once the import was done: %v", err)
	}
}
