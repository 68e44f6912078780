package postgres_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// TestLostCommitsAreNoticed: a database that lost commits a node had
// applied (a failover to a standby that had not received them, a crash
// with synchronous_commit off) is behind the node, or gives the lost
// version numbers again to other commits. The node rebuilds its index from
// what the database has, whether it looks while the database is behind,
// once one commit has taken the lost number, or after several more
// (a ninth attacker: nodes answered from the lost edits for ever).
func TestLostCommitsAreNoticed(t *testing.T) {
	for _, edits := range []int{0, 1, 3} {
		t.Run(fmt.Sprintf("%d edits after the loss", edits), func(t *testing.T) {
			db := demotest.Open(t)
			ctx := context.Background()
			svc, stop := following(t, db)
			lost := moveEnclave(t, db, 0.01)
			waitFor(t, "the node applies the move", func() bool { return svc.Version() >= lost })
			stop() // the node looks again only once the database has lost the move
			time.Sleep(50 * time.Millisecond)
			epoch := svc.TileEpoch()

			loseLastVersion(t, db, lost)
			for i := 0; i < edits; i++ {
				moveEnclave(t, db, -0.02)
			}
			head, err := db.HeadVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			run, stop := context.WithCancel(ctx)
			defer stop()
			go svc.Follow(run, geo.FollowOptions{Poll: 20 * time.Millisecond})
			waitFor(t, "the node rebuilds from what the database has", func() bool {
				return svc.Version() == head && svc.Snapshot().Stats().ChangesApplied == 0
			})
			assertEnclaveAnswers(t, db, svc)
			if svc.TileEpoch() == epoch {
				t.Error("the tile record kept its epoch: tiles drawn from the lost data would be served again")
			}
		})
	}
}

