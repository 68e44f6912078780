package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestAVersionIsStampedAtItsCommit: an edit held between writing its
// versions and committing (paused where it closes a current version) gives
// them the moment it commits, not the moment it wrote them. Until then
// everyone was answered by the old versions, and the history says so for
// a moment in between, as does the edit's own answer. (Stamped when written, the history gave the moment
// in between to the new versions: a tenth attacker's reports during
// splits, 145–253 of ~2,100, stored under a unit the history did not.)
func TestAVersionIsStampedAtItsCommit(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	if _, err := db.CreateUnit(ctx, "test", geo.Unit{Code: "139902", Level: geo.District, Name: "测试区", Geom: square(116, 38, 1)}); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		name string
		// edit changes the streets a and b (a paused where it is closed)
		// and returns the versions it answered, by code.
		edit func(a, b string) (map[string]geo.Unit, error)
		// both: the edit changes b too.
		both bool
	}{
		{"a revision", func(a, _ string) (map[string]geo.Unit, error) {
			u, err := db.GetUnit(ctx, a, time.Time{})
			if err != nil {
				return nil, err
			}
			u.Name = "改名街道"
			res, err := db.EditUnit(ctx, "test", u, 1)
			return map[string]geo.Unit{a: res.Version}, err
		}, false},
		{"a retirement", func(a, _ string) (map[string]geo.Unit, error) {
			res, err := db.RetireUnit(ctx, "test", a, 1)
			return map[string]geo.Unit{a: res.Version}, err
		}, false},
		{"a merge", func(a, b string) (map[string]geo.Unit, error) {
			res, err := db.MergeUnits(ctx, "test", geo.UnitMerge{Codes: []string{a, b}, Name: "合并街道"})
			out := map[string]geo.Unit{}
			for _, u := range res.Units {
				out[u.Code] = u
			}
			return out, err
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := fmt.Sprintf("139902%03d", 2*i+1), fmt.Sprintf("139902%03d", 2*i+2)
			for k, code := range []string{a, b} {
				if _, err := db.CreateUnit(ctx, "test", geo.Unit{Code: code, Level: geo.Street, Name: "街道", ParentCode: "139902",
					Geom: square(116+0.2*float64(i)+0.05*float64(k), 38, 0.05)}); err != nil {
					t.Fatal(err)
				}
			}
			pause := pgtest.PauseClosing(t, db, a)
			type edited struct {
				answered map[string]geo.Unit
				err      error
			}
			done := make(chan edited, 1)
			go func() {
				answered, err := tc.edit(a, b)
				done <- edited{answered, err}
			}()
			pause.Wait()
			between := databaseClock(t, db)
			pause.Release()
			got := <-done
			if got.err != nil {
				t.Fatal(got.err)
			}
			old, err := db.GetUnit(ctx, a, between)
			if err != nil || old.Version != 1 {
				t.Errorf("%s at a moment before the edit committed: version %d (%v), want 1, as everyone was answered then", a, old.Version, err)
			}
			changed := []string{a}
			if tc.both {
				changed = append(changed, b)
			}
			for _, code := range changed {
				versions := history(t, db, code)
				last := versions[len(versions)-1]
				if stamp := lastStamp(last); !stamp.After(between) {
					t.Errorf("%s v%d stamped %s, before a moment (%s) the edit had not committed", code, last.Version, stamp, between)
				}
				if v, ok := got.answered[code]; ok && !sameStamps(v, last) {
					t.Errorf("%s: the edit answered v%d from %v to %v; stored from %v to %v", code, v.Version, v.ValidFrom, v.ValidTo, last.ValidFrom, last.ValidTo)
				}
			}
			pgtest.AssertEveryVersionChanged(t, db)
		})
	}
}

// lastStamp is the later of a version's stamps (its end, if it has one).
func lastStamp(u geo.Unit) time.Time {
	if u.ValidTo != nil {
		return *u.ValidTo
	}
	return u.ValidFrom
}

func sameStamps(a, b geo.Unit) bool {
	return a.Version == b.Version && a.ValidFrom.Equal(b.ValidFrom) &&
		(a.ValidTo == nil) == (b.ValidTo == nil) && (a.ValidTo == nil || a.ValidTo.Equal(*b.ValidTo))
}

func databaseClock(t *testing.T, db *postgres.DB) time.Time {
	t.Helper()
	var now time.Time
	if err := db.Pool.QueryRow(context.Background(), `SELECT clock_timestamp()`).Scan(&now); err != nil {
		t.Fatal(err)
	}
	return now
}

// TestReportsOvertakenByAnEditAreRefused: reports resolved from a data
// version and observed after a later one began are not stored (their
// resolution may name a unit the history does not give their moment to);
// the store names the version to resolve them again from, and stores them
// once they are. A report observed before the later version began stands
// as resolved, whenever it is stored.
func TestReportsOvertakenByAnEditAreRefused(t *testing.T) {
	e := newReportEnv(t)
	p := e.pointIn(t, "unit", "120104006001002")
	now := func(in *casework.ReportInput) { in.ObservedAt = time.Time{} }
	before := e.report(t, p, now)
	d := 0.0005
	enc := geo.Enclave{Code: "E-gate-1", Name: "测试飞地", ManagingCode: demo.BaihechuntianCode, Status: geo.EnclaveCustodial,
		Geom: square(p[0]-d, p[1]-d, 2*d)}
	if _, err := e.db.ReviseEnclave(e.ctx, "test", enc); err != nil {
		t.Fatal(err)
	}
	head, err := e.db.HeadVersion(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	stale := e.report(t, p, now) // resolved by the index the edit has not reached
	_, err = e.db.CreateReports(e.ctx, []casework.Report{stale})
	if moved, ok := geo.MovedTo(err); !ok || moved != head || geo.ErrorCodeOf(err) != geo.EUNAVAILABLE {
		t.Fatalf("a report resolved at v%d, observed after v%d began: %v (moved to %d), want refused, naming v%d",
			stale.Resolution.IndexVersion, head, err, moved, head)
	}
	if _, err := e.db.GetReport(e.ctx, stale.ID); geo.ErrorCodeOf(err) != geo.ENOTFOUND {
		t.Fatalf("the refused report was stored: %v", err)
	}
	res, err := e.db.CreateReports(e.ctx, []casework.Report{before})
	if err != nil || res[0].Outcome != casework.Created || res[0].Report.UnitCode == demo.BaihechuntianCode {
		t.Fatalf("a report observed before v%d began, stored after: %v, %+v; want created as resolved", head, err, res)
	}
	if err := e.svc.Reload(e.ctx); err != nil {
		t.Fatal(err)
	}
	fresh := e.report(t, p, func(in *casework.ReportInput) { in.ID, in.ObservedAt = stale.ID, time.Time{} })
	res, err = e.db.CreateReports(e.ctx, []casework.Report{fresh})
	if err != nil || res[0].Outcome != casework.Created || res[0].Report.UnitCode != demo.BaihechuntianCode {
		t.Fatalf("resolved again from v%d: %v, %+v; want created under %s", fresh.Resolution.IndexVersion, err, res, demo.BaihechuntianCode)
	}
}
