package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// reportEnv is a demo city with its resolver, for report tests.
type reportEnv struct {
	db  *postgres.DB
	svc *geo.Service
	ctx context.Context
}

func newReportEnv(t *testing.T) *reportEnv {
	t.Helper()
	db := demotest.Open(t)
	svc := geo.NewService(db, db)
	if err := svc.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &reportEnv{db: db, svc: svc, ctx: context.Background()}
}

// pointIn returns a point inside the current unit or enclave code.
func (e *reportEnv) pointIn(t *testing.T, table, code string) orb.Point {
	t.Helper()
	var p orb.Point
	err := e.db.Pool.QueryRow(e.ctx, `SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_PointOnSurface(geom) g FROM `+table+
		` WHERE code = $1 AND valid_to IS NULL) s`, code).Scan(&p[0], &p[1])
	if err != nil {
		t.Fatalf("point in %s %s: %v", table, code, err)
	}
	return p
}

// report builds a validated, resolved report at p observed an hour ago.
func (e *reportEnv) report(t *testing.T, p orb.Point, mutate ...func(*casework.ReportInput)) casework.Report {
	t.Helper()
	now := time.Now()
	in := casework.ReportInput{ID: uuid.NewString(), Kind: casework.KindHazard, Category: "E0506", Severity: 2,
		Description: "消防通道被堵", Point: p, ObservedAt: now.Add(-time.Hour), Reporter: "测试员"}
	for _, m := range mutate {
		m(&in)
	}
	if err := in.Validate(now); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Resolve(e.ctx, geo.ResolveQuery{Point: in.Point, CRS: in.CRS, At: in.ObservedAt})
	if err != nil {
		t.Fatal(err)
	}
	r, err := casework.NewReport(in, res, casework.DefaultPolicy(), now)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *reportEnv) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.Pool.QueryRow(e.ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestCreateReportsIdempotent(t *testing.T) {
	e := newReportEnv(t)
	p := e.pointIn(t, "unit", "120104001001001")
	r := e.report(t, p)
	t.Run("100 concurrent posts of one report make one row", func(t *testing.T) {
		var wg sync.WaitGroup
		outcomes := make([]casework.CreateOutcome, 100)
		errs := make([]error, 100)
		for i := range outcomes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := e.db.CreateReports(e.ctx, []casework.Report{r})
				errs[i] = err
				if err == nil {
					outcomes[i] = res[0].Outcome
				}
			}()
		}
		wg.Wait()
		created := 0
		for i, o := range outcomes {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if o == casework.Created {
				created++
			} else if o != casework.Existing {
				t.Errorf("post %d: outcome %d", i, o)
			}
		}
		if created != 1 {
			t.Errorf("%d posts say they created the report", created)
		}
		for table, col := range map[string]string{"report": "id", "report_event": "report_id"} {
			if n := e.count(t, `SELECT count(*) FROM `+table+` WHERE `+col+` = $1`, r.ID); n != 1 {
				t.Errorf("%d rows in %s", n, table)
			}
		}
		if n := e.count(t, `SELECT count(*) FROM report_stat_delta WHERE unit = $1 AND category = 'E0506' AND state = 'reported'`, r.UnitCode); n != 1 {
			t.Errorf("%d statistics deltas", n)
		}
	})
	t.Run("the same id with other content is refused", func(t *testing.T) {
		other := r
		other.Description = "另一件事"
		other.Hash[0] ^= 1
		res, err := e.db.CreateReports(e.ctx, []casework.Report{other})
		if err != nil || res[0].Outcome != casework.Different || res[0].Report.Description != r.Description {
			t.Fatalf("%v %+v", err, res)
		}
	})
	t.Run("a batch with repeats", func(t *testing.T) {
		a, b := e.report(t, p), e.report(t, p)
		a2 := a
		a2.Hash[0] ^= 1
		res, err := e.db.CreateReports(e.ctx, []casework.Report{a, b, a, a2, r})
		if err != nil {
			t.Fatal(err)
		}
		want := []casework.CreateOutcome{casework.Created, casework.Created, casework.Existing, casework.Different, casework.Existing}
		for i, w := range want {
			if res[i].Outcome != w {
				t.Errorf("slot %d: outcome %d, want %d", i, res[i].Outcome, w)
			}
		}
		if n := e.count(t, `SELECT count(*) FROM report WHERE id = ANY($1::uuid[])`, []string{a.ID, b.ID}); n != 2 {
			t.Errorf("%d rows", n)
		}
	})
}

