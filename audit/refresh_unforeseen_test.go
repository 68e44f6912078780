package audit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
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
	ctx := t.Context()
	home, other := c.home, demo.BaihechuntianCode
	// The whole audit's lock, held: home's refresh foresees, then waits.
	whole := begin(t, c, `SELECT pg_advisory_xact_lock(7453301562447230297)`)
	refreshed := make(chan error, 1)
	go func() { refreshed <- refreshOnce(ctx, c, home) }()
	waitBlocked(t, c.db.Pool, "gridmap_audit_store")

	// Meanwhile the stray grid is committed under home, over other's grid,
	// with no audit work of its own (it would wait for the whole audit).
	stray := begin(t, c, `INSERT INTO unit (code, level, name, parent_code, geom, version, valid_from, created_by)
		VALUES ($1, 'grid', '越界网格', $2, ST_GeomFromWKB($3, 4326), 1, now(), 'test')`, c.stray, home, wkbOf(t, c.inside))
	if _, err := stray.Exec(ctx, `DELETE FROM audit_dirty WHERE xid = pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	if err := stray.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// A refresh of other's side holds other's lock, and will ask for home's.
	otherSide := begin(t, c, lockAuditSQL, other)
	if err := whole.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	var refreshErr error
	select {
	case refreshErr = <-refreshed: // it did not wait
	case <-whenBlocked(ctx, c.db.Pool, "gridmap_audit_store"):
		t.Log("home's refresh waits for other's lock") // the old way: other's ask for home's now deadlocks
	}
	if _, err := otherSide.Exec(ctx, `SET LOCAL lock_timeout = '10s'`); err != nil {
		t.Fatal(err)
	}
	if _, err := otherSide.Exec(ctx, lockAuditSQL, home); err != nil {
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

	// Run again, it foresees the overlap: it waits for other's lock in order.
	refreshWaitsFor(t, c, home, other)
}

// TestAnOverlapAnEnclaveCutsIsForeseen: in a database no one else writes
// to, a refresh foresees every overlap across parents its findings report.
// The stray grid meets B's grid in a square with a thin strip attached, a
// sliver as a whole; an enclave its own community manages covers the strip,
// and what the findings judge, the square, is no sliver. Judged whole, the
// overlap was not foreseen, and the refresh tried other's lock instead of
// waiting for it (a 40001, again on every run, while other's audit was held).
func TestAnOverlapAnEnclaveCutsIsForeseen(t *testing.T) {
	c := newStrayCase(t)
	ctx := t.Context()
	home, other := c.home, demo.BaihechuntianCode
	if _, err := c.db.Pool.Exec(ctx, `UPDATE audit_config SET min_area_m2 = 10, min_width_m = 5`); err != nil {
		t.Fatal(err)
	}
	// From a point of B's grid: a 20 m square, and a strip 1 m by 80 m
	// from its east side; the enclave covers the strip and 1 m of the square.
	box := func(x0, y0, x1, y1 float64) orb.MultiPolygon {
		return c.sql(t, `SELECT ST_AsBinary(ST_Multi(ST_Intersection(u.geom, ST_MakeEnvelope(
			ST_X(p) + $2::float8 / 86300, ST_Y(p) + $3::float8 / 111320, ST_X(p) + $4::float8 / 86300, ST_Y(p) + $5::float8 / 111320, 4326))))
			FROM unit u, ST_PointOnSurface(u.geom) p WHERE u.code = $1 AND u.valid_to IS NULL`, c.other, x0, y0, x1, y1)
	}
	shape := c.sql(t, `SELECT ST_AsBinary(ST_Multi(ST_Union(ST_GeomFromWKB($1, 4326), ST_GeomFromWKB($2, 4326))))`,
		wkbOf(t, box(0, 0, 20, 20)), wkbOf(t, box(20, 10, 100, 11)))
	cut := box(19, 9, 101, 12)
	var wholeSliver, cutSliver bool
	if err := c.db.Pool.QueryRow(ctx, `SELECT gridmap_is_sliver(ST_Area(g::geography), ST_Perimeter(g::geography), 10, 5),
		gridmap_is_sliver(ST_Area(d::geography), ST_Perimeter(d::geography), 10, 5)
		FROM (SELECT ST_GeomFromWKB($1, 4326) AS g, ST_Difference(ST_GeomFromWKB($1, 4326), ST_GeomFromWKB($2, 4326)) AS d) x`,
		wkbOf(t, shape), wkbOf(t, cut)).Scan(&wholeSliver, &cutSliver); err != nil || !wholeSliver || cutSliver {
		t.Fatalf("the overlap a sliver whole: %v, less the enclave: %v (%v); want true, false", wholeSliver, cutSliver, err)
	}
	if _, err := c.db.CreateEnclave(ctx, "test", geo.Enclave{Code: "E-cut", Name: "飞地 E-cut", ManagingCode: home,
		Status: geo.EnclaveCustodial, Geom: cut}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.CreateUnit(ctx, "test", geo.Unit{Code: c.stray, Level: geo.Grid, Name: "越界网格", ParentCode: home, Geom: shape}); err != nil {
		t.Fatal(err)
	}
	refreshWaitsFor(t, c, home, other)
}

// lockAuditSQL takes a parent's audit lock, as a refresh of it does.
const lockAuditSQL = `SELECT pg_advisory_xact_lock(hashtextextended('gridmap audit/' || $1, 0))`

// refreshWaitsFor checks that a refresh of parent foresees its overlap
// with other's side: while another writer holds other's audit, it waits
// (rather than fail with a 40001), then stores the overlap of the stray
// grid across the two, once.
func refreshWaitsFor(t *testing.T, c *strayCase, parent, other string) {
	t.Helper()
	ctx := t.Context()
	otherSide := begin(t, c, lockAuditSQL, other)
	refreshed := make(chan error, 1)
	go func() { refreshed <- refreshOnce(ctx, c, parent) }()
	select {
	case err := <-refreshed:
		t.Fatalf("%s's refresh did not wait for %s's audit: %v", parent, other, err)
	case <-whenBlocked(ctx, c.db.Pool, "gridmap_audit_store"):
	case <-time.After(15 * time.Second):
		t.Fatalf("%s's refresh neither waited nor ended", parent)
	}
	if err := otherSide.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-refreshed; err != nil {
		t.Fatalf("%s's refresh: %v", parent, err)
	}
	var n int
	if err := c.db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_finding WHERE kind = 'overlap' AND $1 = ANY(codes) AND parent_codes @> $2`,
		c.stray, []string{parent, other}).Scan(&n); err != nil || n != 1 {
		t.Errorf("overlaps of the stray grid stored across %s and %s: %d (%v), want 1", parent, other, n, err)
	}
}

// begin starts a transaction the test ends (rolled back if still open)
// and runs sql in it.
func begin(t *testing.T, c *strayCase, sql string, args ...any) pgx.Tx {
	t.Helper()
	ctx := t.Context()
	tx, err := c.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		t.Fatal(err)
	}
	return tx
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
