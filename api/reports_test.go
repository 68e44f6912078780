package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// reportServer serves a demo city with reports, patrols and tokens wired in.
type reportServer struct {
	db               *postgres.DB
	srv              *httptest.Server
	admin, reporter  string // bearer tokens
	viewer, outsider string
}

func newReportServer(t *testing.T) *reportServer {
	t.Helper()
	db, svc := openDemoService(t)
	h := New(Deps{Units: db, Resolver: svc, Tokens: db, Reports: db, Patrols: db, Positions: db, Policy: casework.DefaultPolicy(),
		Auth: &AuthConfig{PublicReads: true, CacheTTL: time.Second}})
	s := &reportServer{db: db, srv: httptest.NewServer(h)}
	t.Cleanup(s.srv.Close)
	tok := func(role access.Role, scope, name string) string {
		return createToken(t, db, role, scope, name, time.Now().Add(time.Hour))
	}
	s.admin, s.reporter = tok(access.RoleAdmin, "", "admin"), tok(access.RoleReporter, "", "王伟")
	s.viewer, s.outsider = tok(access.RoleViewer, "", "大屏"), tok(access.RoleReporter, demo.DongliCode, "东丽网格员")
	return s
}

func (s *reportServer) send(t *testing.T, method, path, token string, body []byte) response {
	t.Helper()
	return request(t, method, s.srv.URL+path, body, append([]string{"Content-Type", "application/json"}, authHeader(token)...)...)
}