func TestDemoReportsLand(t *testing.T) {
	e := newReportEnv(t)
	if n := e.count(t, `SELECT count(*) FROM report`); n != demo.DemoReports {
		t.Fatalf("%d demo reports", n)
	}
	t.Run("in the enclave: 百合春天社区, status enclave", func(t *testing.T) {
		n := e.count(t, `SELECT count(*) FROM report r JOIN enclave x ON x.code = $1 AND ST_Covers(x.geom, r.geom)
			WHERE r.res_status = 'enclave' AND r.unit_code = $2 AND r.resolution->'enclave'->>'code' = $1
			  AND 'enclave' = ANY(r.flags)`, demo.EnclaveCode, demo.BaihechuntianCode)
		if n != demo.ReportsInEnclave {
			t.Errorf("%d of %d enclave reports land at 百合春天社区", n, demo.ReportsInEnclave)
		}
	})
	t.Run("in the gaps: the community, status unmanaged, flagged", func(t *testing.T) {
		n := e.count(t, `SELECT count(*) FROM report WHERE res_status = 'unmanaged' AND length(unit_code) = 12
			AND 'unmanaged' = ANY(flags) AND resolution->'grid' = 'null' AND level <> 'grid'`)
		if n < demo.ReportsInGaps {
			t.Errorf("%d unmanaged reports at a community; want at least %d", n, demo.ReportsInGaps)
		}
	})
	t.Run("every state, and histories that replay", func(t *testing.T) {
		if n := e.count(t, `SELECT count(DISTINCT state) FROM report`); n != len(casework.States) {
			t.Errorf("%d states", n)
		}
		if n := e.count(t, `SELECT count(*) FROM report r WHERE events <> (SELECT count(*) FROM report_event WHERE report_id = r.id)
			OR state <> (SELECT to_state FROM report_event WHERE report_id = r.id ORDER BY seq DESC LIMIT 1)`); n != 0 {
			t.Errorf("%d reports disagree with their history", n)
		}
		if n := e.count(t, `SELECT count(*) FROM report_event WHERE action = 'escalate'`); n == 0 {
			t.Error("no demo case was escalated")
		}
	})
	t.Run("statistics are folded and add up", func(t *testing.T) {
		if n := e.count(t, `SELECT coalesce(sum(n), 0) FROM report_stat WHERE level = 0`); n != demo.DemoReports {
			t.Errorf("folded statistics count %d reports", n)
		}
	})
	t.Run("patrols", func(t *testing.T) {
		if n := e.count(t, `SELECT count(*) FROM patrol WHERE visited_cells > 0 AND inside_s > 0`); n < 20 {
			t.Errorf("%d demo patrols covered something", n)
		}
	})
}

