package api

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/mock"
)

// reportObservedAt is the observed time of every reportJSONBody: one
// instant, so that a retry built a second later is the same report (read
// anew for each, a retry straddling a second was another report's 409).
var reportObservedAt = time.Now().Add(-time.Hour).Format(time.RFC3339)

// reportJSONBody is a valid hazard report numbered n at (lng, lat), with
// extra members appended (`,"severity":4`).
func reportJSONBody(n int, lng, lat float64, extra string) []byte {
	return []byte(fmt.Sprintf(`{"id":%q,"kind":"hazard","category":"E0506","severity":3,"description":"消防通道被堵塞",
		"point":[%g,%g],"observed_at":%q%s}`, testUUID(n), lng, lat, reportObservedAt, extra))
}

func TestContractReportCreateIsIdempotent(t *testing.T) {
	s := newFakeServer(t, nil)
	rep := s.token(access.RoleReporter, "")
	r := s.req(t, "POST", "/v1/reports", rep, reportJSONBody(1, 117.11, 39.12, ""))
	if r.status != 201 || r.header.Get("Location") != "/v1/reports/"+testUUID(1) {
		t.Fatalf("create: %d %v %s", r.status, r.header, r.body)
	}
	m := r.json(t)
	if m["unit_code"] != gridA || m["state"] != "reported" || m["reporter"] != "reporter@" || m["category_name"] == "" {
		t.Errorf("stored report %s", r.body)
	}
	if r := s.req(t, "POST", "/v1/reports", rep, reportJSONBody(1, 117.11, 39.12, "")); r.status != 200 {
		t.Errorf("a retry: %d %s", r.status, r.body)
	}
	wantProblem(t, s.req(t, "POST", "/v1/reports", rep, reportJSONBody(1, 117.111, 39.12, "")), 409, "id")
	if r := s.req(t, "GET", "/v1/reports/"+testUUID(1), "", nil); r.status != 200 || r.json(t)["id"] != testUUID(1) {
		t.Errorf("read back: %d", r.status)
	}
	wantProblem(t, s.req(t, "GET", "/v1/reports/"+testUUID(99), "", nil), 404, "id")
	wantProblem(t, s.req(t, "GET", "/v1/reports/not-a-uuid", "", nil), 400, "id")
}

// TestContractReportReporter: a report is the caller's; an admin (a sync
// gateway) may upload for anyone, and reports as itself when it names no
// one (README's example).
func TestContractReportReporter(t *testing.T) {
	s := newFakeServer(t, nil)
	admin, rep := s.token(access.RoleAdmin, ""), s.token(access.RoleReporter, "")
	for i, c := range []struct {
		name, token, extra, want string
		status                   int
	}{
		{"an admin naming no one", admin, "", "admin@", 201},
		{"an admin for a worker", admin, `,"reporter":"网格员甲"`, "网格员甲", 201},
		{"a worker naming no one", rep, "", "reporter@", 201},
		{"a worker naming itself", rep, `,"reporter":"reporter@"`, "reporter@", 201},
		{"a worker for another", rep, `,"reporter":"网格员甲"`, "", 403},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := s.req(t, "POST", "/v1/reports", c.token, reportJSONBody(40+i, 117.11, 39.12, c.extra))
			if c.status != 201 {
				wantProblem(t, r, c.status, "reporter")
				return
			}
			if r.status != 201 || r.json(t)["reporter"] != c.want {
				t.Errorf("%d %s, want 201 reported by %q", r.status, r.body, c.want)
			}
		})
	}
}

