package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// The demo city's reports and patrols: a week of hazards, events and patrol
// logs in every workflow state (some escalated, some inside the enclave,
// some in the planted gaps), and three days of patrol tracks, so that the
// map, the case lists and the statistics have something to show.
//
// Everything is drawn from a fixed seed; times are relative to the hour the
// demo is built, so the same build on another day shows the same week
// shifted, not an empty dashboard.

// DemoReports is how many reports the demo city gets; ReportsInEnclave and
// ReportsInGaps of them lie in the enclave and in the planted gaps.
const (
	DemoReports      = 360
	ReportsInEnclave = 12
	ReportsInGaps    = 8
	demoPatrolDays   = 3
	demoPatrolGrids  = 12
)

var demoNS = uuid.MustParse("6f1d3c52-5b1e-4c0e-9a57-67726964dead")

// DemoReportID is the id of the i-th demo report.
func DemoReportID(i int) string {
	return uuid.NewSHA1(demoNS, fmt.Appendf(nil, "report-%d", i)).String()
}

// resetReportsSQL empties the report and patrol tables before a rebuild.
// Photos stay (evidence is never deleted); their links to the replaced
// reports go with them.
const resetReportsSQL = `TRUNCATE report, report_event, report_attachment, report_stat_delta, report_stat, patrol, patrol_visit, patrol_day`

// reportPointsSQL draws the demo points: most in 南开区 and 万新街道, some in
// the enclave and some in the planted gaps (community land no grid covers).
const reportPointsSQL = `
WITH gap AS (
  SELECT ST_Union(ST_Difference(c.geom, coalesce((SELECT ST_Union(g.geom) FROM unit g
           WHERE g.parent_code = c.code AND g.level = 'grid' AND g.valid_to IS NULL), 'POLYGON EMPTY'::geometry))) AS geom
  FROM unit c WHERE c.code = ANY($5) AND c.valid_to IS NULL
), src AS (
  SELECT 1 AS ord, geom, $1::int AS n, 7 AS seed FROM unit WHERE code = '` + NankaiCode + `' AND valid_to IS NULL
  UNION ALL SELECT 2, geom, $2, 8 FROM unit WHERE code = '` + WanxinCode + `' AND valid_to IS NULL
  UNION ALL SELECT 3, geom, $3, 9 FROM enclave WHERE code = '` + EnclaveCode + `' AND valid_to IS NULL
  UNION ALL SELECT 4, geom, $4, 10 FROM gap
)
SELECT ST_X(d.geom), ST_Y(d.geom) FROM src, LATERAL ST_Dump(ST_GeneratePoints(src.geom, src.n, src.seed)) AS d
ORDER BY src.ord, d.path`

// resolveManySQL resolves the demo points at their observed times in one
// statement, with the rules of migration 002.
const resolveManySQL = `SELECT gridmap_resolve(x, y, t) FROM unnest($1::float8[], $2::float8[], $3::timestamptz[])
  WITH ORDINALITY AS p(x, y, t, ord) ORDER BY ord`

// gridWorkersSQL names each grid's worker (see subdivideSQL).
const gridWorkersSQL = `SELECT code, properties->>'grid_worker' FROM unit WHERE level = 'grid' AND valid_to IS NULL`