func TestWorkflowStored(t *testing.T) {
	e := newReportEnv(t)
	r := e.report(t, e.pointIn(t, "unit", "120104002001001"))
	if _, err := e.db.CreateReports(e.ctx, []casework.Report{r}); err != nil {
		t.Fatal(err)
	}
	p := casework.DefaultPolicy()
	step := func(a casework.Action, client string) (casework.Report, bool, error) {
		return e.db.Transition(e.ctx, r.ID, casework.TransitionRequest{Action: a, Actor: "指挥中心", Note: "理由", ClientID: client}, p)
	}
	client := uuid.NewString()
	got, replayed, err := step(casework.ActionAccept, client)
	if err != nil || replayed || got.State != casework.StateAccepted || len(got.History) != 2 {
		t.Fatalf("accept: %v %v %+v", err, replayed, got.History)
	}
	t.Run("a retried step is recognised", func(t *testing.T) {
		got, replayed, err := step(casework.ActionAccept, client)
		if err != nil || !replayed || got.Events != 2 {
			t.Errorf("retry: %v, replayed %v, events %d", err, replayed, got.Events)
		}
	})
	t.Run("an illegal step names the state", func(t *testing.T) {
		_, _, err := step(casework.ActionClose, "")
		if geo.ErrorCodeOf(err) != geo.ECONFLICT {
			t.Errorf("close from accepted: %v", err)
		}
	})
	t.Run("unknown report", func(t *testing.T) {
		_, _, err := e.db.Transition(e.ctx, uuid.NewString(), casework.TransitionRequest{Action: casework.ActionAccept, Actor: "a"}, p)
		if geo.ErrorCodeOf(err) != geo.ENOTFOUND {
			t.Errorf("err %v", err)
		}
	})
	for _, a := range []casework.Action{casework.ActionDispatch, casework.ActionHandle} {
		if got, _, err = step(a, ""); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	// The store reads the history under the lock, so the handler is known:
	// 指挥中心 handled the case and may not check it (监管分离).
	if _, _, err := step(casework.ActionVerify, ""); geo.ErrorCodeOf(err) != geo.EFORBIDDEN {
		t.Fatalf("the handler verifies: %v; want EFORBIDDEN", err)
	}
	for _, a := range []casework.Action{casework.ActionVerify, casework.ActionClose} {
		q := casework.TransitionRequest{Action: a, Actor: "监督中心"}
		if got, _, err = e.db.Transition(e.ctx, r.ID, q, p); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	if got.State != casework.StateClosed || !*got.ClosedOnTime || len(got.History) != 6 {
		t.Fatalf("closed: %+v", got)
	}
	for i, h := range got.History {
		if h.Seq != i+1 {
			t.Errorf("history entry %d has seq %d", i, h.Seq)
		}
	}
	if _, err := e.db.FoldReportStats(e.ctx); err != nil {
		t.Fatal(err)
	}
	st, err := e.db.Stats(e.ctx, casework.StatsQuery{Unit: r.UnitCode, From: geo.ChinaDay(r.ObservedAt), To: geo.ChinaDay(r.ObservedAt).AddDate(0, 0, 1), Category: "E0506"})
	if err != nil {
		t.Fatal(err)
	}
	var closed, onTime, others int64
	for _, c := range st.Cells {
		if c.State == casework.StateClosed {
			closed, onTime = closed+c.Count, onTime+c.OnTime
		} else {
			others += c.Count
		}
	}
	if closed != 1 || onTime != 1 || others != 0 {
		t.Errorf("statistics of the grid: closed %d, on time %d, others %d", closed, onTime, others)
	}
}

func TestEscalateOverdue(t *testing.T) {
	e := newReportEnv(t)
	r := e.report(t, e.pointIn(t, "unit", "120104005002003"))
	if _, err := e.db.CreateReports(e.ctx, []casework.Report{r}); err != nil {
		t.Fatal(err)
	}
	p := casework.DefaultPolicy()
	late := time.Now().Add(49 * time.Hour)
	var wg sync.WaitGroup
	for range 3 { // replicas sweeping at once never raise a case twice
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := e.db.Escalate(e.ctx, p, late, 50)
				if err != nil {
					t.Error(err)
				}
				if n < 50 {
					return
				}
			}
		}()
	}
	wg.Wait()
	got, err := e.db.GetReport(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := got.History[len(got.History)-1]
	if got.Level != geo.Community || got.AssignedCode != r.AssignedCode[:12] || got.Escalations != 1 ||
		last.Action != casework.ActionEscalate || last.Actor != postgres.EscalationActor || last.Detail["reason"] != "overdue" {
		t.Fatalf("after the sweep: %s %s, escalations %d, last %+v", got.Level, got.AssignedCode, got.Escalations, last)
	}
	if n := e.count(t, `SELECT count(*) FROM report_event WHERE action = 'escalate' AND report_id = $1`, r.ID); n != 1 {
		t.Errorf("%d escalations recorded", n)
	}
	t.Run("a stricter policy raises cases below the new floor", func(t *testing.T) {
		r := e.report(t, e.pointIn(t, "unit", "120104005002002"))
		if _, err := e.db.CreateReports(e.ctx, []casework.Report{r}); err != nil {
			t.Fatal(err)
		}
		strict, err := casework.ParsePolicy("", "2=street")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.Escalate(e.ctx, strict, time.Now(), 1000); err != nil {
			t.Fatal(err)
		}
		got, err := e.db.GetReport(e.ctx, r.ID)
		if err != nil || got.Level != geo.Street || got.History[len(got.History)-1].Detail["reason"] != "severity" {
			t.Errorf("severity 2 under floor street: at %s (%v)", got.Level, err)
		}
	})
}

func TestReresolve(t *testing.T) {
	e := newReportEnv(t)
	p := e.pointIn(t, "unit", "120104006001002")
	r := e.report(t, p)
	if _, err := e.db.CreateReports(e.ctx, []casework.Report{r}); err != nil {
		t.Fatal(err)
	}
	// The boundaries change: a new enclave round the spot, handed to 百合春天社区.
	d := 0.0005
	enc := geo.Enclave{Code: "E-test-1", Name: "测试飞地", ManagingCode: demo.BaihechuntianCode, Status: geo.EnclaveCustodial,
		Geom: orb.MultiPolygon{{{{p[0] - d, p[1] - d}, {p[0] + d, p[1] - d}, {p[0] + d, p[1] + d}, {p[0] - d, p[1] + d}, {p[0] - d, p[1] - d}}}}}
	if _, err := e.db.ReviseEnclave(e.ctx, "test", enc); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Reload(e.ctx); err != nil {
		t.Fatal(err)
	}
	q := casework.TransitionRequest{ClientID: uuid.NewString(), Action: casework.ActionReresolve, Actor: "GIS", Note: "boundaries of 2026"}
	resolved := 0
	resolve := func(r casework.Report, floor int64) (geo.Resolution, error) {
		resolved++
		return e.svc.Resolve(e.ctx, geo.ResolveQuery{Point: r.Point, CRS: r.CRS, MinVersion: floor})
	}
	got, replayed, err := e.db.Reresolve(e.ctx, r.ID, q, resolve)
	if err != nil || replayed {
		t.Fatal(replayed, err)
	}
	again, replayed, err := e.db.Reresolve(e.ctx, r.ID, q, resolve)
	if err != nil || !replayed || again.Events != got.Events || resolved != 1 {
		t.Fatalf("a retry: replayed %v, events %d after %d, resolved %d times (%v)", replayed, again.Events, got.Events, resolved, err)
	}
	q.Note = "another note"
	if _, _, err := e.db.Reresolve(e.ctx, r.ID, q, resolve); geo.ErrorCodeOf(err) != geo.ECONFLICT {
		t.Fatalf("the same client id with another note: %v", err)
	}
	last := got.History[len(got.History)-1]
	prev, _ := last.Detail["previous"].(map[string]any)
	if got.Resolution.Status != geo.StatusEnclave || got.UnitCode != demo.BaihechuntianCode || got.AssignedCode != demo.BaihechuntianCode ||
		last.Action != casework.ActionReresolve || prev["status"] != "managed" || last.Detail["changed"] != true {
		t.Fatalf("re-resolved: %s %s %s, last %+v", got.Resolution.Status, got.UnitCode, got.AssignedCode, last)
	}
	if _, err := e.db.FoldReportStats(e.ctx); err != nil {
		t.Fatal(err)
	}
	day := geo.ChinaDay(r.ObservedAt)
	for unit, want := range map[string]int64{r.UnitCode[:9]: 0, demo.WanxinCode: 1} {
		st, err := e.db.Stats(e.ctx, casework.StatsQuery{Unit: unit[:6], From: day, To: day.AddDate(0, 0, 1), Category: "E0506"})
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, c := range st.Cells {
			if c.Unit == unit && c.State == casework.StateReported {
				n += c.Count
			}
		}
		if n != want+demoReported(t, e, unit, day) {
			t.Errorf("%s counts %d reported E0506 reports; want %d more than the demo's", unit, n, want)
		}
	}
}

// demoReported counts the demo's reported E0506 cases under unit on day.
func demoReported(t *testing.T, e *reportEnv, unit string, day time.Time) int64 {
	return int64(e.count(t, `SELECT count(*) FROM report WHERE starts_with(unit_code, $1) AND state = 'reported'
		AND category = 'E0506' AND reporter <> '测试员' AND (observed_at AT TIME ZONE 'Asia/Shanghai')::date = $2::date`,
		unit, day.Format(time.DateOnly)))
}