// TestContractReportInputIsNamed: what is wrong with a report is a 400
// naming the member, so a phone can show it.
func TestContractReportInputIsNamed(t *testing.T) {
	s := newFakeServer(t, nil)
	rep := s.token(access.RoleReporter, "")
	cases := []struct{ name, body, field string }{
		{"empty", ``, "body"},
		{"not JSON", `{"id":`, "body"},
		{"no id", `{"kind":"hazard","severity":1,"point":[117.11,39.12]}`, "id"},
		{"id not a UUID", `{"id":"abc","kind":"hazard","category":"E0506","severity":1,"point":[117.11,39.12]}`, "id"},
		{"no severity", fmt.Sprintf(`{"id":%q,"kind":"hazard","point":[117.11,39.12]}`, testUUID(3)), "severity"},
		{"no point", fmt.Sprintf(`{"id":%q,"kind":"hazard","severity":1}`, testUUID(3)), "point"},
		{"unknown kind", string(reportJSONBody(3, 117.11, 39.12, `,"kind":"rumour"`)), "kind"},
		{"unknown category", string(reportJSONBody(3, 117.11, 39.12, `,"category":"Z9999"`)), "category"},
		{"severity out of range", string(reportJSONBody(3, 117.11, 39.12, `,"severity":5`)), "severity"},
		{"point out of range", string(reportJSONBody(3, 117.11, 95, "")), "point"},
		{"unknown crs", string(reportJSONBody(3, 117.11, 39.12, `,"crs":"mars"`)), "crs"},
		{"observed in the future", string(reportJSONBody(3, 117.11, 39.12, `,"observed_at":"2099-01-01T00:00:00Z"`)), "observed_at"},
		{"observed at no time", string(reportJSONBody(3, 117.11, 39.12, `,"observed_at":"yesterday"`)), "observed_at"},
		{"wrong type", string(reportJSONBody(3, 117.11, 39.12, `,"severity":"high"`)), "severity"},
		{"control characters", string(reportJSONBody(3, 117.11, 39.12, `,"description":"a\u0000b"`)), "description"},
		{"a bad attachment", string(reportJSONBody(3, 117.11, 39.12, `,"attachments":[{"name":"a.jpg","type":"jpeg","size":1,"checksum":"md5:00"}]`)), "attachments[0]"},
		{"outside every district", string(reportJSONBody(3, 100, 30, "")), "point"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantProblem(t, s.req(t, "POST", "/v1/reports", rep, []byte(c.body)), 400, c.field)
		})
	}
	r := request(t, "POST", s.srv.URL+"/v1/reports", []byte("{\"id\":\"\xff\"}"), append(authHeader(rep), "Content-Type", "application/json")...)
	wantProblem(t, r, 400, "id")
}

func TestContractReporterIsTheToken(t *testing.T) {
	s := newFakeServer(t, nil)
	rep := s.token(access.RoleReporter, "")
	wantProblem(t, s.req(t, "POST", "/v1/reports", rep, reportJSONBody(4, 117.11, 39.12, `,"reporter":"someone else"`)), 403, "reporter")
	admin := s.token(access.RoleAdmin, "")
	if r := s.req(t, "POST", "/v1/reports", admin, reportJSONBody(4, 117.11, 39.12, `,"reporter":"网格员甲"`)); r.status != 201 || r.json(t)["reporter"] != "网格员甲" {
		t.Errorf("an admin uploading for a worker: %d %s", r.status, r.body)
	}
}

func TestContractReportBatch(t *testing.T) {
	s := newFakeServer(t, nil)
	rep := s.token(access.RoleReporter, "")
	body := fmt.Sprintf(`{"reports":[%s,%s,%s]}`, reportJSONBody(5, 117.11, 39.12, ""),
		reportJSONBody(6, 117.11, 39.12, `,"severity":9`), reportJSONBody(5, 117.11, 39.12, ""))
	r := s.req(t, "POST", "/v1/reports:batch", rep, []byte(body))
	m := r.json(t)
	if r.status != 200 || m["count"] != float64(3) || m["created"] != float64(1) || m["failed"] != float64(1) {
		t.Fatalf("batch: %d %s", r.status, r.body)
	}
	results := m["results"].([]any)
	want := []float64{201, 400, 200} // the third repeats the first: a retry within the batch
	for i, res := range results {
		slot := res.(map[string]any)
		if slot["status"] != want[i] {
			t.Errorf("slot %d: %v", i, slot)
		}
	}
	if e := results[1].(map[string]any)["error"].(map[string]any); e["field"] != "reports[1].severity" {
		t.Errorf("the slot's error names %v", e["field"])
	}
	wantProblem(t, s.req(t, "POST", "/v1/reports:batch", rep, []byte(`{"reports":[]}`)), 400, "reports")
	wantProblem(t, s.req(t, "POST", "/v1/reports:batch", rep, []byte(`{}`)), 400, "reports")
}

