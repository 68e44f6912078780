package audit_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/audit"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestOutageIsUnavailable: a database that does not answer is unavailable
// (503, retry) for the audit as for every store, not an internal error.
// Nothing listens on port 1, so this needs no database.
func TestOutageIsUnavailable(t *testing.T) {
	pool, err := pgxpool.New(context.Background(), "postgres://gridmap@127.0.0.1:1/none?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s := &audit.Store{Pool: pool}
	if _, err := s.Audit(context.Background(), geo.AuditQuery{Unit: "120104"}); geo.ErrorCodeOf(err) != geo.EUNAVAILABLE {
		t.Errorf("audit: %v (%s), want unavailable", err, geo.ErrorCodeOf(err))
	}
	if _, err := s.Refresh(context.Background(), nil); geo.ErrorCodeOf(err) != geo.EUNAVAILABLE {
		t.Errorf("refresh: %v (%s), want unavailable", err, geo.ErrorCodeOf(err))
	}
}
