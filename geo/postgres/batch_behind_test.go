package postgres_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

// countedPast counts the questions a service asks PostGIS.
type countedPast struct {
	geo.PastResolver
	current atomic.Int64
}

func (c *countedPast) ResolveCurrent(ctx context.Context, p orb.Point, at time.Time, minVersion int64) (geo.Resolution, error) {
	c.current.Add(1)
	return c.PastResolver.ResolveCurrent(ctx, p, at, minVersion)
}

// TestBatchBehindAsksEachPointOnce: a batch on a node whose index is
// behind the version it asks for is answered by PostGIS, which is first
// asked about the batch's first valid point to learn whether it can answer
// at all. That answer is kept: a reviewer saw the first valid point asked
// twice. Bad points are not asked about.
func TestBatchBehindAsksEachPointOnce(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	past := &countedPast{PastResolver: db}
	svc := geo.NewService(db, past) // loaded once, not following: behind every later edit
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	enc, err := db.GetEnclave(ctx, demo.EnclaveCode, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	moved := enc
	moved.Geom = shift(enc.Geom, 0.1)
	if _, err := db.ReviseEnclave(ctx, "test-editor", moved); err != nil {
		t.Fatal(err)
	}
	head, err := db.HeadVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inside := enc.Geom.Bound().Center()
	points := []orb.Point{{200, 95}, inside, {117.15, 39.11}, {117.2, 39.13}, {-1, 91}, moved.Geom.Bound().Center()}
	for _, bad := range []int{0, 1} { // with a bad point first, and without
		qs := make([]geo.ResolveQuery, 0, len(points))
		for _, p := range points[bad:] {
			qs = append(qs, geo.ResolveQuery{Point: p, MinVersion: head})
		}
		before := past.current.Load()
		got, errs := svc.ResolveMany(ctx, qs)
		if asked := past.current.Load() - before; asked != 4 {
			t.Errorf("PostGIS asked %d times for a batch of 4 valid points", asked)
		}
		for i, q := range qs {
			if geo.ValidatePoint("", q.Point) != nil {
				if geo.ErrorCodeOf(errs[i]) != geo.EINVALID {
					t.Errorf("bad point %v: %v, want it refused for itself", q.Point, errs[i])
				}
				continue
			}
			want, err := db.ResolveCurrent(ctx, q.Point, q.At, head)
			if err != nil {
				t.Fatal(err)
			}
			if errs[i] != nil || got[i].Status != want.Status || got[i].IndexVersion != want.IndexVersion {
				t.Errorf("point %v: %s at %d %v, want %s at %d", q.Point, got[i].Status, got[i].IndexVersion, errs[i], want.Status, want.IndexVersion)
			}
		}
		if got[len(qs)-1].Status != geo.StatusEnclave || got[len(qs)-5].Status == geo.StatusEnclave {
			t.Errorf("the batch does not see the moved enclave: %s at the new place, %s at the old", got[len(qs)-1].Status, got[len(qs)-5].Status)
		}
	}
}