func TestContractWorkflowOverHTTP(t *testing.T) {
	s := newFakeServer(t, nil)
	rep := s.token(access.RoleReporter, "")
	if r := s.req(t, "POST", "/v1/reports", rep, reportJSONBody(8, 117.11, 39.12, "")); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	path := "/v1/reports/" + testUUID(8) + "/transitions"
	step := fmt.Sprintf(`{"action":"accept","client_id":%q}`, testUUID(80))
	r := s.req(t, "POST", path, rep, []byte(step))
	if r.status != 200 || r.json(t)["state"] != "accepted" || r.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("accept: %d %s", r.status, r.body)
	}
	if r := s.req(t, "POST", path, rep, []byte(step)); r.status != 200 || r.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("a retried step: %d %v", r.status, r.header)
	}
	p := wantProblem(t, s.req(t, "POST", path, rep, []byte(`{"action":"close"}`)), 409, "action")
	if !strings.Contains(p["detail"].(string), "accepted") {
		t.Errorf("an illegal step does not name the state: %v", p["detail"])
	}
	wantProblem(t, s.req(t, "POST", path, rep, []byte(`{"action":"reject"}`)), 400, "note")
	wantProblem(t, s.req(t, "POST", path, rep, []byte(`{"action":"teleport"}`)), 400, "action")
	wantProblem(t, s.req(t, "POST", path, rep, []byte(`{"action":"dispatch","expect":"reported"}`)), 409, "expect")
	r = s.req(t, "POST", "/v1/reports/"+testUUID(8)+":reresolve", rep, []byte(`{"note":"boundaries redrawn"}`))
	if r.status != 200 || r.json(t)["events"] != float64(3) {
		t.Errorf("reresolve: %d %s", r.status, r.body)
	}
	// 监管分离, as the store keeps it: who handled the case does not check it.
	for _, a := range []string{"dispatch", "handle"} {
		if r := s.req(t, "POST", path, rep, []byte(`{"action":"`+a+`"}`)); r.status != 200 {
			t.Fatalf("%s: %d %s", a, r.status, r.body)
		}
	}
	wantProblem(t, s.req(t, "POST", path, rep, []byte(`{"action":"verify"}`)), 403, "actor")
	checker := s.tokens.Issue(access.RoleReporter, "", "核查员", time.Now().Add(time.Hour))
	if r := s.req(t, "POST", path, checker, []byte(`{"action":"verify"}`)); r.status != 200 || r.json(t)["state"] != "verified" {
		t.Errorf("another person verifies: %d %s", r.status, r.body)
	}
}

func TestContractReportScope(t *testing.T) {
	s := newFakeServer(t, nil)
	inside := s.token(access.RoleReporter, mock.Street)
	if r := s.req(t, "POST", "/v1/reports", inside, reportJSONBody(9, 117.11, 39.12, "")); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	elsewhere := s.tokens.Issue(access.RoleReporter, "120104002", "其他街道", time.Now().Add(time.Hour))
	wantProblem(t, s.req(t, "GET", "/v1/reports/"+testUUID(9), elsewhere, nil), 403, "id")
	wantProblem(t, s.req(t, "POST", "/v1/reports/"+testUUID(9)+"/transitions", elsewhere, []byte(`{"action":"accept"}`)), 403, "id")
	if r := s.req(t, "GET", "/v1/reports/"+testUUID(9), inside, nil); r.status != 200 {
		t.Errorf("in scope: %d", r.status)
	}
	r := s.req(t, "GET", "/v1/reports", elsewhere, nil)
	if m := r.json(t); r.status != 200 || m["count"] != float64(0) {
		t.Errorf("a scoped listing shows reports outside its scope: %s", r.body)
	}
}

