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

// Open returns a pool on a fresh database holding the demo city, closed at
// cleanup; it skips or fails as pgtest.Open does when no database answers.
func Open(tb testing.TB) *postgres.DB {
	tb.Helper()
	db := pgtest.Open(tb)
	if _, err := demo.Build(context.Background(), db, demo.ScaleDemo, nil); err != nil {
		tb.Fatalf("build demo city: %v", err)
	}
	return db
}
