package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestRefreshPathsDoNotDeadlock (a review's finding): the commit's refresh
// (gridmap_audit_refresh) and an edit's (gridmap_audit_store_dirty) of one
// parent, queued behind a third holder of the parent's lock, both finish
// when it lets go. Migration 018 first recorded the refresh time before
// taking the parent's lock on one path and after it on the other, and the
// two deadlocked (40P01).
func TestRefreshPathsDoNotDeadlock(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	const parent = "120104"
	hold, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback(ctx)
	if _, err := hold.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('gridmap audit/' || $1, 0))`, parent); err != nil {
		t.Fatal(err)
	}
	refresh := func(sql string) chan error {
		done := make(chan error, 1)
		go func() {
			tx, err := db.Pool.Begin(ctx)
			if err == nil {
				if _, err = tx.Exec(ctx, sql, []string{parent}); err == nil {
					err = tx.Commit(ctx)
				} else {
					_ = tx.Rollback(ctx)
				}
			}
			done <- err
		}()
		return done
	}
	// The edit's first, then the commit's, each waiting on the lock before
	// the next starts: the order that deadlocked.
	edit := refresh(`SELECT count(*) FROM gridmap_audit_store_dirty($1)`)
	waitBlocked(t, db.Pool, "gridmap_audit_store_dirty")
	commit := refresh(`SELECT gridmap_audit_refresh($1)`)
	waitBlocked(t, db.Pool, "gridmap_audit_refresh")
	if err := hold.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for name, done := range map[string]chan error{"the edit's refresh": edit, "the commit's refresh": commit} {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("%s did not finish", name)
		}
	}
}

// waitBlocked waits until a session running a query that names fn waits
// for a lock.
func waitBlocked(t *testing.T, pool *pgxpool.Pool, fn string) {
	t.Helper()
	select {
	case <-whenBlocked(t.Context(), pool, fn):
	case <-time.After(10 * time.Second):
		t.Fatalf("no session running %s waits for a lock", fn)
	}
}

// whenBlocked is closed once another session running a query that names
// fn waits for a lock (never, if none does within 10 s or before ctx ends).
func whenBlocked(ctx context.Context, pool *pgxpool.Pool, fn string) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(20 * time.Millisecond) {
			var n int
			err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()`, fn).Scan(&n)
			if err == nil && n > 0 {
				close(done)
				return
			}
		}
	}()
	return done
}
