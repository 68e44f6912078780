package postgres_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
	"github.com/gridmap-dev/gridmap/internal/logtest"
)

// moveEnclave moves the demo enclave by dx degrees east and returns the
// data version that includes the move.
func moveEnclave(t *testing.T, db *postgres.DB, dx float64) int64 {
	t.Helper()
	ctx := context.Background()
	enc, err := db.GetEnclave(ctx, demo.EnclaveCode, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	enc.Geom = shift(enc.Geom, dx)
	if _, err := db.ReviseEnclave(ctx, "test-editor", enc); err != nil {
		t.Fatal(err)
	}
	v, err := db.HeadVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestFollowerResumes kills a follower, changes the data while it is away,
// and starts it again: it carries on from its last applied version by
// applying the changes it missed, without a rebuild; and a follower whose
// database connections are killed under it carries on too.
func TestFollowerResumes(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	svc := geo.NewService(db, db)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	built := svc.Snapshot().Stats().BuildDuration
	run, kill := context.WithCancel(ctx)
	go svc.Follow(run, geo.FollowOptions{Poll: 20 * time.Millisecond})
	v := moveEnclave(t, db, 0.01)
	waitFor(t, "the follower applies the first move", func() bool { return svc.Version() >= v })
	kill()
	time.Sleep(50 * time.Millisecond)
	for i := 0; i < 3; i++ {
		v = moveEnclave(t, db, 0.01)
	}
	time.Sleep(100 * time.Millisecond)
	if svc.Version() >= v {
		t.Fatal("a killed follower moved on")
	}
	run, kill = context.WithCancel(ctx)
	defer kill()
	go svc.Follow(run, geo.FollowOptions{Poll: 20 * time.Millisecond})
	waitFor(t, "the restarted follower catches up", func() bool { return svc.Version() >= v })
	st := svc.Snapshot().Stats()
	if st.BuildDuration != built || st.ChangesApplied != 2 {
		t.Errorf("after the restart: %d changes applied, build %v (was %v): want the missed changes applied, no rebuild",
			st.ChangesApplied, st.BuildDuration, built)
	}
	assertEnclaveAnswers(t, db, svc)

	// Every connection of the database dies (a failover, a network cut).
	if _, err := db.Pool.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	v = moveEnclave(t, db, 0.01)
	waitFor(t, "the follower carries on after its connections died", func() bool { return svc.Version() >= v })
	assertEnclaveAnswers(t, db, svc)
}

// assertEnclaveAnswers checks that the index answers the demo enclave at
// its current site.
func assertEnclaveAnswers(t *testing.T, db *postgres.DB, svc *geo.Service) {
	t.Helper()
	ctx := context.Background()
	var p orb.Point
	if err := db.Pool.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p
		FROM enclave WHERE code = $1 AND valid_to IS NULL) s`, demo.EnclaveCode).Scan(&p[0], &p[1]); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Resolve(ctx, geo.ResolveQuery{Point: p})
	if err != nil || r.Enclave == nil || r.Enclave.Code != demo.EnclaveCode {
		t.Errorf("at the enclave's current site: %+v %v", r, err)
	}
}

// TestDriftIsFoundAndRepaired changes a unit behind the change record's
// back (its triggers disabled): the periodic check finds that the index
// differs from the database, says so, and rebuilds.
func TestDriftIsFoundAndRepaired(t *testing.T) {
	db := demotest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := geo.NewService(db, db)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	before := svc.Snapshot()
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `ALTER TABLE enclave DISABLE TRIGGER USER;
			UPDATE enclave SET name = name || ' (silently)' WHERE code = '`+demo.EnclaveCode+`' AND valid_to IS NULL;
			UPDATE enclave SET version = version + 100 WHERE code = '`+demo.EnclaveCode+`' AND valid_to IS NULL;
			ALTER TABLE enclave ENABLE TRIGGER USER`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	go svc.Follow(ctx, geo.FollowOptions{Poll: 20 * time.Millisecond, Verify: 50 * time.Millisecond})
	waitFor(t, "the drift is found and the index rebuilt", func() bool { return svc.Snapshot() != before })
	sums, _, err := db.Checksums(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if svc.Snapshot().Checksums() != sums {
		t.Errorf("after the rebuild the checksums still differ: %+v vs %+v", svc.Snapshot().Checksums(), sums)
	}
}

// TestLeaderElection: of two nodes asking to lead the same job, exactly
// one runs it; when the leader's connection dies, the other takes over.
func TestLeaderElection(t *testing.T) {
	db := pgtest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	other, err := postgres.Open(ctx, db.URL(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var running atomic.Int32
	var mu sync.Mutex
	leaders := map[string]int{}
	job := func(name string) func(context.Context) {
		return func(ctx context.Context) {
			if running.Add(1) > 1 {
				t.Error("two leaders ran the job at once")
			}
			mu.Lock()
			leaders[name]++
			mu.Unlock()
			<-ctx.Done()
			running.Add(-1)
		}
	}
	go db.Lead(ctx, "test", job("a"))
	go other.Lead(ctx, "test", job("b"))
	waitFor(t, "a leader runs", func() bool { return running.Load() == 1 })
	time.Sleep(postgres.LeaderRetry + time.Second) // the other tried at least once meanwhile
	mu.Lock()
	if len(leaders) != 1 {
		t.Fatalf("leaders: %v", leaders)
	}
	mu.Unlock()
	// Kill the leader's lock connection.
	if _, err := db.Pool.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`); err != nil {
		t.Fatal(err)
	}
	// Whichever node wins the next election, the job runs again, once.
	waitFor(t, "a leader takes over", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return leaders["a"]+leaders["b"] == 2 && running.Load() == 1
	})
}

// TestAuditRefreshesDoNotQueue: refreshing the audit of one parent no
// longer waits for a refresh of another (the city-wide lock is gone), but
// still waits for one of the same parent, and a whole-city refresh waits
// for both.
func TestAuditRefreshesDoNotQueue(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	hold, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback(ctx)
	if _, err := hold.Exec(ctx, `SELECT gridmap_audit_refresh(ARRAY['120104001'])`); err != nil {
		t.Fatal(err)
	}
	try := func(parents string) error {
		return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '300ms'`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `SELECT gridmap_audit_refresh(`+parents+`)`)
			return err
		})
	}
	if err := try(`ARRAY['120104002']`); err != nil {
		t.Errorf("another parent's refresh waited for the held one: %v", err)
	}
	if err := try(`ARRAY['120104001']`); err == nil {
		t.Error("the same parent's refresh did not wait for the held one")
	}
	if err := try(`NULL`); err == nil {
		t.Error("a whole-city refresh did not wait for the held one")
	}
}

// TestFollowStopsQuietly stops a follower again and again while it checks
// the index against the database: a check cut short by the node stopping
// is not a failure and logs nothing. (A standby node's test once failed on
// "resolver index check could not read the database … context canceled".)
func TestFollowStopsQuietly(t *testing.T) {
	db := demotest.Open(t)
	svc := geo.NewService(db, db)
	if err := svc.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	logs := logtest.Record(t)
	for i := range 30 {
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			svc.Follow(ctx, geo.FollowOptions{Poll: time.Millisecond, Verify: time.Millisecond})
		}()
		time.Sleep(time.Duration(2+i%7) * time.Millisecond)
		stop()
		<-done
	}
	for _, rec := range logs.Records() {
		t.Errorf("a follower that was stopped logged: %s", rec)
	}
}
