// Package pgtest gives tests a fresh, migrated PostgreSQL + PostGIS database
// of their own. Storage is never mocked where storage is what is tested:
// those tests run against the real thing. (Callers of the stores, such as
// the HTTP API, also have contract tests over in-memory fakes, package mock;
// demo/demotest gives a database holding the demo city.)
//
// The server is the one TEST_DATABASE_URL names (default: the cluster that
// scripts/db.sh sets up for the tests); a test that reads its database on
// the hot standby makes it on the server the standby follows (servers.go).
// Each call creates a new database and drops it when the test ends:
// NewDatabase copies TEST_DATABASE_URL's database (it has postgis), Open and
// OpenFromTemplate copy a template this process made from it (templates.go).
// When no server answers, the test is skipped — but it fails when CI is set.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/geo/postgres"
)

var seq atomic.Int64

// NewDatabase creates an empty database (postgis installed, no migrations)
// and returns its URL.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	return testServer.newDatabase(tb)
}

func (s *server) newDatabase(tb testing.TB) string {
	tb.Helper()
	return s.createDatabase(tb, "", func(tpl *pgx.ConnConfig) string {
		return " TEMPLATE " + pgx.Identifier{tpl.Database}.Sanitize()
	})
}

// createDatabase creates a database named for this test run (with suffix),
// made as options (the rest of CREATE DATABASE, given the template's
// config) says, drops it when the test ends and returns its URL.
func (s *server) createDatabase(tb testing.TB, suffix string, options func(tpl *pgx.ConnConfig) string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tpl, admin, err := s.configs()
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		s.unavailable(tb, err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("gridmap_t%d_%d_%d%s", os.Getpid(), time.Now().UnixNano()%1e6, seq.Add(1), suffix)
	if err := create(ctx, conn, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+options(tpl)); err != nil {
		tb.Fatalf("create test database %s: %v", name, err)
	}
	tb.Cleanup(func() { dropDatabase(tb, admin, name) })
	return withDatabase(tpl.ConnString(), name)
}

// create runs a CREATE DATABASE statement, again while its template is in
// use: another package is copying it, or a test of another holds a
// connection to it.
func create(ctx context.Context, conn *pgx.Conn, statement string) error {
	for try := 0; ; try++ {
		_, err := conn.Exec(ctx, statement)
		if err == nil || try == 20 || !strings.Contains(err.Error(), "being accessed by other users") {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// withDatabase is rawURL with the database name for its path. (A pgx
// config's ConnString is the string it was parsed from, whatever its
// Database says since: a copy of the template's config given another
// Database would still open the template's own database.) A URL that is
// not a postgres:// one is refused.
func withDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		panic("TEST_DATABASE_URL and TEST_STANDBY_URL must be postgres:// URLs")
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String()
}

func dropDatabase(tb testing.TB, admin *pgx.ConnConfig, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		tb.Logf("drop test database %s: %v", name, err)
		return
	}
	defer conn.Close(ctx)
	if err := drop(ctx, conn, name); err != nil {
		tb.Logf("drop test database %s: %v", name, err)
	}
}

// drop drops the database name, whoever is connected to it.
func drop(ctx context.Context, conn *pgx.Conn, name string) error {
	_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

// unavailable skips the test, or fails it when CI is set: the server does
// not answer.
func (s *server) unavailable(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatalf("no PostgreSQL answers at %s (%v); in CI that is a failure: run make db-for-tests (GRIDMAP_DB_TESTS=1 scripts/db.sh) first", s.env, err)
	}
	tb.Skipf("no PostgreSQL answers at %s (%v); run make db-for-tests (GRIDMAP_DB_TESTS=1 scripts/db.sh) or set %s", s.env, err, s.env)
}

// Open returns a pool on a fresh migrated database (a copy of this
// process's migrated template), closed at cleanup.
func Open(tb testing.TB) *postgres.DB {
	tb.Helper()
	return testServer.openFromTemplate(tb, migratedKind, nil)
}

// OpenStandby returns a pool of conns connections on the database of
// primaryURL (made by OpenPrimary or NewPrimaryDatabase) as the hot standby
// serves it (see StandbyURL), closed at cleanup.
func OpenStandby(tb testing.TB, primaryURL string, conns int32) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), StandbyURL(tb, primaryURL), conns)
	if err != nil {
		tb.Fatalf("open the standby's database: %v", err)
	}
	tb.Cleanup(db.Close)
	return db
}

// DefaultStandbyURL is the local hot standby made by scripts/standby.sh:
// the databases of the cluster "main" (DefaultPrimaryURL's), streamed to
// port 5433.
const DefaultStandbyURL = "postgres://gridmap:gridmap@127.0.0.1:5433/gridmap_test?sslmode=disable"

