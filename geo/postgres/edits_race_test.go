package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestNamedUnitNotRetiredUnderAnEdit: a unit named by an edit (a child's
// parent, an enclave's managing unit) and the unit's retirement, sent at
// the same moment, do not both succeed, so no current child or enclave is
// left naming a retired unit (write skew under READ COMMITTED: each checked
// the other's precondition before either committed; a tester had 14 of 20
// such pairs commit).
func TestNamedUnitNotRetiredUnderAnEdit(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	if _, err := db.CreateUnit(ctx, "test", geo.Unit{Code: "139901", Level: geo.District, Name: "测试区", Geom: square(118, 38, 1)}); err != nil {
		t.Fatal(err)
	}
	const tries = 12
	k := 0
	for _, tc := range []struct {
		name   string
		naming func(named string, i int) error
	}{
		{"a child and its parent", func(named string, i int) error {
			_, err := db.CreateUnit(ctx, "child", geo.Unit{Code: named + "001", Level: geo.Community, Name: "社区", ParentCode: named,
				Geom: square(118+float64(i)*0.01, 38, 0.005)})
			return err
		}},
		{"an enclave and its managing unit", func(named string, i int) error {
			_, err := db.CreateEnclave(ctx, "enclave", geo.Enclave{Code: fmt.Sprintf("E-race-%02d", i), Name: "飞地", ManagingCode: named,
				Status: geo.EnclaveCustodial, Geom: square(118+float64(i)*0.01, 38.5, 0.005)})
			return err
		}},
	} {
		k++
		t.Run(tc.name, func(t *testing.T) {
			both := 0
			for i := 0; i < tries; i++ {
				named := fmt.Sprintf("139901%03d", k*tries+i)
				if _, err := db.CreateUnit(ctx, "test", geo.Unit{Code: named, Level: geo.Street, Name: "街道", ParentCode: "139901",
					Geom: square(118+float64(i)*0.01, 38, 0.009)}); err != nil {
					t.Fatal(err)
				}
				var wg sync.WaitGroup
				var namingErr, retireErr error
				start := make(chan struct{})
				wg.Add(2)
				go func() { defer wg.Done(); <-start; namingErr = tc.naming(named, i) }()
				go func() { defer wg.Done(); <-start; _, retireErr = db.RetireUnit(ctx, "retire", named, 1) }()
				close(start)
				wg.Wait()
				if namingErr == nil && retireErr == nil {
					both++
				}
				if namingErr == nil && geo.ErrorCodeOf(retireErr) != geo.ECONFLICT || retireErr == nil && namingErr != nil && geo.ErrorCodeOf(namingErr) != geo.EINVALID {
					t.Errorf("try %d: the loser's error: naming %v, retire %v", i, namingErr, retireErr)
				}
			}
			if both > 0 {
				t.Errorf("%d of %d pairs both succeeded", both, tries)
			}
			var orphans int
			if err := db.Pool.QueryRow(ctx, `SELECT
				(SELECT count(*) FROM unit c WHERE c.valid_to IS NULL AND c.parent_code IS NOT NULL
				   AND NOT EXISTS (SELECT 1 FROM unit p WHERE p.code = c.parent_code AND p.valid_to IS NULL)) +
				(SELECT count(*) FROM enclave e WHERE e.valid_to IS NULL
				   AND NOT EXISTS (SELECT 1 FROM unit m WHERE m.code = e.managing_code AND m.valid_to IS NULL))`).Scan(&orphans); err != nil {
				t.Fatal(err)
			}
			if orphans > 0 {
				t.Errorf("%d current rows name a retired unit", orphans)
			}
		})
	}
}

// TestEditsWaitForTopology: a topology edit (merge, split, a corner moved)
// reads units and enclaves, then locks their codes in orders of its own —
// a parent's before its children's, an enclave's before the grids it moves.
// An edit holding its own code while waiting for the unit it names
// deadlocked with it (40P01: a review, then a stress test with enclaves and
// splits), and a single edit committed between the topology edit's read and
// its lock was overwritten (lost updates: the stress test). Single edits
// now wait for a topology edit under way (the topology lock, shared). Here
// a transaction stands in for the topology edit: it takes the topology
// lock, then one code, then another, while the edit runs; the edit must
// neither deadlock nor finish before the stand-in commits.
func TestEditsWaitForTopology(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.CreateUnit(ctx, "test", geo.Unit{Code: "139902", Level: geo.District, Name: "测试区", Geom: square(118, 38, 1)}))
	must(db.CreateUnit(ctx, "test", geo.Unit{Code: "139902001", Level: geo.Street, Name: "街道", ParentCode: "139902", Geom: square(118, 38, 0.5)}))
	must(db.CreateUnit(ctx, "test", geo.Unit{Code: "139902001001", Level: geo.Community, Name: "社区", ParentCode: "139902001", Geom: square(118, 38, 0.2)}))
	must(db.CreateEnclave(ctx, "test", geo.Enclave{Code: "E-order", Name: "飞地", ManagingCode: "139902001", Status: geo.EnclaveCustodial,
		Geom: square(118.6, 38.6, 0.1)}))
	community, err := db.GetUnit(ctx, "139902001001", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	enclave, err := db.GetEnclave(ctx, "E-order", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, held, then string
		edit             func() error
	}{
		{"an edit of a child", "unit/139902001", "unit/139902001001", func() error {
			community.Name = "社区（改）"
			_, err := db.EditUnit(ctx, "test", community, community.Version)
			return err
		}},
		{"a new child", "unit/139902001", "unit/139902001002", func() error {
			_, err := db.CreateUnit(ctx, "test", geo.Unit{Code: "139902001002", Level: geo.Community, Name: "新社区", ParentCode: "139902001",
				Geom: square(118.25, 38, 0.2)})
			return err
		}},
		{"an edit of an enclave", "unit/139902001", "enclave/E-order", func() error {
			enclave.Name = "飞地（改）"
			_, err := db.EditEnclave(ctx, "test", enclave, enclave.Version)
			return err
		}},
		{"an enclave handed to a grid a split moves", "enclave/E-order", "unit/139902001001", func() error {
			e, err := db.GetEnclave(ctx, "E-order", time.Time{})
			if err != nil {
				return err
			}
			e.ManagingCode = "139902001001"
			_, err = db.EditEnclave(ctx, "test", e, e.Version)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topo, err := db.Pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer topo.Rollback(ctx)
			for _, key := range []string{"gridmap topology", tc.held} {
				if _, err := topo.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key); err != nil {
					t.Fatal(err)
				}
			}
			done := make(chan error, 1)
			go func() { done <- tc.edit() }()
			time.Sleep(300 * time.Millisecond) // the edit takes what it takes before it waits
			if _, err := topo.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, tc.then); err != nil {
				t.Fatalf("the topology side: %v", err)
			}
			select {
			case err := <-done:
				t.Fatalf("the edit finished (%v) while a topology edit held its lock", err)
			case <-time.After(200 * time.Millisecond):
			}
			if err := topo.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("the edit: %v", err)
			}
		})
	}
}