func TestContractReportListing(t *testing.T) {
	s := newFakeServer(t, nil)
	rep := s.token(access.RoleReporter, "")
	for n := 10; n < 13; n++ {
		s.req(t, "POST", "/v1/reports", rep, reportJSONBody(n, 117.11, 39.12, ""))
	}
	r := s.req(t, "GET", "/v1/reports?unit="+fakeCommunity+"&state=reported&limit=2", "", nil)
	m := r.json(t)
	if r.status != 200 || m["count"] != float64(2) || m["next_cursor"] == nil || !strings.Contains(r.header.Get("Link"), `rel="next"`) {
		t.Errorf("first page: %d %s", r.status, r.body)
	}
	r = s.req(t, "GET", "/v1/reports?format=geojson", "", nil)
	if fc := r.json(t); r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" || len(fc["features"].([]any)) != 3 {
		t.Errorf("GeoJSON: %d %s", r.status, r.header.Get("Content-Type"))
	}
	cases := []struct{ query, field string }{
		{"unit=12x", "unit"}, {"state=lost", "state"}, {"kind=rumour", "kind"}, {"category=Z99", "category"},
		{"severity=7", "severity"}, {"flag=odd", "flag"}, {"from=soon", "from"}, {"to=later", "to"},
		{"from=2026-03-02&to=2026-03-01", "to"}, {"bbox=1,2", "bbox"}, {"limit=0", "limit"},
		// A misspelt filter is refused, not ignored into an unfiltered list.
		{"since=2026-03-01", "since"}, {"unit=120104&status=closed", "status"}, {"f=geojson&zz=1", "f"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			wantProblem(t, s.req(t, "GET", "/v1/reports?"+c.query, "", nil), 400, c.field)
		})
	}
	// An attacker's 250,000 categories were each checked, queried and echoed
	// in the Link header: a list holds at most 50 distinct values.
	var codes []string
	for _, cat := range casework.Categories.All()[:maxListValues+1] {
		codes = append(codes, cat.Code)
	}
	t.Run("more than 50 categories", func(t *testing.T) {
		wantProblem(t, s.req(t, "GET", "/v1/reports?category="+strings.Join(codes, ","), "", nil), 400, "category")
	})
	t.Run("one category many times", func(t *testing.T) {
		r := s.req(t, "GET", "/v1/reports?limit=1&category="+strings.Repeat("E0506,", 5000), "", nil)
		if link := r.header.Get("Link"); r.status != 200 || strings.Count(link, "E0506") != 1 {
			t.Errorf("%d, Link %.200s", r.status, link)
		}
	})
}

func TestContractStats(t *testing.T) {
	s := newFakeServer(t, nil)
	rep := s.token(access.RoleReporter, "")
	s.req(t, "POST", "/v1/reports", rep, reportJSONBody(20, 117.11, 39.12, ""))
	r := s.req(t, "GET", "/v1/stats?unit="+mock.District, "", nil)
	m := r.json(t)
	if r.status != 200 || m["group_level"] != "street" || m["totals"].(map[string]any)["count"] != float64(1) {
		t.Fatalf("stats: %d %s", r.status, r.body)
	}
	for _, c := range []struct{ query, field string }{
		{"unit=x", "unit"}, {"category=Z99", "category"}, {"from=2026-13-01", "from"}, {"to=soon", "to"},
		{"from=2026-03-02&to=2026-03-01", "from"}, {"from=2020-01-01&to=2026-01-01", "from"},
	} {
		t.Run(c.query, func(t *testing.T) {
			wantProblem(t, s.req(t, "GET", "/v1/stats?"+c.query, "", nil), 400, c.field)
		})
	}
	t.Run("a unit that does not exist", func(t *testing.T) {
		wantProblem(t, s.req(t, "GET", "/v1/stats?unit=999999", "", nil), 404, "unit")
	})
}

