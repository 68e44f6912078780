// Package demotest gives tests a fresh database holding the demo city. It
// sits above both the demo builder and pgtest, so that pgtest, a helper of
// the PostgreSQL adapter, need not reach up to the demo that is built on
// that adapter.
package demotest

import (
	"context"
	"testing"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// Open returns a pool on a fresh database holding the demo city (a copy of
// the demo city this test process built the first time it was asked),
// closed at cleanup; it skips or fails as pgtest.Open does when no database
// answers.
func Open(tb testing.TB) *postgres.DB {
	tb.Helper()
	return pgtest.OpenFromTemplate(tb, "demo", buildDemo)
}

// buildDemo builds the demo city for the template the tests' copies are made from.
func buildDemo(ctx context.Context, db *postgres.DB) error {
	_, err := demo.Build(ctx, db, demo.ScaleDemo, nil)
	return err
}

// OpenPrimary is Open on the server the hot standby follows
// (pgtest.OpenPrimary), for a test that reads the city on the standby.
func OpenPrimary(tb testing.TB) *postgres.DB {
	tb.Helper()
	return pgtest.OpenPrimaryFromTemplate(tb, "demo", buildDemo)
}
