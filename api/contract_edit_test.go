package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
)

// wantCurrent checks that a refused edit carries the current version in
// "current" (null when the code has none) and its ETag.
func wantCurrent(t *testing.T, r response, version int) {
	t.Helper()
	p := r.json(t)
	cur, has := p["current"]
	switch {
	case !has:
		t.Errorf("no current member: %s", r.body)
	case version == 0 && cur != nil:
		t.Errorf("current %v, want null", cur)
	case version > 0 && (cur == nil || propsOf(cur.(map[string]any))["version"] != float64(version)):
		t.Errorf("current is not version %d: %s", version, r.body)
	case version > 0 && r.header.Get("ETag") != fmt.Sprintf(`"v%d"`, version):
		t.Errorf("ETag %q, want v%d", r.header.Get("ETag"), version)
	}
}

func TestContractEditNeedsIfMatch(t *testing.T) {
	s := newFakeServer(t, nil)
	ed := s.token(access.RoleEditor, "")
	for _, h := range [][]string{nil, {"If-Match", "*"}} {
		r := s.req(t, "PUT", "/v1/units/"+gridA, ed, featureBody(`{"name":"x"}`), h...)
		wantProblem(t, r, 428, "If-Match")
		wantCurrent(t, r, 1)
	}
	r := s.req(t, "DELETE", "/v1/enclaves/"+fakeEnclave, ed, nil)
	wantProblem(t, r, 428, "If-Match")
	wantCurrent(t, r, 1)
}

func TestContractEditSavesTheNextVersion(t *testing.T) {
	s := newFakeServer(t, nil)
	ed := s.tokens.Issue(access.RoleEditor, "", "王工", time.Now().Add(24*time.Hour))
	f, tag := s.get(t, "/v1/units/"+gridA)
	propsOf(f)["name"] = "新名字"
	r := s.req(t, "PUT", "/v1/units/"+gridA, ed, mustJSON(t, f), "If-Match", tag)
	if r.status != 200 || r.header.Get("ETag") != `"v2"` || r.header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("PUT: %d %v %s", r.status, r.header, r.body)
	}
	out := r.json(t)
	if p := propsOf(out); p["version"] != float64(2) || p["created_by"] != "王工" || p["name"] != "新名字" {
		t.Errorf("stored %v", p)
	}
	if ws, ok := out["warnings"].([]any); !ok || len(ws) != 0 {
		t.Errorf("warnings %v, want []", out["warnings"])
	}
	if _, tag := s.get(t, "/v1/units/"+gridA); tag != `"v2"` {
		t.Errorf("GET after the edit: ETag %q", tag)
	}
}

func TestContractStaleEditsAre412(t *testing.T) {
	s := newFakeServer(t, nil)
	ed := s.token(access.RoleEditor, "")
	f, _ := s.get(t, "/v1/units/"+gridA)
	if r := s.req(t, "PUT", "/v1/units/"+gridA, ed, mustJSON(t, f), "If-Match", `"v1"`); r.status != 200 {
		t.Fatalf("first save: %d %s", r.status, r.body)
	}
	// The same edit again is a retry, answered as the first was; another
	// edit of the old version lost the race.
	if r := s.req(t, "PUT", "/v1/units/"+gridA, ed, mustJSON(t, f), "If-Match", `"v1"`); r.status != 200 ||
		r.header.Get("Idempotent-Replayed") != "true" || r.header.Get("ETag") != `"v2"` {
		t.Fatalf("the first save retried: %d %v %s", r.status, r.header, r.body)
	}
	propsOf(f)["name"] = "另一个名字"
	for _, tag := range []string{`"v1"`, `W/"v2"`, `"x"`} {
		r := s.req(t, "PUT", "/v1/units/"+gridA, ed, mustJSON(t, f), "If-Match", tag)
		wantProblem(t, r, 412, "If-Match")
		wantCurrent(t, r, 2)
	}
	e, _ := s.get(t, "/v1/enclaves/"+fakeEnclave)
	r := s.req(t, "PUT", "/v1/enclaves/"+fakeEnclave, ed, mustJSON(t, e), "If-Match", `"v7"`)
	wantProblem(t, r, 412, "If-Match")
	wantCurrent(t, r, 1)
}

// TestContractIfMatchList: If-Match may list several tags (RFC 9110): the
// edit revises the current version if any listed tag names it, and fails
// its precondition if none does.
func TestContractIfMatchList(t *testing.T) {
	s := newFakeServer(t, nil)
	ed := s.token(access.RoleEditor, "")
	f, _ := s.get(t, "/v1/units/"+gridA)
	for _, c := range []struct {
		name, ifMatch string
		status        int
		etag          string // of the answer
	}{
		{"the current version second", `"v7", "v1"`, 200, `"v2"`},
		{"the current version first, a weak tag after", `"v2", W/"v1"`, 200, `"v3"`},
		{"none of them current", `"v1", "v2", "x"`, 412, ""},
		{"only tags this server never issued", `"x", W/"v3"`, 412, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			propsOf(f)["name"] = c.name
			r := s.req(t, "PUT", "/v1/units/"+gridA, ed, mustJSON(t, f), "If-Match", c.ifMatch)
			if c.status == 412 {
				wantProblem(t, r, 412, "If-Match")
				wantCurrent(t, r, 3)
				return
			}
			if r.status != c.status || r.header.Get("ETag") != c.etag {
				t.Fatalf("%d %s %s", r.status, r.header.Get("ETag"), r.body)
			}
		})
	}
}