// StandbyURL returns the URL of the database of primaryURL as the hot
// standby serves it (TEST_STANDBY_URL names the standby server; default
// DefaultStandbyURL), once the standby has replayed the primary's current
// data version and migrations. When no standby answers the test is skipped
// — but it fails when CI is set.
func StandbyURL(tb testing.TB, primaryURL string) string {
	tb.Helper()
	onPrimary(tb, primaryURL)
	base := os.Getenv("TEST_STANDBY_URL")
	if base == "" {
		base = DefaultStandbyURL
	}
	primary, err := pgx.ParseConfig(primaryURL)
	if err != nil {
		tb.Fatalf("primary url: %v", err)
	}
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		tb.Fatalf("TEST_STANDBY_URL: %v", err)
	}
	standbyURL := withDatabase(cfg.ConnString(), primary.Database)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin := cfg.Copy()
	admin.Database = "postgres"
	c, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		standbyUnavailable(tb, err)
	}
	c.Close(ctx)
	want := headVersions(ctx, tb, primaryURL)
	var last error
	for ctx.Err() == nil { // the new database appears once the standby has replayed it
		conn, err := pgx.Connect(ctx, standbyURL)
		if err == nil {
			var have replayed
			err = conn.QueryRow(ctx, replayedSQL).Scan(&have.data, &have.schema)
			conn.Close(ctx)
			if err == nil && have.data >= want.data && have.schema >= want.schema {
				return standbyURL
			}
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("the standby did not replay database %s at data version %d, migration %d within 60 s: %v",
		primary.Database, want.data, want.schema, last)
	return ""
}

// headVersions reads how far a database is.
func headVersions(ctx context.Context, tb testing.TB, url string) replayed {
	tb.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatalf("connect to the primary: %v", err)
	}
	defer conn.Close(ctx)
	var v replayed
	if err := conn.QueryRow(ctx, replayedSQL).Scan(&v.data, &v.schema); err != nil {
		tb.Fatalf("read the primary's data version and migration: %v", err)
	}
	return v
}

// replayed is how far a database is: its data version and its migration.
// A database may be migrated after it was copied (NewDatabase's are, by
// the tests that open them), which does not move the data version: a
// standby that has the data version may not have the migrations yet.
type replayed struct{ data, schema int64 }

// replayedSQL reads a database's replayed.
const replayedSQL = `SELECT (SELECT version FROM data_head), (SELECT version FROM schema_version)`

func standbyUnavailable(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatalf("no hot standby answers at TEST_STANDBY_URL (%v); in CI that is a failure: run scripts/db.sh (which runs scripts/standby.sh) first", err)
	}
	tb.Skipf("no hot standby answers (%v); run scripts/standby.sh or set TEST_STANDBY_URL", err)
}

// WaitForLockWait waits until a session of db's database waits for a lock:
// a race test's edit has come to wait for the transaction standing in for
// its rival.
func WaitForLockWait(tb testing.TB, db *postgres.DB) {
	tb.Helper()
	WaitForLockWaits(tb, db, 1)
}

// WaitForLockWaits waits until at least n sessions of db's database wait
// for a lock.
func WaitForLockWaits(tb testing.TB, db *postgres.DB, n int) {
	tb.Helper()
	var waiting int
	for range 200 {
		if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			tb.Fatal(err)
		}
		if waiting >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("%d sessions came to wait for a lock, want %d", waiting, n)
}

// TableReads are a table's reads as the statistics count them.
type TableReads struct {
	SeqScans int64 // sequential scans
	Rows     int64 // rows read by them and fetched through indexes
}

// Reads returns table's reads so far, once the pending ones of pool's
// connections are in them: give it a pool of one connection (OnePool),
// which ran what is measured. A read that scans a whole table grows with
// the city where it should grow with its answer.
func Reads(tb testing.TB, pool *pgxpool.Pool, table string) TableReads {
	tb.Helper()
	ctx := context.Background()
	for _, q := range []string{`SELECT pg_stat_force_next_flush()`, `SELECT pg_stat_clear_snapshot()`} {
		if _, err := pool.Exec(ctx, q); err != nil {
			tb.Fatal(err)
		}
	}
	var r TableReads
	if err := pool.QueryRow(ctx, `SELECT seq_scan, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)
		FROM pg_stat_user_tables WHERE relname = $1`, table).Scan(&r.SeqScans, &r.Rows); err != nil {
		tb.Fatal(err)
	}
	return r
}

// Since is what was read between earlier and r.
func (r TableReads) Since(earlier TableReads) TableReads {
	return TableReads{SeqScans: r.SeqScans - earlier.SeqScans, Rows: r.Rows - earlier.Rows}
}

// Rows is how many rows table holds (every version), for bounds on reads.
func Rows(tb testing.TB, pool *pgxpool.Pool, table string) int64 {
	tb.Helper()
	var n int64
	if err := pool.QueryRow(context.Background(), `SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = $1`, table).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// OnePool is a pool of one connection to db's database, so that what a
// test measures runs where Reads flushes the statistics. db's own
// connections are closed first, and their last statistics waited for, so
// that reads made before (building the demo city) are not counted as the
// test's when they arrive; the planner's statistics are then made current
// (ANALYZE), as in a database that has been running.
func OnePool(tb testing.TB, db *postgres.DB) *pgxpool.Pool {
	tb.Helper()
	ctx := context.Background()
	cfg := db.Pool.Config().Copy()
	cfg.MinConns, cfg.MaxConns = 0, 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	db.Pool.Reset()
	for range 100 {
		var others int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&others); err != nil {
			tb.Fatal(err)
		}
		if others == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		tb.Fatal(err)
	}
	return pool
}
