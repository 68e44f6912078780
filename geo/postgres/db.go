// Package postgres is gridmap's PostgreSQL + PostGIS adapter: the schema's
// queries, transactions and change notifications. It is the one adapter of
// that dependency for every domain package — geo's boundaries, access's
// tokens, casework's reports and patrols — so that one DB shares one pool,
// one way of running transactions and one error classifier (pgerr), and a
// report is written with its history and statistics in one transaction.
// go-geom (through pgx-geom) lives only here and in the importer;
// convert.go turns it into orb.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
	pgxgeom "github.com/twpayne/pgx-geom"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgerr"
	"github.com/gridmap-dev/gridmap/migrations"
)

// DB is a connection pool to gridmap's database.
type DB struct {
	Pool *pgxpool.Pool
	// follow serves the index's reads of the change record alone, so that
	// requests filling Pool (a lock held elsewhere, a burst of slow
	// queries) cannot keep a node's answers behind its edits.
	follow  *pgxpool.Pool
	conn    *pgx.ConnConfig // for the connections outside the pools: listener, leader, migrations
	url     string
	standby atomic.Bool  // the database is a hot standby: WatchRole follows a promotion
	lag     atomic.Int64 // a standby's replay lag at WatchRole's last look, in nanoseconds (noteRole)
	// replaySince and replayTarget are noteRole's: since when the replay
	// has been short of the received position replayTarget (zero: not).
	replaySince  time.Time
	replayTarget int64
	// cutSince is when WatchRole first found a standby receiving nothing
	// from a primary (UnixNano; 0 while it receives, and on a primary).
	cutSince atomic.Int64
	// readOnlyRecycled is when keepConn last closed a read-only connection
	// (UnixNano).
	readOnlyRecycled atomic.Int64
	// missedPosition is the lowest write position a read waited for in
	// vain lately (AwaitPosition).
	missedPosition geo.MissedVersion
}

// Open migrates the database at url (under an advisory lock, so replicas
// starting together do not race) and then opens the pool. Migrations run on
// their own connection first because pgx-geom's registration needs the
// postgis extension to exist. A hot standby cannot be migrated: there Open
// only checks that the primary has applied every migration this binary
// knows, and the DB is read-only (Standby).
func Open(ctx context.Context, url string, maxConns int32) (*DB, error) {
	return open(ctx, url, maxConns, true)
}

// OpenAsIs is Open for commands that must not change the schema (token,
// import, audit, export, resolve, escalate): it migrates nothing, and fails
// with what to do when the schema is behind this gridmap.
func OpenAsIs(ctx context.Context, url string, maxConns int32) (*DB, error) {
	return open(ctx, url, maxConns, false)
}

func open(ctx context.Context, url string, maxConns int32, migrate bool) (*DB, error) {
	standby, err := prepareSchema(ctx, url, migrate)
	if err != nil {
		return nil, err
	}
	cfg, err := poolConfig(url, "gridmap")
	if err != nil {
		return nil, err
	}
	if maxConns > 0 && !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = maxConns
	}
	db := &DB{url: url, conn: cfg.ConnConfig.Copy()}
	db.standby.Store(standby)
	cfg.PrepareConn = db.keepConn
	if db.Pool, err = openPool(ctx, cfg); err != nil {
		return nil, err
	}
	fcfg := cfg.Copy()
	fcfg.MaxConns, fcfg.MinConns = 2, 0
	fcfg.ConnConfig.RuntimeParams["application_name"] = "gridmap follower"
	if db.follow, err = openPool(ctx, fcfg); err != nil {
		db.Pool.Close()
		return nil, err
	}
	return db, nil
}

// poolConfig parses a database URL for a pool: pgxpool's own settings
// (pool_max_conns, ...) are taken out of what the server is sent, JIT is
// off and the connections are named app unless the URL names them.
func poolConfig(url, app string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	cfg.AfterConnect = pgxgeom.Register
	NoJIT(cfg.ConnConfig.RuntimeParams)
	if _, set := cfg.ConnConfig.RuntimeParams["application_name"]; !set {
		cfg.ConnConfig.RuntimeParams["application_name"] = app
	}
	return cfg, nil
}

// openPool opens a pool and checks that the database answers.
func openPool(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	return pool, nil
}

// connect opens a connection outside the pools, named app in
// pg_stat_activity (unless the URL names it).
func connect(ctx context.Context, url, app string) (*pgx.Conn, error) {
	cfg, err := poolConfig(url, app)
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg.ConnConfig)
}