func (b *builder) reports() error {
	if err := b.exec(resetReportsSQL); err != nil {
		return err
	}
	if b.scale == ScaleProvince {
		return nil // a benchmark data set: boundaries only, no demo week
	}
	anchor := time.Now().UTC().Truncate(time.Hour)
	rng := rand.New(rand.NewPCG(2026, 6))
	pts, err := b.demoPoints()
	if err != nil {
		return err
	}
	workers := map[string]string{}
	if err := b.scanPairs(gridWorkersSQL, func(code, name string) { workers[code] = name }); err != nil {
		return err
	}
	xs, ys, ts := make([]float64, len(pts)), make([]float64, len(pts)), make([]time.Time, len(pts))
	for i, p := range pts {
		xs[i], ys[i] = p[0], p[1]
		ts[i] = anchor.Add(-time.Duration(rng.Float64() * 6.5 * float64(24*time.Hour))).Truncate(time.Second)
	}
	rows, err := b.tx.Query(b.ctx, resolveManySQL, xs, ys, ts)
	if err != nil {
		return err
	}
	var resolutions []geo.Resolution
	for rows.Next() {
		var raw []byte
		var r geo.Resolution
		if err := rows.Scan(&raw); err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		resolutions = append(resolutions, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	policy := casework.DefaultPolicy()
	rs := make([]casework.Report, 0, len(pts))
	for i := range pts {
		r, err := demoReport(rng, i, pts[i], ts[i], resolutions[i], workers, policy, anchor)
		if err != nil {
			return fmt.Errorf("demo report %d: %w", i, err)
		}
		rs = append(rs, r)
	}
	if err := postgres.CopyReports(b.ctx, b.tx, rs); err != nil {
		return err
	}
	if err := b.patrols(rng, anchor, workers); err != nil {
		return err
	}
	return b.exec(`SELECT gridmap_fold_report_stats(1000000)`)
}

func (b *builder) demoPoints() ([]orb.Point, error) {
	p := b.sum.Planted
	gaps := []string{p.DroppedGrid[:12], p.CarvedGrid[:12]}
	city := DemoReports - ReportsInEnclave - ReportsInGaps
	rows, err := b.tx.Query(b.ctx, reportPointsSQL, city*5/6, city-city*5/6, ReportsInEnclave, ReportsInGaps, gaps)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var pts []orb.Point
	for rows.Next() {
		var pt orb.Point
		if err := rows.Scan(&pt[0], &pt[1]); err != nil {
			return nil, err
		}
		pts = append(pts, pt)
	}
	return pts, rows.Err()
}

func (b *builder) scanPairs(sql string, fn func(a, b string)) error {
	rows, err := b.tx.Query(b.ctx, sql)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var x, y string
		if err := rows.Scan(&x, &y); err != nil {
			return err
		}
		fn(x, y)
	}
	return rows.Err()
}

// What the demo's grid workers find, by kind, with the weight of each.
var (
	demoHazards = []weighted{{"E0601", 9}, {"E0602", 8}, {"E0506", 8}, {"E0101", 6}, {"E0102", 7}, {"E0109", 4},
		{"E0609", 3}, {"C0111", 5}, {"C0101", 3}, {"C0103", 3}, {"C0109", 2}, {"E0604", 3}, {"E0605", 2},
		{"E0404", 3}, {"E0603", 2}, {"E0606", 3}, {"C0303", 1}, {"C0402", 2}}
	demoEvents = []weighted{{"E0201", 5}, {"E0503", 5}, {"E0504", 6}, {"E0505", 4}, {"E0301", 3}, {"E0302", 3},
		{"E0304", 2}, {"E0507", 2}, {"E0104", 3}}
	demoPatrolLogs = []weighted{{"P0101", 6}, {"P0102", 2}, {"P0103", 2}, {"P0104", 1}}
	demoPlaces     = []string{"小区东门", "3号楼楼道", "路口西侧", "菜市场北侧", "幼儿园门前", "地下车库入口",
		"公交站旁", "社区广场", "沿街商铺前", "老旧小区院内", "河道护栏边", "学校后墙"}
	demoRemarks = []string{"已拍照留存", "居民多次反映", "存在安全隐患，请尽快处理", "影响通行", "夜间尤其明显", "已现场劝导"}
	departments = map[string]string{"C01": "市政公用", "C02": "交通管理", "C03": "环卫", "C04": "园林绿化",
		"E01": "城管执法", "E02": "城管执法", "E03": "住建", "E04": "应急管理", "E05": "城管执法", "E06": "消防安全"}
)

type weighted struct {
	code string
	w    int
}

func pick(rng *rand.Rand, ws []weighted) string {
	total := 0
	for _, x := range ws {
		total += x.w
	}
	n := rng.IntN(total)
	for _, x := range ws {
		if n -= x.w; n < 0 {
			return x.code
		}
	}
	return ws[len(ws)-1].code
}

// demoReport makes the i-th report and walks it through the workflow.
func demoReport(rng *rand.Rand, i int, pt orb.Point, observed time.Time, res geo.Resolution,
	workers map[string]string, p casework.Policy, anchor time.Time) (casework.Report, error) {
	kind, list := casework.KindHazard, demoHazards
	switch x := rng.IntN(100); {
	case x < 6:
		kind, list = casework.KindPatrolLog, demoPatrolLogs
	case x < 20:
		kind, list = casework.KindEvent, demoEvents
	}
	cat, _ := casework.Categories.Lookup(pick(rng, list))
	sev := []int{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4}[rng.IntN(11)]
	reporter := "网格员"
	if res.Geographic.Grid != nil && workers[res.Geographic.Grid.Code] != "" {
		reporter = workers[res.Geographic.Grid.Code]
	}
	in := casework.ReportInput{ID: DemoReportID(i), Kind: kind, Category: cat.Code, Severity: sev, Point: pt, CRS: geo.WGS84,
		Description: fmt.Sprintf("%s附近发现%s，%s。", demoPlaces[rng.IntN(len(demoPlaces))], cat.Name, demoRemarks[rng.IntN(len(demoRemarks))]),
		ObservedAt:  observed, Reporter: reporter}
	// The demo's reports once listed made-up photos; reports now list only
	// stored ones. The draws stay, so that the demo city stays the same.
	if rng.IntN(10) < 6 {
		rng.Int64N(2_800_000)
	}
	if err := in.Validate(anchor); err != nil {
		return casework.Report{}, err
	}
	received := observed.Add(time.Duration(1+rng.IntN(90)) * time.Minute)
	if rng.IntN(10) == 0 {
		received = received.Add(time.Duration(rng.IntN(12)) * time.Hour) // uploaded later, offline
	}
	if received.After(anchor) {
		received = anchor
	}
	r, err := casework.NewReport(in, res, p, received)
	if err != nil {
		return r, err
	}
	if kind != casework.KindPatrolLog {
		err = walk(rng, &r, p, anchor, cat.ClassCode)
	}
	return r, err
}

// targets are the states demo cases end in, with weights: most old cases
// are closed, some are still moving, a few were rejected or reopened.
var targets = []struct {
	state casework.State
	path  []casework.Action
	w     int
}{
	{casework.StateReported, nil, 12},
	{casework.StateAccepted, []casework.Action{casework.ActionAccept}, 10},
	{casework.StateDispatched, []casework.Action{casework.ActionAccept, casework.ActionDispatch}, 14},
	{casework.StateHandled, []casework.Action{casework.ActionAccept, casework.ActionDispatch, casework.ActionHandle}, 9},
	{casework.StateVerified, []casework.Action{casework.ActionAccept, casework.ActionDispatch, casework.ActionHandle, casework.ActionVerify}, 7},
	{casework.StateClosed, []casework.Action{casework.ActionAccept, casework.ActionDispatch, casework.ActionHandle, casework.ActionVerify, casework.ActionClose}, 36},
	{casework.StateRejected, []casework.Action{casework.ActionReject}, 6},
	{casework.StateReopened, []casework.Action{casework.ActionAccept, casework.ActionDispatch, casework.ActionHandle, casework.ActionVerify, casework.ActionReopen}, 6},
}

// walk moves a case towards a drawn target state, a step every 20 minutes
// to 10 hours, stopping at the build time; overdue open cases are then
// escalated at the moments their level clocks ran out.
func walk(rng *rand.Rand, r *casework.Report, p casework.Policy, anchor time.Time, class string) error {
	n := rng.IntN(100)
	var path []casework.Action
	for _, t := range targets {
		if n -= t.w; n < 0 {
			path = t.path
			break
		}
	}
	at := r.ReceivedAt
	for _, a := range path {
		at = at.Add(time.Duration(20+rng.IntN(600)) * time.Minute / time.Duration(r.Severity))
		if at.After(anchor) {
			break
		}
		escalateDue(r, p, at) // what fell due before this step came first
		q := casework.TransitionRequest{Action: a, Actor: actorFor(a, r, class)}
		switch a {
		case casework.ActionReject:
			q.Note = "重复上报，已合并到先前案件"
		case casework.ActionReopen:
			q.Note = "核查不通过：问题反弹"
		case casework.ActionDispatch:
			q.Assignee = departments[class]
		case casework.ActionHandle:
			q.Note = "已处置完毕，附处置后照片"
		}
		t, err := r.Apply(q, p, at)
		if err != nil {
			return err
		}
		r.History = append(r.History, t)
	}
	escalateDue(r, p, anchor)
	return nil
}

// escalateDue escalates r at each level deadline up to until, as the
// sweep would have, so that a case's history stays in time order.
func escalateDue(r *casework.Report, p casework.Policy, until time.Time) {
	for r.LevelDueAt != nil && !r.LevelDueAt.After(until) {
		t, ok := p.Escalate(r, postgres.EscalationActor, *r.LevelDueAt)
		if !ok {
			return
		}
		r.History = append(r.History, t)
	}
}

func actorFor(a casework.Action, r *casework.Report, class string) string {
	switch a {
	case casework.ActionVerify:
		return r.Reporter
	case casework.ActionHandle:
		return departments[class] + "处置组"
	case casework.ActionDispatch:
		return "指挥中心"
	}
	return "监督中心"
}