// TestLostDataIsNotAnsweredWhileRebuilding: from the moment a node notices
// that its database lost commits it had applied until its rebuilt index is
// published, what the index would have answered is answered by PostGIS,
// from what the database has, and the node stays ready: it answered the
// lost data for the 1–3.5 s of the rebuild (a ninth attacker's scripts, run
// again). The rebuild's read is held (heldLoad) for as long as the test
// needs.
func TestLostDataIsNotAnsweredWhileRebuilding(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	src := &heldLoad{DB: db, entered: make(chan struct{}), release: make(chan struct{})}
	svc := geo.NewService(src, db)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	lost := moveEnclave(t, db, 0.01)
	if err := svc.CatchUpNow(ctx); err != nil || svc.Version() < lost {
		t.Fatalf("the node applies the move: %v, at %d", err, svc.Version())
	}
	enc, err := db.GetEnclave(ctx, demo.EnclaveCode, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	lostSite := enc.Geom.Bound().Center()
	if r, err := svc.Resolve(ctx, geo.ResolveQuery{Point: lostSite}); err != nil || r.Enclave == nil {
		t.Fatalf("before the loss, at the moved enclave: %+v %v", r, err)
	}
	loseLastVersion(t, db, lost)

	src.held.Store(true)
	caughtUp := make(chan error, 1)
	go func() { caughtUp <- svc.CatchUpNow(ctx) }()
	<-src.entered // the rebuild reads what the database has
	want, err := db.ResolveCurrent(ctx, lostSite, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	r, err := svc.Resolve(ctx, geo.ResolveQuery{Point: lostSite})
	if err != nil || r.Enclave != nil || r.Responsible == nil || want.Responsible == nil || r.Responsible.Code != want.Responsible.Code {
		t.Errorf("during the rebuild, at the lost site: %+v, %v; want PostGIS's answer %+v", r, err, want)
	}
	if err := svc.Ready(); err != nil {
		t.Errorf("during the rebuild the node is not ready (%v): its queries go to PostGIS", err)
	}
	close(src.release)
	if err := <-caughtUp; err != nil {
		t.Fatal(err)
	}
	assertEnclaveAnswers(t, db, svc)
}

// heldLoad is a database whose index reads, once held is set, wait for
// release (and say so on entered) before they read.
type heldLoad struct {
	*postgres.DB
	held             atomic.Bool
	entered, release chan struct{}
}

func (h *heldLoad) LoadCurrent(ctx context.Context) (geo.CurrentData, error) {
	if h.held.Load() {
		h.entered <- struct{}{}
		<-h.release
	}
	return h.DB.LoadCurrent(ctx)
}

// following returns a node's index following db every 20 ms, and what
// stops it following.
func following(t *testing.T, db *postgres.DB) (*geo.Service, context.CancelFunc) {
	t.Helper()
	svc := geo.NewService(db, db)
	if err := svc.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	run, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go svc.Follow(run, geo.FollowOptions{Poll: 20 * time.Millisecond})
	return svc, stop
}

// loseLastVersion undoes, behind the triggers' backs, the commit that made
// data version v and the enclave version it wrote, as a database that never
// received it would be.
func loseLastVersion(t *testing.T, db *postgres.DB, v int64) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		steps := []struct {
			sql string
			arg any
		}{
			{`SET LOCAL session_replication_role = replica`, nil},
			{`DELETE FROM enclave WHERE code = $1 AND valid_to IS NULL`, demo.EnclaveCode},
			{`UPDATE enclave SET valid_to = NULL WHERE code = $1 AND version = (SELECT max(version) FROM enclave WHERE code = $1)`, demo.EnclaveCode},
			{`DELETE FROM data_change WHERE version = $1`, v},
			{`UPDATE data_head SET version = $1::bigint - 1,
			   stamp = (SELECT stamp FROM data_change WHERE version = $1::bigint - 1 LIMIT 1)`, v},
		}
		for _, s := range steps {
			var args []any
			if s.arg != nil {
				args = append(args, s.arg)
			}
			if _, err := tx.Exec(ctx, s.sql, args...); err != nil {
				return fmt.Errorf("%s: %w", s.sql, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLostCommitsAreNoticedByARecheck: the recheck of a version that
// starts later reads the changes from before the index's version; after
// lost commits whose number another commit took, it must not take the
// database's stamp for the index's (a review: the index kept the lost
// move for good).
func TestLostCommitsAreNoticedByARecheck(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	svc, stop := following(t, db)
	if _, err := db.Pool.Exec(ctx, `UPDATE unit SET valid_to = now() + interval '1 second' WHERE code = '120104' AND valid_to IS NULL`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
		SELECT code, level, name || '（新）', parent_code, geom, properties, version + 1, valid_to, 'test'
		FROM unit WHERE code = '120104' ORDER BY version DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	lost := moveEnclave(t, db, 0.01)
	waitFor(t, "the node applies the move", func() bool { return svc.Version() >= lost })
	stop()
	time.Sleep(50 * time.Millisecond)

	loseLastVersion(t, db, lost)
	renameGrid(t, db) // takes the lost number
	if head, err := db.HeadVersion(ctx); err != nil || head != lost {
		t.Fatalf("head %d (%v), want the lost number %d again", head, err, lost)
	}
	time.Sleep(1500 * time.Millisecond) // the district's version has begun
	if err := svc.Recheck(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svc.CatchUpNow(ctx); err != nil {
		t.Fatal(err)
	}
	assertEnclaveAnswers(t, db, svc)
}

// renameGrid gives the smallest current grid a new version.
func renameGrid(t *testing.T, db *postgres.DB) {
	t.Helper()
	if _, err := db.Pool.Exec(context.Background(), `
WITH old AS (UPDATE unit SET valid_to = now() WHERE code = (SELECT min(code) FROM unit WHERE level = 'grid' AND valid_to IS NULL)
               AND valid_to IS NULL RETURNING *)
INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
SELECT code, level, name || '（改）', parent_code, geom, properties, version + 1, valid_to, 'test' FROM old`); err != nil {
		t.Fatal(err)
	}
}