// TestRetireRetryIsOnlyOwn: a retirement finding the version it names
// already closed is its own retry only when the same caller closed it with
// a retirement; closed by another caller or by an import (whose actor may
// be the same token's name: a stress test), it is the precondition's
// failure saying the code has been retired, not a 200 saying the caller
// retired it.
func TestRetireRetryIsOnlyOwn(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	for i, tc := range []struct {
		name, first, then string
		imported, replay  bool
	}{
		{"the same caller again", "alice", "alice", false, true},
		{"another caller", "bob", "alice", false, false},
		{"an import under the caller's name", "alice", "alice", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := fmt.Sprintf("13990%d", i+1)
			if _, err := db.CreateUnit(ctx, "test", geo.Unit{Code: code, Level: geo.District, Name: "区", Geom: square(118, 38, 0.1)}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RetireUnit(ctx, tc.first, code, 1); err != nil {
				t.Fatal(err)
			}
			if tc.imported {
				if _, err := db.Pool.Exec(ctx, `UPDATE change_log SET detail = detail || '{"import_job": 1}' WHERE code = $1 AND action = 'close'`, code); err != nil {
					t.Fatal(err)
				}
			}
			_, err := db.RetireUnit(ctx, tc.then, code, 1)
			if replayed := err == nil; replayed != tc.replay || !tc.replay && !strings.Contains(err.Error(), "has been retired") {
				t.Errorf("the second retirement: %v; want a replay %v (else: it has been retired)", err, tc.replay)
			}
		})
	}
}