// connect opens a connection of the DB's outside its pools: the listener's,
// a leader's.
func (db *DB) connect(ctx context.Context, app string) (*pgx.Conn, error) {
	cfg := db.conn.Copy()
	if cfg.RuntimeParams["application_name"] == "gridmap" {
		cfg.RuntimeParams["application_name"] = app
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// NoJIT turns PostgreSQL's JIT compiler off for a connection, unless the
// database URL set it. The JIT compiles a query when its estimated cost
// passes jit_above_cost, and PostGIS declares its overlay functions costly:
// the audit of one community's five grids at an edit's commit was planned
// past the threshold and spent about 4 s compiling, against 89 ms to run.
// gridmap's statements are short; none gains from compiling.
func NoJIT(runtimeParams map[string]string) {
	if _, set := runtimeParams["jit"]; !set {
		runtimeParams["jit"] = "off"
	}
}

// prepareSchema migrates a primary (when migrate is set), or checks the
// schema; it reports whether the database is a standby.
func prepareSchema(ctx context.Context, url string, migrate bool) (standby bool, err error) {
	conn, err := connect(ctx, url, "gridmap migrate")
	if err != nil {
		return false, fmt.Errorf("connect: %w", unavailable(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if standby, err = inRecovery(ctx, conn); err != nil {
		return false, fmt.Errorf("ask whether the database is a standby: %w", translate(err))
	}
	if !standby && migrate {
		return false, Migrate(ctx, url)
	}
	return standby, checkSchema(ctx, conn, standby)
}

// checkSchema fails when the schema is behind this gridmap's migrations,
// saying what migrates it.
func checkSchema(ctx context.Context, conn *pgx.Conn, standby bool) error {
	fix := "run gridmap migrate (or start gridmap serve, which migrates)"
	if standby {
		fix = "start a node on the primary first, which migrates it (the standby follows)"
	}
	want, err := MigrationCount()
	if err != nil {
		return err
	}
	have, err := schemaVersion(ctx, conn)
	if err != nil {
		return err
	}
	if have < want {
		return fmt.Errorf("the database's schema is at migration %d but this gridmap needs %d: %s", have, want, fix)
	}
	return nil
}

// schemaVersion is the number of migrations the database has had (0 for
// none).
func schemaVersion(ctx context.Context, conn *pgx.Conn) (int, error) {
	var have int
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('schema_version') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("look for the schema: %w", translate(err))
	}
	if exists {
		if err := conn.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&have); err != nil {
			return 0, fmt.Errorf("read the schema version: %w", translate(err))
		}
	}
	return have, nil
}

// SchemaVersion is the number of migrations the database at url has had.
func SchemaVersion(ctx context.Context, url string) (int, error) {
	conn, err := connect(ctx, url, "gridmap")
	if err != nil {
		return 0, fmt.Errorf("connect: %w", unavailable(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return schemaVersion(ctx, conn)
}

// MigrationCount is the number of embedded migrations: tern numbers them
// 1..n without gaps, and records n once all have run.
func MigrationCount() (int, error) {
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return 0, fmt.Errorf("list migrations: %w", err)
	}
	return len(files), nil
}

// Close closes the pools.
func (db *DB) Close() {
	db.Pool.Close()
	db.follow.Close()
}

// URL returns the connection string the pool was opened with.
func (db *DB) URL() string { return db.url }

// Ping reports whether the database answers, in words a client may read:
// when every pooled connection is busy (a lock held elsewhere, a burst of
// slow queries) it says so, for the database itself may be answering.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.Pool.Ping(ctx); err != nil {
		if st := db.Pool.Stat(); st.AcquiredConns() >= st.MaxConns() {
			return fmt.Errorf("all %d of this node's database connections are busy", st.MaxConns())
		}
		return errors.New("database does not answer")
	}
	return nil
}

// Migrate applies every pending migration to the database at url.
func Migrate(ctx context.Context, url string) error {
	conn, err := connect(ctx, url, "gridmap migrate")
	if err != nil {
		return fmt.Errorf("connect for migrations: %w", unavailable(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	m, err := migrate.NewMigrator(ctx, conn, "schema_version")
	if err != nil {
		return fmt.Errorf("new migrator: %w", err)
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// inTx runs fn in one transaction with the actor recorded for the change log
// triggers. The transaction commits only if fn returns nil. One the
// database failed to break a deadlock is run again from the start, up to
// txAttempts times: fn must be safe to run again after a rollback.
func (db *DB) inTx(ctx context.Context, actor string, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT set_config('gridmap.actor', $1, true)`, actor); err != nil {
				return err
			}
			return fn(tx)
		})
		if err == nil || attempt == txAttempts || !pgerr.LostRace(err) {
			return translate(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt) * (10*time.Millisecond + rand.N(40*time.Millisecond))):
		}
	}
}

// txAttempts bounds inTx's runs of a transaction the database failed to
// break a deadlock: nothing was written, and edits of different units meet
// at the audit's locks of their parents, taken at commit in an order no
// one of them can know before it has looked (an attacker editing five
// neighbouring grids at once: 40 of 250 edits answered 503).
const txAttempts = 3

// translate classifies a driver error (see pgerr): the one place this
// adapter decides what a database failure means to a client.
func translate(err error) error { return pgerr.Classify(err) }

// unavailable classifies a failure to connect (see pgerr), but for a
// database that does not exist: pgerr makes that a 503 to retry, right for
// a pool whose database went away, but at a connection's start it is a
// mistake in the URL or a step not taken, and a command or a node told to
// retry would wait forever.
func unavailable(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "3D000" {
		return fmt.Errorf("%s: check the database URL, or create the database (scripts/db.sh creates one named "+
			"by DATABASE_URL on this machine's cluster); gridmap serve and gridmap migrate then build its schema", pgErr.Message)
	}
	return translate(err)
}
