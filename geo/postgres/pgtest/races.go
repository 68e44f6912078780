package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// A race between two writers is decided by what the database does between
// the statements of one of them. To put the other writer exactly there, a
// test installs a trigger in its own database that makes the statement
// closing a chosen unit wait, after its row is written and before the
// statement ends, on an advisory lock the test holds.

// pauseKey is the advisory lock a paused statement waits for.
const pauseKey = 920_417

// pauseSQL installs the trigger: a statement that closes the current
// version of a code in pgtest_pause waits for pauseKey.
const pauseSQL = `
CREATE TABLE IF NOT EXISTS pgtest_pause (code text PRIMARY KEY);
CREATE OR REPLACE FUNCTION pgtest_pause_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pgtest_pause p WHERE p.code = NEW.code) THEN
    PERFORM pg_advisory_xact_lock_shared(920417);
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS pgtest_pause_closed ON unit;
CREATE TRIGGER pgtest_pause_closed AFTER UPDATE ON unit
  FOR EACH ROW WHEN (OLD.valid_to IS NULL AND NEW.valid_to IS NOT NULL) EXECUTE FUNCTION pgtest_pause_closed();`

// pausedSQL counts the statements waiting for pauseKey.
const pausedSQL = `SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = $1 AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`

// Pause is a held pause of the statements closing one unit's version.
type Pause struct {
	tb      testing.TB
	db      *postgres.DB
	release func()
}

// PauseClosing makes the next statement that closes code's current unit
// version (a retirement, a revision) wait, once it has written the row,
// until Release; Wait returns once one is waiting.
func PauseClosing(tb testing.TB, db *postgres.DB, code string) *Pause {
	tb.Helper()
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, pauseSQL); err != nil {
		tb.Fatalf("install the pause: %v", err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO pgtest_pause (code) VALUES ($1) ON CONFLICT DO NOTHING`, code); err != nil {
		tb.Fatalf("pause %s: %v", code, err)
	}
	holder, err := db.Pool.Acquire(ctx)
	if err != nil {
		tb.Fatalf("pause %s: %v", code, err)
	}
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(pauseKey)); err != nil {
		holder.Release()
		tb.Fatalf("pause %s: %v", code, err)
	}
	p := &Pause{tb: tb, db: db}
	released := false
	p.release = func() {
		if released {
			return
		}
		released = true
		if _, err := db.Pool.Exec(ctx, `DELETE FROM pgtest_pause WHERE code = $1`, code); err != nil {
			tb.Errorf("unpause %s: %v", code, err)
		}
		if _, err := holder.Exec(ctx, `SELECT pg_advisory_unlock($1)`, int64(pauseKey)); err != nil {
			tb.Errorf("unpause %s: %v", code, err)
		}
		holder.Release()
	}
	tb.Cleanup(p.release)
	return p
}

// Wait returns once a statement is waiting at the pause, failing the test
// after 30 s.
func (p *Pause) Wait() {
	p.tb.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var n int
		if err := p.db.Pool.QueryRow(ctx, pausedSQL, pauseKey).Scan(&n); err != nil {
			p.tb.Fatalf("look for the paused statement: %v", err)
		}
		if n > 0 {
			return
		}
	}
	p.tb.Fatalf("no statement reached the pause in 30 s")
}

// Release lets the paused statement go on (and later ones pass).
func (p *Pause) Release() { p.release() }

// uncoveredSQL lists the versions naming unit $1 (as their managing unit,
// as their parent) that were current at some moment while it had no
// version (the concurrent-write stress test's history checks, for one unit).
const uncoveredSQL = `
SELECT 'enclave ' || e.code || ' v' || e.version || ': ' || x.gap::text
FROM enclave e CROSS JOIN LATERAL (SELECT tstzmultirange(tstzrange(e.valid_from, e.valid_to)) -
  coalesce((SELECT range_agg(tstzrange(p.valid_from, p.valid_to)) FROM unit p WHERE p.code = e.managing_code), '{}'::tstzmultirange) AS gap) x
WHERE e.managing_code = $1 AND NOT isempty(x.gap)
UNION ALL
SELECT 'unit ' || u.code || ' v' || u.version || ': ' || x.gap::text
FROM unit u CROSS JOIN LATERAL (SELECT tstzmultirange(tstzrange(u.valid_from, u.valid_to)) -
  coalesce((SELECT range_agg(tstzrange(p.valid_from, p.valid_to)) FROM unit p WHERE p.code = u.parent_code), '{}'::tstzmultirange) AS gap) x
WHERE u.parent_code = $1 AND NOT isempty(x.gap)`

// AssertCovered fails the test on every version naming unit (an enclave it
// manages, a child) that was current at a moment unit had no version.
func AssertCovered(tb testing.TB, db *postgres.DB, unit string) {
	tb.Helper()
	rows, err := db.Pool.Query(context.Background(), uncoveredSQL, unit)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var found string
		if err := rows.Scan(&found); err != nil {
			tb.Fatal(err)
		}
		tb.Errorf("current while %s, which it names, was not: %s", unit, found)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
}
