package audit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridmap-dev/gridmap/demo"
)

// TestAnOverlapNotForeseenIsNotWaitedFor (the stress test's deadlock): a
// refresh finds an overlap across a parent it had not foreseen, because the
// overlap was committed while it waited for its locks. It used to wait for
// that parent's lock while holding its own, and a refresh of the other
// parent, holding that one and asking for this one's, deadlocked with it
// (40P01 after a second). Now it fails at once as a serialization failure
// (40001: edits and imports run it again), the other refresh goes on, and
// the refresh run again foresees the overlap and stores it.
func TestAnOverlapNotForeseenIsNotWaitedFor(t *testing.T) {
	c := newStrayCase(t)
	ctx := context.Background()
	home, other := c.home, demo.BaihechuntianCode
	begin := func(sql string, args ...any) pgx.Tx {
		t.Helper()
		tx, err := c.db.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tx.Rollback(ctx) })
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	// The whole audit's lock, held: home's refresh foresees, then waits.
	whole := begin(`SELECT pg_advisory_xact_lock(7453301562447230297)`)
	refreshed := make(chan error, 1)
	go func() { refreshed <- refreshOnce(ctx, c, home) }()
	waitBlocked(t, c.db.Pool, "gridmap_audit_store")

	// Meanwhile the stray grid is committed under home, over other's grid,
	// with no audit work of its own (it would wait for the whole audit).
	stray := begin(`INSERT INTO unit (code, level, name, parent_code, geom, version, valid_from, created_by)
		VALUES ($1, 'grid', '越界网格', $2, ST_GeomFromWKB($3, 4326), 1, now(), 'test')`, c.stray, home, wkbOf(t, c.inside))
	if _, err := stray.Exec(ctx, `DELETE FROM audit_dirty WHERE xid = pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	if err := stray.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// A refresh of other's side holds other's lock, and will ask for home's.
	otherSide := begin(`SELECT pg_advisory_xact_lock(hashtextextended('gridmap audit/' || $1, 0))`, other)
	if err := whole.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	var refreshErr error
	select {
	case refreshErr = <-refreshed: // it did not wait
	case <-whenBlocked(ctx, c, "gridmap_audit_store"):
		t.Log("home's refresh waits for other's lock") // the old way: other's ask for home's now deadlocks
	}
	if _, err := otherSide.Exec(ctx, `SET LOCAL lock_timeout = '10s'`); err != nil {
		t.Fatal(err)
	}
	if _, err := otherSide.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('gridmap audit/' || $1, 0))`, home); err != nil {
		t.Errorf("other's refresh asking for home's lock: %v", err)
	}
	_ = otherSide.Rollback(ctx)
	if refreshErr == nil {
		refreshErr = <-refreshed
	}
	var pe *pgconn.PgError
	if !errors.As(refreshErr, &pe) || pe.Code != "40001" {
		t.Fatalf("home's refresh: %v, want a serialization failure (40001)", refreshErr)
	}
	t.Logf("home's refresh: %s", pe.Message)

	if err := refreshOnce(ctx, c, home); err != nil {
		t.Fatalf("home's refresh run again: %v", err)
	}
	var n int
	if err := c.db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_finding WHERE kind = 'overlap' AND $1 = ANY(codes) AND parent_codes @> $2`,
		c.stray, []string{home, other}).Scan(&n); err != nil || n != 1 {
		t.Errorf("overlaps of the stray grid stored across %s and %s: %d (%v), want 1", home, other, n, err)
	}
}

// refreshOnce refreshes parent's stored audit in a transaction of its own.
func refreshOnce(ctx context.Context, c *strayCase, parent string) error {
	tx, err := c.db.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT count(*) FROM gridmap_audit_store($1)`, []string{parent}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// whenBlocked is closed once a session running a query that names fn
// waits for a lock (never, if none does within 10 s).
func whenBlocked(ctx context.Context, c *strayCase, fn string) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if n, err := blockedOn(ctx, c.db.Pool, fn); err == nil && n > 0 {
				close(done)
				return
			}
		}
	}()
	return done
}