func TestContractCategories(t *testing.T) {
	s := newFakeServer(t, nil)
	r := s.req(t, "GET", "/v1/categories", "", nil)
	m := r.json(t)
	cats, _ := m["categories"].([]any)
	if r.status != 200 || len(cats) < 10 || len(m["severities"].([]any)) != 4 || len(m["states"].([]any)) != 8 {
		t.Fatalf("categories: %d %.300s", r.status, r.body)
	}
	if c := cats[0].(map[string]any); c["code"] == "" || c["class_code"] == "" || c["type"] == "" {
		t.Errorf("a category %v", c)
	}
	// The policy, for a phone to name the unit a report goes to before
	// sending it: 突出 from the community up, 重大 from the street (the default).
	policy, _ := m["policy"].([]any)
	want := []string{"microgrid", "microgrid", "community", "street"}
	for i, x := range policy {
		p := x.(map[string]any)
		if p["severity"] != float64(i+1) || p["handled_from"] != want[i] || p["deadline_s"].(float64) <= 0 || p["name"] == "" {
			t.Errorf("policy[%d] = %v, want handled from %s", i, p, want[i])
		}
	}
	if len(policy) != 4 {
		t.Errorf("policy: %v", m["policy"])
	}
	// And whether a case's handler may check it, for a phone to offer
	// verify and close only to whom the server lets take them.
	if m["handler_may_verify"] != false {
		t.Errorf("handler_may_verify = %v, want false (监管分离, the default)", m["handler_may_verify"])
	}
	// Every category carries its English names beside the Chinese ones,
	// which keep their fields and values (the English ones are additions).
	byCode := map[string]map[string]any{}
	for _, c := range cats {
		c := c.(map[string]any)
		byCode[c["code"].(string)] = c
		for _, f := range []string{"name_en", "class_name_en", "type_name_en"} {
			if s, _ := c[f].(string); s == "" {
				t.Errorf("%s has no %s: %v", c["code"], f, c)
			}
		}
	}
	for _, want := range []map[string]any{
		{"code": "C0111", "name": "路灯", "class_code": "C01", "class_name": "公用设施", "type": "component", "type_name": "部件",
			"kinds": []any{"hazard", "event"}, "name_en": "Street lamp", "class_name_en": "Public utilities", "type_name_en": "Component"},
		{"code": "E0506", "name": "消防通道堵塞", "class_code": "E05", "class_name": "街面秩序", "type": "event", "type_name": "事件",
			"kinds": []any{"hazard", "event"}, "name_en": "Blocked fire lane", "class_name_en": "Street order", "type_name_en": "Event"},
		{"code": "P0101", "name": "日常巡查", "class_code": "P01", "class_name": "网格巡查", "type": "patrol", "type_name": "巡查",
			"kinds": []any{"patrol_log"}, "name_en": "Routine patrol", "class_name_en": "Grid patrol", "type_name_en": "Patrol"},
	} {
		t.Run(want["code"].(string), func(t *testing.T) {
			if got := byCode[want["code"].(string)]; !reflect.DeepEqual(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
		})
	}
}

// TestContractReportsNeedStorage: a server built without report storage
// answers 503 rather than failing inside a handler.
func TestContractReportsNeedStorage(t *testing.T) {
	srv := newFakeServer(t, nil)
	h := New(Deps{Units: srv.units, Resolver: srv.resolver})
	r := serveOnce(t, h, "GET", "/v1/reports")
	wantProblem(t, r, 503, "")
}
