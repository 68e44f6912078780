package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// follower is one service process's resolver: its own pool, listener and index.
func follower(t *testing.T, ctx context.Context, url string) *geo.Service {
	t.Helper()
	db, err := postgres.Open(ctx, url, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	svc := geo.NewService(db, db)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	go svc.Follow(ctx, geo.FollowOptions{Poll: time.Second})
	go db.Listen(ctx, func(postgres.Change) { svc.Changed() })
	return svc
}

// waitFor polls until cond holds and returns how long it took.
func waitFor(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("%s: not seen within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

func TestEditIsFollowedByEveryReplica(t *testing.T) {
	db := demotest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := follower(t, ctx, db.URL()), follower(t, ctx, db.URL())

	enc, err := db.GetEnclave(ctx, demo.EnclaveCode, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	inside := enc.Geom.Bound().Center()
	before, err := a.Resolve(ctx, geo.ResolveQuery{Point: inside})
	if err != nil {
		t.Fatal(err)
	}
	if before.Status != geo.StatusEnclave || before.Responsible.Code != demo.BaihechuntianCode {
		t.Fatalf("before the edit: %+v", before)
	}
	editedAt := time.Now()
	time.Sleep(10 * time.Millisecond)

	// Move the enclave 0.1° east: its old site is no longer an enclave.
	moved := enc
	moved.Geom = shift(enc.Geom, 0.1)
	if _, err := db.ReviseEnclave(ctx, "test-editor", moved); err != nil {
		t.Fatal(err)
	}
	for name, svc := range map[string]*geo.Service{"replica a": a, "replica b": b} {
		took := waitFor(t, name+" follows the edit", func() bool {
			r, err := svc.Resolve(ctx, geo.ResolveQuery{Point: inside})
			return err == nil && r.Status != geo.StatusEnclave && r.IndexVersion > before.IndexVersion
		})
		t.Logf("%s answered from the new index %s after the commit", name, took.Round(time.Millisecond))
	}

	// The past keeps its answer: at a time before the edit, the site was the enclave.
	past, err := a.Resolve(ctx, geo.ResolveQuery{Point: inside, At: editedAt})
	if err != nil {
		t.Fatal(err)
	}
	if past.Status != geo.StatusEnclave || past.Enclave == nil || past.Enclave.Code != demo.EnclaveCode ||
		past.Responsible.Code != demo.BaihechuntianCode || past.Community == nil || past.Community.Code != demo.BaihechuntianCode {
		t.Errorf("at %s: %+v", editedAt, past)
	}
	// And the moved enclave answers at its new site.
	now, err := b.Resolve(ctx, geo.ResolveQuery{Point: shift(orb.MultiPolygon{{{inside}}}, 0.1)[0][0][0]})
	if err != nil {
		t.Fatal(err)
	}
	if now.Status != geo.StatusEnclave {
		t.Errorf("at the new site: %+v", now)
	}
}

func TestPastBeforeAnyData(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	svc := geo.NewService(db, db)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Resolve(ctx, geo.ResolveQuery{Point: orb.Point{117.15, 39.11}, At: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != geo.StatusOutside || r.Responsible != nil {
		t.Errorf("in 2020 no demo unit existed yet: %+v", r)
	}
}

// shift returns mp moved dx degrees east.
func shift(mp orb.MultiPolygon, dx float64) orb.MultiPolygon {
	return mapVertices(mp, func(p orb.Point) orb.Point { return orb.Point{p[0] + dx, p[1]} })
}