func (s *reportServer) stored(t *testing.T, id string) int {
	t.Helper()
	var n int
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM report WHERE id::text = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// point returns a point of a current unit, an enclave, or a planted gap.
func (s *reportServer) point(t *testing.T, what string) orb.Point {
	t.Helper()
	sql := map[string]string{
		"unit":    `SELECT ST_PointOnSurface(geom) FROM unit WHERE code = $1 AND valid_to IS NULL`,
		"enclave": `SELECT ST_PointOnSurface(geom) FROM enclave WHERE code = $1 AND valid_to IS NULL`,
		// The largest piece of the street's first community that no grid covers.
		"gap": `SELECT ST_PointOnSurface(d.geom) FROM unit c,
			LATERAL ST_Dump(ST_Difference(c.geom, (SELECT ST_Union(g.geom) FROM unit g WHERE g.parent_code = c.code
			  AND g.level = 'grid' AND g.valid_to IS NULL))) d
			WHERE c.code = (SELECT min(code) FROM unit WHERE parent_code = $1 AND level = 'community')
			ORDER BY ST_Area(d.geom) DESC LIMIT 1`,
	}[what]
	var p orb.Point
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (`+sql+`) s(p)`,
		map[string]string{"unit": "120104001001001", "enclave": demo.EnclaveCode, "gap": demo.GapDroppedStreet}[what]).Scan(&p[0], &p[1]); err != nil {
		t.Fatalf("a point in the %s: %v", what, err)
	}
	return p
}

// body is a valid report as JSON, with members overridden by extra.
func body(t *testing.T, id string, p orb.Point, extra map[string]any) []byte {
	t.Helper()
	m := map[string]any{"id": id, "kind": "hazard", "category": "E0601", "severity": 2, "description": "楼道电动车飞线充电",
		"point": []float64{p[0], p[1]}, "observed_at": time.Now().Add(-10 * time.Minute).Format(time.RFC3339)}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReportsLand(t *testing.T) {
	s := newReportServer(t)
	gcj := geo.WGS84ToGCJ02(s.point(t, "enclave")) // as an AMap-based app sends it
	cases := []struct {
		name, status, unit, level string
		p                         orb.Point
		crs                       string
		flags                     string
	}{
		{"inside 沙柳北路64排 (GCJ-02)", "enclave", demo.BaihechuntianCode, "community", gcj, "gcj02", "enclave"},
		{"in a planted gap", "unmanaged", "", "community", s.point(t, "gap"), "wgs84", "unmanaged"},
		{"in a grid", "managed", "120104001001001", "grid", s.point(t, "unit"), "wgs84", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.send(t, "POST", "/v1/reports", s.reporter, body(t, uuid.NewString(), c.p, map[string]any{"crs": c.crs}))
			if r.status != 201 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var got struct {
				Resolution geo.Resolution `json:"resolution"`
				UnitCode   string         `json:"unit_code"`
				Level      string         `json:"level"`
				Flags      []string       `json:"flags"`
				Reporter   string         `json:"reporter"`
				History    []casework.Transition
				State      string `json:"state"`
			}
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatal(err)
			}
			if string(got.Resolution.Status) != c.status || got.Level != c.level || strings.Join(got.Flags, ",") != c.flags ||
				(c.unit != "" && got.UnitCode != c.unit) || got.Reporter != "王伟" || got.State != "reported" || len(got.History) != 1 {
				t.Errorf("landed %s at %s %s, flags %v, reporter %s", got.Resolution.Status, got.Level, got.UnitCode, got.Flags, got.Reporter)
			}
			if c.status == "unmanaged" && (got.Resolution.Grid != nil || len(got.UnitCode) != 12) {
				t.Errorf("a gap report should land at the community: %s", got.UnitCode)
			}
		})
	}
}

func TestReportIdempotencyOverHTTP(t *testing.T) {
	s := newReportServer(t)
	id := uuid.NewString()
	b := body(t, id, s.point(t, "unit"), nil)
	statuses := make([]int, 100)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = s.send(t, "POST", "/v1/reports", s.reporter, b).status
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, st := range statuses {
		count[st]++
	}
	if count[201] != 1 || count[200] != 99 || s.stored(t, id) != 1 {
		t.Errorf("statuses %v, %d rows", count, s.stored(t, id))
	}
	r := s.send(t, "POST", "/v1/reports", s.reporter, body(t, id, s.point(t, "unit"), map[string]any{"severity": 3}))
	if r.status != 409 || r.json(t)["field"] != "id" {
		t.Errorf("same id, other content: %d %s", r.status, r.body)
	}
}

func TestHostileReports(t *testing.T) {
	s := newReportServer(t)
	p := s.point(t, "unit")
	raw := func(b []byte) func(string) []byte { return func(string) []byte { return b } }
	with := func(extra map[string]any) func(string) []byte {
		return func(id string) []byte { return body(t, id, p, extra) }
	}
	cases := []struct {
		name   string
		token  string
		body   func(id string) []byte
		status int
		field  string
	}{
		{"1 MB description", s.reporter, with(map[string]any{"description": strings.Repeat("a", 1<<20)}), 400, "description"},
		{"invalid UTF-8", s.reporter, func(id string) []byte {
			return bytes.Replace(body(t, id, p, nil), []byte("楼道"), []byte{0xff, 0xfe}, 1)
		}, 400, "description"},
		{"unknown category", s.reporter, with(map[string]any{"category": "Z0001"}), 400, "category"},
		{"severity 9", s.reporter, with(map[string]any{"severity": 9}), 400, "severity"},
		{"time in 2099", s.reporter, with(map[string]any{"observed_at": "2099-01-01T00:00:00Z"}), 400, "observed_at"},
		{"coordinates in the sea", s.reporter, with(map[string]any{"point": []float64{121.9, 38.6}}), 400, "point"},
		{"swapped coordinates", s.reporter, with(map[string]any{"point": []float64{p[1], p[0]}}), 400, "point"},
		{"no severity", s.reporter, with(map[string]any{"severity": nil}), 400, "severity"},
		{"no id", s.reporter, func(string) []byte { return body(t, "", p, nil) }, 400, "id"},
		{"severity as text", s.reporter, with(map[string]any{"severity": "high"}), 400, "severity"},
		{"a point of three numbers", s.reporter, with(map[string]any{"point": []float64{1, 2, 3}}), 400, "point"},
		{"observed_at not RFC 3339", s.reporter, with(map[string]any{"observed_at": "yesterday"}), 400, "observed_at"},
		{"malformed JSON", s.reporter, raw([]byte(`{"id":`)), 400, "body"},
		{"empty body", s.reporter, raw(nil), 400, "body"},
		{"5 MB body", s.reporter, raw(bytes.Repeat([]byte(" "), 5<<20)), 413, "body"},
		{"reporting as someone else", s.reporter, with(map[string]any{"reporter": "李娜"}), 403, "reporter"},
		{"no token", "", with(nil), 401, "Authorization"},
		{"a viewer's token", s.viewer, with(nil), 403, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := uuid.NewString()
			r := s.send(t, "POST", "/v1/reports", c.token, c.body(id))
			if r.status != c.status || r.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d (%s); want %d problem: %.300s", r.status, r.header.Get("Content-Type"), c.status, r.body)
			}
			if f, _ := r.json(t)["field"].(string); f != c.field {
				t.Errorf("field %q; want %q: %.300s", f, c.field, r.body)
			}
			if len(r.body) > 2000 {
				t.Errorf("the problem echoes the input: %d bytes", len(r.body))
			}
			if s.stored(t, id) != 0 {
				t.Error("a refused report was stored")
			}
		})
	}
}

func TestReportBatch(t *testing.T) {
	s := newReportServer(t)
	p := s.point(t, "unit")
	a, b := uuid.NewString(), uuid.NewString()
	items := [][]byte{body(t, a, p, nil), body(t, b, p, map[string]any{"severity": 9}), body(t, a, p, nil),
		body(t, a, p, map[string]any{"severity": 4}), []byte(`{"id":"` + uuid.NewString() + `","kind":"patrol_log","category":"P0101","point":[117.15,39.11],"description":"` + "\xff" + `"}`)}
	// Built by hand: json.Marshal would refuse the invalid byte of the last item.
	payload := append(append([]byte(`{"reports":[`), bytes.Join(items, []byte(","))...), "]}"...)
	r := s.send(t, "POST", "/v1/reports:batch", s.reporter, payload)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var got struct {
		Created, Existing, Failed int
		Results                   []struct {
			Status int
			Error  *Problem
		}
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	want := []int{201, 400, 200, 409, 400}
	for i, w := range want {
		if got.Results[i].Status != w {
			t.Errorf("slot %d: status %d, want %d (%+v)", i, got.Results[i].Status, w, got.Results[i].Error)
		}
	}
	if e := got.Results[1].Error; e == nil || e.Field != "reports[1].severity" {
		t.Errorf("slot 1 error %+v", e)
	}
	if e := got.Results[4].Error; e == nil || e.Field != "reports[4].description" {
		t.Errorf("slot 4 error %+v", e)
	}
	if got.Created != 1 || got.Existing != 1 || got.Failed != 3 || s.stored(t, a) != 1 || s.stored(t, b) != 0 {
		t.Errorf("created %d, existing %d, failed %d", got.Created, got.Existing, got.Failed)
	}
	for name, c := range map[string]struct {
		body   string
		status int
	}{
		"empty":        {`{"reports":[]}`, 400},
		"not a batch":  {`[1,2]`, 400},
		"over 1,000":   {`{"reports":[` + strings.Repeat(`{},`, MaxReportBatch) + `{}]}`, 413},
		"no reports":   {`{}`, 400},
		"broken JSON":  {`{"reports":[`, 400},
		"wrong member": {`{"reports":"many"}`, 400},
	} {
		t.Run(name, func(t *testing.T) {
			if r := s.send(t, "POST", "/v1/reports:batch", s.reporter, []byte(c.body)); r.status != c.status {
				t.Errorf("status %d: %s", r.status, r.body)
			}
		})
	}
}

func TestReportWorkflowOverHTTP(t *testing.T) {
	s := newReportServer(t)
	id := uuid.NewString()
	if r := s.send(t, "POST", "/v1/reports", s.reporter, body(t, id, s.point(t, "unit"), nil)); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	step := func(token, action, extra string) response {
		return s.send(t, "POST", "/v1/reports/"+id+"/transitions", token, []byte(`{"action":"`+action+`"`+extra+`}`))
	}
	r := step(s.reporter, "accept", `,"client_id":"`+id+`"`)
	if r.status != 200 || r.json(t)["state"] != "accepted" {
		t.Fatalf("accept: %d %s", r.status, r.body)
	}
	writePosition(t, r) // a step answers with its position, as every report write does
	if r := step(s.reporter, "accept", `,"client_id":"`+id+`"`); r.status != 200 || r.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retried accept: %d %v", r.status, r.header)
	}
	cases := []struct {
		name, token, action, extra string
		status                     int
		field, detail              string
	}{
		{"close an accepted case", s.reporter, "close", "", 409, "action", "state accepted"},
		{"unknown action", s.reporter, "approve", "", 400, "action", ""},
		{"reject without reason", s.reporter, "reject", "", 400, "note", ""},
		{"stale expectation", s.reporter, "dispatch", `,"expect":"reported"`, 409, "expect", "state accepted"},
		{"a token of another district", s.outsider, "dispatch", "", 403, "id", ""},
		{"a viewer", s.viewer, "dispatch", "", 403, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := step(c.token, c.action, c.extra)
			p := r.json(t)
			if r.status != c.status || p["field"] != nilIfEmptyString(c.field) || !strings.Contains(fmt.Sprint(p["detail"]), c.detail) {
				t.Errorf("status %d, problem %v", r.status, p)
			}
		})
	}
	for _, a := range []string{"dispatch", "handle"} {
		if r := step(s.reporter, a, `,"note":"ok","assignee":"城管执法"`); r.status != 200 {
			t.Fatalf("%s: %d %s", a, r.status, r.body)
		}
	}
	// 监管分离: the reporter token handled the case, so another person checks it.
	if r := step(s.reporter, "verify", ""); r.status != 403 || r.json(t)["field"] != "actor" {
		t.Errorf("the handler verifies: %d %s", r.status, r.body)
	}
	for _, a := range []string{"verify", "close"} {
		if r := step(s.admin, a, ""); r.status != 200 {
			t.Fatalf("%s: %d %s", a, r.status, r.body)
		}
	}
	r = s.send(t, "GET", "/v1/reports/"+id, "", nil)
	if h, _ := r.json(t)["history"].([]any); r.status != 200 || len(h) != 6 || r.json(t)["closed_on_time"] != true {
		t.Errorf("history: %d %.400s", r.status, r.body)
	}
	if r := s.send(t, "POST", "/v1/reports/"+id+":reresolve", s.reporter, []byte(`{"note":"new boundaries"}`)); r.status != 200 {
		t.Errorf("reresolve: %d %s", r.status, r.body)
	}
	if r := s.send(t, "POST", "/v1/reports/"+id+":frobnicate", s.reporter, nil); r.status != 404 {
		t.Errorf("unknown custom method: %d", r.status)
	}
	if r := s.send(t, "GET", "/v1/reports/"+uuid.NewString(), "", nil); r.status != 404 {
		t.Errorf("unknown report: %d", r.status)
	}
}

func nilIfEmptyString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// TestPrivateAnswersVaryByToken: an answer for one caller says it varies
// by Authorization, so that a cache in the browser keeps one copy per
// token: a phone's service worker, keying its copies of /v1/reports by URL,
// showed the last worker's cases to the next one offline.
func TestPrivateAnswersVaryByToken(t *testing.T) {
	s := newReportServer(t)
	for _, path := range []string{"/v1/reports?limit=5", "/v1/reports?limit=5&format=geojson", "/v1/stats?unit=120104",
		"/v1/patrols/coverage?unit=120104001", "/v1/me"} {
		r := s.send(t, "GET", path, s.reporter, nil)
		if vary := r.header.Values("Vary"); r.status != 200 || !slices.Contains(vary, "Authorization") || strings.Count(strings.Join(vary, ","), "Authorization") != 1 {
			t.Errorf("%s: %d, Vary %q", path, r.status, vary)
		}
	}
}

// writePosition is the Gridmap-Write-Position of a write's answer, failing
// the test when it has none.
func writePosition(t *testing.T, r response) int64 {
	t.Helper()
	pos, err := strconv.ParseInt(r.header.Get(WritePositionHeader), 10, 64)
	if err != nil || pos <= 0 {
		t.Fatalf("%d: %s %q, want a write position", r.status, WritePositionHeader, r.header.Get(WritePositionHeader))
	}
	return pos
}
