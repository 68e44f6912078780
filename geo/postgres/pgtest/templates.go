package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// Why templates: migrating a new database takes 1.5 s and building the demo
// city on it 5–6 s, and most of the storage tests start from one of the two
// — hundreds of them, most of a CI run. A copy of a database that already
// holds them takes under a second (CREATE DATABASE … TEMPLATE, 23 MB for the
// demo city). So each test process builds each kind once, the first time a
// test asks for it, and every test gets a copy of its own, as fresh as
// before: what a test does to its copy no other test sees.
//
// A template lives as long as the process that built it. The process holds
// a session advisory lock named after it for that long (on a connection of
// its own to the maintenance database); whoever builds a template next drops
// the templates whose lock nobody holds, left by processes that have ended.

// BuildFunc fills a new database, migrated, for a template: db is a pool on
// it, closed once it returns.
type BuildFunc func(ctx context.Context, db *postgres.DB) error

// template is one kind of template database of this process.
type template struct {
	once sync.Once
	name string
	err  error
}

var (
	templatesMu sync.Mutex
	templates   = map[string]*template{}

	keeperMu sync.Mutex
	// keeper is the connection holding this process's templates' locks.
	keeper *pgx.Conn
	// kept names the templates keeper keeps.
	kept = map[string]bool{}
)

// migratedKind is the template every migrated test database is copied from.
const migratedKind = "migrated"

// OpenFromTemplate returns a pool on a fresh database copied from this
// process's template of kind, which build filled on a migrated database the
// first time a test asked for that kind; closed at cleanup. Every caller of
// one kind must pass the same build.
func OpenFromTemplate(tb testing.TB, kind string, build BuildFunc) *postgres.DB {
	tb.Helper()
	name := templateNamed(tb, kind, build)
	url := createDatabase(tb, "", func(*pgx.ConnConfig) string {
		return " TEMPLATE " + pgx.Identifier{name}.Sanitize()
	})
	db, err := postgres.Open(context.Background(), url, 8)
	if err != nil {
		tb.Fatalf("open test database: %v", err)
	}
	tb.Cleanup(db.Close)
	return db
}

// templateNamed returns the name of this process's template of kind,
// building it the first time; it fails tb if that cannot be done.
func templateNamed(tb testing.TB, kind string, build BuildFunc) string {
	tb.Helper()
	name, err := templateOf(kind, build)
	if err != nil {
		tb.Fatalf("template database %q: %v", kind, err)
	}
	return name
}

// templateOf returns the name of this process's template of kind, built by
// the first caller (the others wait for it); a build that failed fails
// every caller of that kind.
func templateOf(kind string, build BuildFunc) (string, error) {
	templatesMu.Lock()
	t := templates[kind]
	if t == nil {
		t = &template{}
		templates[kind] = t
	}
	templatesMu.Unlock()
	t.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		t.name, t.err = buildTemplate(ctx, kind, build)
	})
	return t.name, t.err
}

// buildTemplate creates a database for kind (a copy of the migrated
// template, or for that one the server's test template migrated), fills it
// with build and marks it a template nobody connects to.
func buildTemplate(ctx context.Context, kind string, build BuildFunc) (string, error) {
	tpl, err := pgx.ParseConfig(TemplateURL())
	if err != nil {
		return "", fmt.Errorf("TEST_DATABASE_URL: %w", err)
	}
	from := tpl.Database
	if kind != migratedKind {
		if from, err = templateOf(migratedKind, nil); err != nil {
			return "", err
		}
	}
	name := fmt.Sprintf("gridmap_tpl_%d_%d_%s", os.Getpid(), time.Now().UnixNano()%1e6, kind)
	admin := tpl.Copy()
	admin.Database = "postgres"
	if err := keepTemplate(ctx, admin, name); err != nil {
		return "", err
	}
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{from}.Sanitize()); err != nil {
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	db, err := postgres.Open(ctx, databaseURL(tpl, name), 8)
	if err != nil {
		return "", fmt.Errorf("migrate %s: %w", name, err)
	}
	if build != nil {
		err = build(ctx, db)
	}
	db.Close()
	if err != nil {
		return "", fmt.Errorf("fill %s: %w", name, err)
	}
	// A copy is refused while anyone is connected to its template: from now
	// on nobody may connect (autovacuum included).
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return "", fmt.Errorf("mark %s a template: %w", name, err)
	}
	return name, nil
}

// templateLockClass is the first key of the templates' advisory locks ("grid").
const templateLockClass = 0x67726964

// keepTemplate takes the lock that keeps the template name for as long as
// this process lives, on the process's keeper connection (opened the first
// time), and drops the templates nobody keeps.
func keepTemplate(ctx context.Context, admin *pgx.ConnConfig, name string) error {
	keeperMu.Lock()
	defer keeperMu.Unlock()
	if keeper == nil {
		conn, err := pgx.ConnectConfig(context.Background(), admin)
		if err != nil {
			return fmt.Errorf("connect to keep templates: %w", err)
		}
		keeper = conn
	}
	if _, err := keeper.Exec(ctx, `SELECT pg_advisory_lock($1, hashtext($2))`, templateLockClass, name); err != nil {
		return fmt.Errorf("keep %s: %w", name, err)
	}
	kept[name] = true
	return dropAbandoned(ctx, keeper)
}

// dropAbandoned drops, as far as it can, the template databases whose lock
// nobody holds: their process has ended. It runs on the keeper connection,
// whose own locks a try would take again: this process's are skipped.
func dropAbandoned(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'gridmap\_tpl\_%'`)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, name := range names {
		var abandoned bool
		if kept[name] {
			continue
		}
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, templateLockClass, name).Scan(&abandoned); err != nil {
			return err
		}
		if !abandoned {
			continue
		}
		// Another process may drop it first: what fails here is left to the next.
		id := pgx.Identifier{name}.Sanitize()
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+id+" WITH IS_TEMPLATE false"); err == nil {
			_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)")
		}
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, templateLockClass, name); err != nil {
			return err
		}
	}
	return nil
}
