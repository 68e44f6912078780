package pgtest

import (
	"context"
	"errors"
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
// holds them takes under a second (CREATE DATABASE … TEMPLATE, 24 MB for the
// demo city). So each test process builds each kind once, the first time a
// test asks for it, and every test gets a copy of its own, as fresh as
// before: what a test does to its copy no other test sees. (What is built
// from the clock is as of the build: the demo city's week of reports ends
// at the hour the process built it.)
//
// A template lives as long as the process that built it. The process holds
// a session advisory lock named after it for that long (on a connection of
// its own to the maintenance database, the keeper); whoever builds a
// template next drops the templates whose lock nobody holds, left by
// processes that have ended.

// BuildFunc fills a new database, migrated, for a template: db is a pool on
// it, closed once it returns.
type BuildFunc func(ctx context.Context, db *postgres.DB) error

// template is one kind of template database of this process. Its mutex is
// held while it is built, so that the others asking wait for it; a build
// that failed is tried again by the next.
type template struct {
	mu   sync.Mutex
	name string // "" until built
}

// migratedKind is the template every migrated test database is copied from
// (Open's); the other kinds are filled on a copy of it.
const migratedKind = "migrated"

// errNoServer marks a failure to reach the server: the test is skipped, or
// fails under CI, as when createDatabase cannot reach it.
var errNoServer = errors.New("cannot reach the server")

// OpenFromTemplate returns a pool on a fresh database copied from this
// process's template of kind, which build filled on a migrated database the
// first time a test asked for that kind; closed at cleanup. Every caller of
// one kind must pass the same build.
func OpenFromTemplate(tb testing.TB, kind string, build BuildFunc) *postgres.DB {
	tb.Helper()
	return testServer.openFromTemplate(tb, kind, build)
}

func (s *server) openFromTemplate(tb testing.TB, kind string, build BuildFunc) *postgres.DB {
	tb.Helper()
	if kind == migratedKind && build != nil {
		tb.Fatalf("the %q template is every other's base: fill a kind of your own", kind)
	}
	name, err := s.templateOf(kind, build)
	if errors.Is(err, errNoServer) {
		s.unavailable(tb, err)
	}
	if err != nil {
		tb.Fatalf("template database %q: %v", kind, err)
	}
	url := s.createDatabase(tb, "", func(*pgx.ConnConfig) string {
		return " TEMPLATE " + pgx.Identifier{name}.Sanitize()
	})
	db, err := postgres.Open(context.Background(), url, 8)
	if err != nil {
		tb.Fatalf("open test database: %v", err)
	}
	tb.Cleanup(db.Close)
	return db
}

// templateOf returns the name of this process's template of kind, built by
// the first caller (the others wait for it). A kind's build waits for the
// migrated one's, never the other way round.
func (s *server) templateOf(kind string, build BuildFunc) (string, error) {
	s.templatesMu.Lock()
	t := s.templates[kind]
	if t == nil {
		t = &template{}
		s.templates[kind] = t
	}
	s.templatesMu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.name != "" {
		return t.name, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	name, err := s.buildTemplate(ctx, kind, build)
	if err != nil {
		return "", err
	}
	t.name = name
	return name, nil
}

// buildTemplate creates a database for kind (a copy of the migrated
// template, or for that one of the server's test database, migrated),
// fills it with build and marks it a template nobody connects to. What
// fails after the database is created drops it.
func (s *server) buildTemplate(ctx context.Context, kind string, build BuildFunc) (string, error) {
	tpl, admin, err := s.configs()
	if err != nil {
		return "", err
	}
	from := tpl.Database
	if kind != migratedKind {
		if from, err = s.templateOf(migratedKind, nil); err != nil {
			return "", err
		}
	}
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errNoServer, err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("gridmap_tpl_%d_%d_%s", os.Getpid(), time.Now().UnixNano()%1e6, kind)
	if err := s.keepTemplate(ctx, admin, name); err != nil {
		return "", err
	}
	id := pgx.Identifier{name}.Sanitize()
	if err := create(ctx, conn, "CREATE DATABASE "+id+" TEMPLATE "+pgx.Identifier{from}.Sanitize()); err != nil {
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	if err := fill(ctx, withDatabase(tpl.ConnString(), name), build); err != nil {
		return "", dropHalfBuilt(ctx, conn, name, err)
	}
	// A copy is refused while anyone is connected to its template: from now
	// on nobody may connect (autovacuum included).
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+id+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return "", dropHalfBuilt(ctx, conn, name, fmt.Errorf("mark it a template: %w", err))
	}
	return name, nil
}

// dropHalfBuilt drops the template name, which failed with err, and returns
// err with its name.
func dropHalfBuilt(ctx context.Context, conn *pgx.Conn, name string, err error) error {
	_ = drop(ctx, conn, name)
	return fmt.Errorf("%s: %w", name, err)
}

// fill migrates the database at url and runs build on it, if any.
func fill(ctx context.Context, url string, build BuildFunc) error {
	db, err := postgres.Open(ctx, url, 8)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer db.Close()
	if build == nil {
		return nil
	}
	if err := build(ctx, db); err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	return nil
}

// templateLockClass is the first key of the templates' advisory locks ("grid").
const templateLockClass = 0x67726964

// keepTemplate takes the lock that keeps the template name for as long as
// this process lives, on the keeper connection, and drops the templates
// nobody keeps. A keeper found closed (its server restarted, say) is
// replaced, and takes this process's locks again.
func (s *server) keepTemplate(ctx context.Context, admin *pgx.ConnConfig, name string) error {
	s.keeperMu.Lock()
	defer s.keeperMu.Unlock()
	if s.keeper == nil || s.keeper.IsClosed() {
		conn, err := pgx.ConnectConfig(context.Background(), admin)
		if err != nil {
			return fmt.Errorf("%w: keep templates: %w", errNoServer, err)
		}
		s.keeper = conn
		for other := range s.kept {
			if err := s.lockTemplate(ctx, other); err != nil {
				return err
			}
		}
	}
	if err := s.lockTemplate(ctx, name); err != nil {
		return err
	}
	s.kept[name] = true
	s.dropAbandoned(ctx)
	return nil
}

// lockTemplate takes the keeper's lock of the template name, which nobody
// else may hold: no other process has made that name.
func (s *server) lockTemplate(ctx context.Context, name string) error {
	locked, err := s.tryTemplateLock(ctx, name)
	if err != nil {
		return fmt.Errorf("keep %s: %w", name, err)
	}
	if !locked {
		return fmt.Errorf("keep %s: another session holds its lock", name)
	}
	return nil
}

// tryTemplateLock takes the keeper's lock of the template name if nobody
// else holds it, and says whether it did.
func (s *server) tryTemplateLock(ctx context.Context, name string) (bool, error) {
	var locked bool
	err := s.keeper.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, templateLockClass, name).Scan(&locked)
	return locked, err
}

// dropAbandoned drops, as far as it can, the template databases whose lock
// nobody holds: their process has ended (or lost its keeper). It runs on
// the keeper connection, whose own locks a try would take again: this
// process's are skipped. What fails is left to the next.
func (s *server) dropAbandoned(ctx context.Context) {
	rows, err := s.keeper.Query(ctx, `SELECT datname FROM pg_database WHERE starts_with(datname, 'gridmap_tpl_')`)
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, name := range names {
		if s.kept[name] {
			continue
		}
		if abandoned, err := s.tryTemplateLock(ctx, name); err != nil || !abandoned {
			continue
		}
		if _, err := s.keeper.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH IS_TEMPLATE false"); err == nil {
			_ = drop(ctx, s.keeper, name)
		}
		_, _ = s.keeper.Exec(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, templateLockClass, name)
	}
}
