package pgtest

import (
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// The tests make their databases on two servers. Most make them on the
// tests' own, TEST_DATABASE_URL's: scripts/db.sh gives it a cluster that
// keeps no WAL for a standby (wal_level=minimal) and does not wait for the
// disk (fsync=off). On a cluster streaming to a standby, each copy of a
// template was written a second time as WAL and replayed by the standby:
// a third of the storage packages' CPU. The tests that read their database
// on the hot standby make it on the server the standby follows,
// TEST_PRIMARY_URL's (OpenPrimary, NewPrimaryDatabase).

// DefaultURL is the tests' own database made by scripts/db.sh (make test),
// on the cluster "tests".
const DefaultURL = "postgres://gridmap:gridmap@127.0.0.1:5434/gridmap_test?sslmode=disable"

// DefaultPrimaryURL is the test database on the local cluster "main", which
// the hot standby made by scripts/standby.sh (DefaultStandbyURL) follows.
const DefaultPrimaryURL = "postgres://gridmap:gridmap@127.0.0.1:5432/gridmap_test?sslmode=disable"

// server is one server the tests make databases on: its test database
// (postgis installed, nothing else) is what they copy, and its templates
// are this process's copies of it, migrated and filled (templates.go).
type server struct {
	env, def string // the variable naming its test database, and the default

	templatesMu sync.Mutex
	templates   map[string]*template

	keeperMu sync.Mutex
	keeper   *pgx.Conn       // holds the locks of this process's templates
	kept     map[string]bool // the templates keeper keeps
}

var (
	testServer    = newServer("TEST_DATABASE_URL", DefaultURL)
	primaryServer = newServer("TEST_PRIMARY_URL", DefaultPrimaryURL)
)

func newServer(env, def string) *server {
	return &server{env: env, def: def, templates: map[string]*template{}, kept: map[string]bool{}}
}

// url returns the URL of the server's test database.
func (s *server) url() string {
	if u := os.Getenv(s.env); u != "" {
		return u
	}
	return s.def
}

// configs parses the server's test database URL: tpl is its config, admin
// the same server's maintenance database's, where databases are created and
// dropped.
func (s *server) configs() (tpl, admin *pgx.ConnConfig, err error) {
	tpl, err = pgx.ParseConfig(s.url())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", s.env, err)
	}
	admin = tpl.Copy()
	admin.Database = "postgres"
	return tpl, admin, nil
}

// TemplateURL returns the URL of the tests' own test database
// (TEST_DATABASE_URL, default DefaultURL), of which every database the
// tests make there is a copy.
func TemplateURL() string { return testServer.url() }

// PrimaryURL returns the URL of the test database on the server the hot
// standby follows (TEST_PRIMARY_URL, default DefaultPrimaryURL).
func PrimaryURL() string { return primaryServer.url() }

// NewPrimaryDatabase is NewDatabase on the server the hot standby follows,
// for a test that reads the database on the standby (StandbyURL).
func NewPrimaryDatabase(tb testing.TB) string {
	tb.Helper()
	return primaryServer.newDatabase(tb)
}

// OpenPrimary is Open on the server the hot standby follows, for a test
// that reads the database on the standby (OpenStandby).
func OpenPrimary(tb testing.TB) *postgres.DB {
	tb.Helper()
	return primaryServer.openFromTemplate(tb, migratedKind, nil)
}

// OpenPrimaryFromTemplate is OpenFromTemplate on the server the hot standby
// follows.
func OpenPrimaryFromTemplate(tb testing.TB, kind string, build BuildFunc) *postgres.DB {
	tb.Helper()
	return primaryServer.openFromTemplate(tb, kind, build)
}

// onPrimary fails the test when the database at dbURL is not on the server
// the standby follows: the standby would never show it.
func onPrimary(tb testing.TB, dbURL string) {
	tb.Helper()
	if host(dbURL) != host(PrimaryURL()) {
		tb.Fatalf("the database is on %s, not on the server the hot standby follows (TEST_PRIMARY_URL: %s): make it with pgtest.OpenPrimary or NewPrimaryDatabase",
			host(dbURL), host(PrimaryURL()))
	}
}

// host is the host and port of a postgres:// URL, or the URL when it is not one.
func host(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return rawURL
	}
	return u.Host
}
