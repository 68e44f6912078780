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

// TestPastWhileBehind: a query about a time before an edit, asking for the
// edit's data version, on a node whose index has not applied it yet, is
// answered by PostGIS at that time — not at now, which a reviewer found
// stored a report observed before an enclave was drawn as in the enclave.
// Single points and a batch alike.
func TestPastWhileBehind(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	svc := geo.NewService(db, db) // loaded once, not following: behind every later edit
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	enc, err := db.GetEnclave(ctx, demo.EnclaveCode, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	inside := enc.Geom.Bound().Center()
	before := time.Now()
	time.Sleep(10 * time.Millisecond)
	moved := enc
	moved.Geom = shift(enc.Geom, 0.1)
	if _, err := db.ReviseEnclave(ctx, "test-editor", moved); err != nil {
		t.Fatal(err)
	}
	head, err := db.HeadVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]geo.ResolveQuery{
		"before the edit": {Point: inside, At: before, MinVersion: head},
		"now":             {Point: inside, MinVersion: head},
	} {
		t.Run(name, func(t *testing.T) {
			one, err := svc.Resolve(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			many, errs := svc.ResolveMany(ctx, []geo.ResolveQuery{q})
			if errs[0] != nil {
				t.Fatal(errs[0])
			}
			want := !q.At.IsZero() // the enclave was there before the edit, and is not now
			for how, r := range map[string]geo.Resolution{"Resolve": one, "ResolveMany": many[0]} {
				if (r.Status == geo.StatusEnclave) != want {
					t.Errorf("%s: %s (index at %d, asked for %d)", how, r.Status, svc.Version(), head)
				}
			}
		})
	}
}

// TestBatchAheadOfTheDatabase: a batch asking for a data version its
// database has not reached is refused whole, before any answer, however
// few its points — a reviewer's 1,000 points got a 200 with an error in
// every slot (and more points a 503).
func TestBatchAheadOfTheDatabase(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	svc := geo.NewService(db, db)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	head, err := db.HeadVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A reviewer's batch began with a chunk of bad points: those were
	// answered (with their errors) before PostGIS was asked, and the rest
	// of the batch went out as errors in a 200.
	for _, c := range []struct {
		name   string
		n, bad int // points; the first bad of them out of range
	}{{"ten points", 10, 0}, {"a chunk of bad points first", 257, 256}, {"every point bad but the last of two chunks", 512, 511}} {
		t.Run(c.name, func(t *testing.T) {
			emitted := 0
			err := svc.ResolveEach(ctx, c.n, func(i int) geo.ResolveQuery {
				if i < c.bad {
					return geo.ResolveQuery{Point: orb.Point{200, 95}, MinVersion: head + 1}
				}
				return geo.ResolveQuery{Point: orb.Point{117.15, 39.11}, MinVersion: head + 1}
			}, func(int, *geo.Resolution, error) error { emitted++; return nil })
			if geo.ErrorCodeOf(err) != geo.EUNAVAILABLE || emitted != 0 {
				t.Errorf("ResolveEach = %v after %d answers; want EUNAVAILABLE before any", err, emitted)
			}
		})
	}
	t.Run("every point bad", func(t *testing.T) {
		emitted := 0
		err := svc.ResolveEach(ctx, 300, func(int) geo.ResolveQuery {
			return geo.ResolveQuery{Point: orb.Point{200, 95}, MinVersion: head + 1}
		}, func(_ int, _ *geo.Resolution, err error) error {
			if geo.ErrorCodeOf(err) == geo.EINVALID {
				emitted++
			}
			return nil
		})
		if err != nil || emitted != 300 {
			t.Errorf("ResolveEach = %v after %d refusals; want each point refused for itself", err, emitted)
		}
	})
}

// TestVersionsThatStartLater: an enclave moved by a version whose start is
// still to come (written so, or replayed on a standby whose clock runs
// behind its primary's). Until then a following index answers from the
// version that ends then, as PostGIS does; when it starts, the index
// answers from it with no further change recorded. A reviewer's index
// dropped such a unit at once and kept it out until its 5-minute check.
func TestVersionsThatStartLater(t *testing.T) {
	db := demotest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := follower(t, ctx, db.URL())
	enc, err := db.GetEnclave(ctx, demo.EnclaveCode, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	inside := enc.Geom.Bound().Center()
	moved := shift(orb.MultiPolygon{{{inside}}}, 0.1)[0][0][0]
	var start time.Time
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, sql := range []string{
		`SELECT now() + interval '4 seconds'`,
		`UPDATE enclave SET valid_to = $1 WHERE code = $2 AND valid_to IS NULL`,
		`INSERT INTO enclave (code, name, managing_code, status, reason, geom, properties, version, valid_from, created_by)
		 SELECT code, name, managing_code, status, reason, ST_Translate(geom, 0.1, 0), properties, version + 1, $1, 'test'
		   FROM enclave WHERE code = $2 AND valid_to = $1`,
	} {
		if start.IsZero() {
			err = tx.QueryRow(ctx, sql).Scan(&start)
		} else {
			_, err = tx.Exec(ctx, sql, start, demo.EnclaveCode)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	head, err := db.HeadVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	status := func(p orb.Point, at time.Time) geo.Status {
		r, err := svc.Resolve(ctx, geo.ResolveQuery{Point: p, At: at, MinVersion: head})
		if err != nil {
			t.Fatal(err)
		}
		return r.Status
	}
	// Before it starts: the old site is the enclave, at now and at a moment
	// before the start; a question about a moment after it goes to PostGIS.
	if time.Until(start) < time.Second {
		t.Fatalf("the commit took over 3 s; the checks before the start need it ahead")
	}
	if got := status(inside, time.Time{}); got != geo.StatusEnclave || svc.Version() < head {
		t.Errorf("before the start, at the old site: %s (index at %d of %d)", got, svc.Version(), head)
	}
	if got := status(moved, start.Add(time.Second)); got != geo.StatusEnclave {
		t.Errorf("asked about a moment after the start, at the new site: %s", got)
	}
	if got := status(inside, start.Add(-100*time.Millisecond)); got != geo.StatusEnclave {
		t.Errorf("asked about a moment before the start, at the old site: %s", got)
	}
	// From its start: no change is recorded then, only the clock moves. A
	// question about now is answered from the new version from the first
	// moment on (from PostGIS until the index has read it: Recheck), the
	// moments around Recheck's read included.
	time.Sleep(time.Until(start))
	// A batch at the start has the index read the new version, rather than
	// asking PostGIS about each point (20,000 points took 16.5 s so).
	batch := make([]geo.ResolveQuery, 20_000)
	for i := range batch {
		batch[i] = geo.ResolveQuery{Point: moved}
	}
	batchStart := time.Now()
	res, errs := svc.ResolveMany(ctx, batch)
	for i := range res {
		if errs[i] != nil || res[i].Status != geo.StatusEnclave {
			t.Fatalf("a batch at the start, point %d at the new site: %s, %v", i, res[i].Status, errs[i])
		}
	}
	t.Logf("a batch of %d points at the start answered in %s", len(batch), time.Since(batchStart).Round(time.Millisecond))
	asked := 0
	for time.Since(start) < 50*time.Millisecond {
		if got := status(moved, time.Time{}); got != geo.StatusEnclave {
			t.Fatalf("%s after the start, at the new site: %s", time.Since(start), got)
		}
		if got := status(inside, time.Time{}); got == geo.StatusEnclave {
			t.Fatalf("%s after the start, at the old site: %s", time.Since(start), got)
		}
		asked++
	}
	var fromIndex geo.Resolution
	waitFor(t, "the index answers now again, having read the version that started", func() bool {
		r, _, ok := svc.ResolveNow(geo.ResolveQuery{Point: moved})
		fromIndex = r
		return ok
	})
	if fromIndex.Status != geo.StatusEnclave {
		t.Errorf("the index, once it has read it, at the new site: %s", fromIndex.Status)
	}
	t.Logf("%d pairs of questions in the first 50 ms after the start answered from the new version", asked)
}