func TestContractCreate(t *testing.T) {
	s := newFakeServer(t, nil)
	ed := s.token(access.RoleEditor, "")
	const code = "120104001001003"
	r := s.req(t, "POST", "/v1/units", ed, featureBody(`{"code":"`+code+`","name":"第3网格"}`))
	if r.status != 201 || r.header.Get("Location") != "/v1/units/"+code || r.header.Get("ETag") != `"v1"` {
		t.Fatalf("create: %d %v %s", r.status, r.header, r.body)
	}
	if p := propsOf(r.json(t)); p["parent_code"] != fakeCommunity || p["level"] != "grid" {
		t.Errorf("what the code implies: %v", p)
	}
	r = s.req(t, "POST", "/v1/units", ed, featureBody(`{"code":"`+code+`","name":"again"}`))
	wantProblem(t, r, 409, "code")
	wantCurrent(t, r, 1)
	wantProblem(t, s.req(t, "POST", "/v1/units", ed, featureBody(`{"code":"120104001999001","name":"x"}`)), 400, "parent_code")
	r = s.req(t, "POST", "/v1/enclaves", ed, featureBody(`{"code":"E-2","name":"x","managing_code":"120104001001","status":"custodial"}`))
	if r.status != 201 || r.header.Get("Location") != "/v1/enclaves/E-2" {
		t.Errorf("create an enclave: %d %s", r.status, r.body)
	}
	wantProblem(t, s.req(t, "POST", "/v1/enclaves", ed,
		featureBody(`{"code":"E-3","name":"x","managing_code":"120104001999","status":"custodial"}`)), 400, "managing_code")
}

func TestContractRetire(t *testing.T) {
	s := newFakeServer(t, nil)
	ed := s.token(access.RoleEditor, "")
	r := s.req(t, "DELETE", "/v1/units/"+fakeCommunity, ed, nil, "If-Match", `"v1"`)
	wantProblem(t, r, 409, "code")
	wantCurrent(t, r, 1)
	r = s.req(t, "DELETE", "/v1/units/"+fakeGrid2, ed, nil, "If-Match", `"v1"`)
	if r.status != 200 || propsOf(r.json(t))["valid_to"] == nil {
		t.Fatalf("retire: %d %s", r.status, r.body)
	}
	wantProblem(t, s.req(t, "GET", "/v1/units/"+fakeGrid2, "", nil), 404, "code")
	r = s.req(t, "PUT", "/v1/units/"+fakeGrid2, ed, featureBody(`{"name":"x"}`), "If-Match", `"v1"`)
	wantProblem(t, r, 412, "If-Match")
	wantCurrent(t, r, 0)
	wantProblem(t, s.req(t, "PUT", "/v1/units/120104001001099", ed, featureBody(`{"name":"x"}`), "If-Match", `"v1"`), 404, "code")
}

// TestContractEditInputIsNamed: what is wrong with a drawn boundary is a
// 400 naming the member.
func TestContractEditInputIsNamed(t *testing.T) {
	s := newFakeServer(t, nil)
	ed := s.token(access.RoleEditor, "")
	cases := []struct {
		name, body, field string
	}{
		{"not JSON", `{"type":`, "body"},
		{"not a feature", `{"type":"FeatureCollection","features":[]}`, "type"},
		{"points are not a boundary", `{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Point","coordinates":[117.1,39.1]}}`, "geometry"},
		{"no geometry", `{"type":"Feature","properties":{"name":"x"},"geometry":null}`, "geometry"},
		{"unclosed ring", `{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[117.128,39.149],[117.13,39.151],[117.13,39.149],[117.129,39.148]]]}}`, "geometry.coordinates[0][0]"},
		{"swapped coordinates", `{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[39.1,117.1],[39.2,117.1],[39.2,117.2],[39.1,117.1]]]}}`, "geometry.coordinates[0][0][0]"},
		{"renaming the code", string(featureBody(`{"code":"` + gridB + `","name":"x"}`)), "properties.code"},
		{"unknown member", string(featureBody(`{"name":"x","nmae":"y"}`)), "properties.nmae"},
		{"no name", string(featureBody(`{}`)), "name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.req(t, "PUT", "/v1/units/"+gridA, ed, []byte(c.body), "If-Match", `"v1"`)
			wantProblem(t, r, 400, c.field)
		})
	}
	wantProblem(t, s.req(t, "PUT", "/v1/enclaves/"+fakeEnclave, ed,
		featureBody(`{"name":"x","managing_code":"`+fakeCommunity+`","status":"lost"}`), "If-Match", `"v1"`), 400, "status")
}
