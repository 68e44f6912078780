package importer

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/geo"
)

// TestJobsOutageIsUnavailable: recording or reading a job while the
// database does not answer is unavailable (503, retry), not an internal
// error. Nothing listens on port 1, so this needs no database.
func TestJobsOutageIsUnavailable(t *testing.T) {
	pool, err := pgxpool.New(context.Background(), "postgres://gridmap@127.0.0.1:1/none?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	j := &Jobs{Pool: pool, Base: context.Background()}
	if _, err := j.Create(context.Background(), "a.geojson", geo.ImportOptions{Actor: "t"}, geo.JobQueued); geo.ErrorCodeOf(err) != geo.EUNAVAILABLE {
		t.Errorf("create: %v (%s), want unavailable", err, geo.ErrorCodeOf(err))
	}
	if _, err := j.Job(context.Background(), 1); geo.ErrorCodeOf(err) != geo.EUNAVAILABLE {
		t.Errorf("job: %v (%s), want unavailable", err, geo.ErrorCodeOf(err))
	}
}
