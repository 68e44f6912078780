package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// testServer is the API over a real PostGIS holding the demo city.
type testServer struct {
	db  *postgres.DB
	svc *geo.Service
	srv *httptest.Server
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	db, svc := openDemoService(t)
	h := New(Deps{Units: db, Resolver: svc, CORSOrigins: []string{"*"},
		Ready: func(ctx context.Context) error { return svc.Ready() }})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testServer{db: db, svc: svc, srv: srv}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.body)
	}
	return m
}

func (ts *testServer) do(t *testing.T, method, path string, body []byte) response {
	t.Helper()
	var h []string
	if body != nil {
		h = []string{"Content-Type", "application/json"}
	}
	return request(t, method, ts.srv.URL+path, body, h...)
}

func names(t *testing.T, fc map[string]any) []string {
	t.Helper()
	var out []string
	for _, f := range fc["features"].([]any) {
		out = append(out, f.(map[string]any)["properties"].(map[string]any)["name"].(string))
	}
	return out
}

func TestUnitsAPI(t *testing.T) {
	ts := newTestServer(t)
	t.Run("the 12 streets of 南开区", func(t *testing.T) {
		r := ts.do(t, "GET", "/v1/units?level=street&parent=120104", nil)
		if r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" {
			t.Fatalf("status %d, type %q", r.status, r.header.Get("Content-Type"))
		}
		got := names(t, r.json(t))
		if len(got) != 12 || got[0] != "长虹街道" || got[11] != "华苑街道" {
			t.Errorf("streets: %v", got)
		}
	})
	t.Run("百合春天社区 by code", func(t *testing.T) {
		r := ts.do(t, "GET", "/v1/units/120110003021", nil)
		f := r.json(t)
		props := f["properties"].(map[string]any)
		if r.status != 200 || props["name"] != "百合春天社区居民委员会" || props["parent_code"] != "120110003" || f["id"] != "120110003021" {
			t.Errorf("status %d, feature %v", r.status, props)
		}
		if g := f["geometry"].(map[string]any); g["type"] != "MultiPolygon" {
			t.Errorf("geometry type %v", g["type"])
		}
	})
	t.Run("history", func(t *testing.T) {
		r := ts.do(t, "GET", "/v1/units/120104/history", nil)
		if got := names(t, r.json(t)); r.status != 200 || len(got) != 1 {
			t.Errorf("status %d, versions %v", r.status, got)
		}
	})
	t.Run("paging follows next", func(t *testing.T) {
		seen := map[string]bool{}
		path := "/v1/units?level=community&parent=120104001&limit=5"
		for pages := 0; path != ""; pages++ {
			if pages > 10 {
				t.Fatal("paging does not end")
			}
			fc := ts.do(t, "GET", path, nil).json(t)
			for _, n := range names(t, fc) {
				if seen[n] {
					t.Errorf("%s on two pages", n)
				}
				seen[n] = true
			}
			path, _ = fc["next"].(string)
		}
		if len(seen) != 13 {
			t.Errorf("saw %d communities of 长虹街道, want 13", len(seen))
		}
	})
	t.Run("bbox and at", func(t *testing.T) {
		r := ts.do(t, "GET", "/v1/units?level=district&bbox=117.15,39.10,117.16,39.11", nil)
		if got := names(t, r.json(t)); len(got) != 1 || got[0] != "南开区" {
			t.Errorf("districts in a small box in 南开区: %v", got)
		}
		r = ts.do(t, "GET", "/v1/units?level=district&at=2025-06-01", nil)
		if got := names(t, r.json(t)); len(got) != 0 {
			t.Errorf("the demo starts in 2026; in 2025 there were %d districts", len(got))
		}
		if r := ts.do(t, "GET", "/v1/units/120104?at=2025-06-01", nil); r.status != 404 {
			t.Errorf("unit before its first version: status %d", r.status)
		}
	})
	t.Run("enclaves", func(t *testing.T) {
		fc := ts.do(t, "GET", "/v1/enclaves?managing=120110003", nil).json(t)
		if got := names(t, fc); len(got) != 1 || got[0] != "沙柳北路64排" {
			t.Fatalf("enclaves managed in 万新街道: %v", got)
		}
		f := ts.do(t, "GET", "/v1/enclaves/E120110001", nil).json(t)
		props := f["properties"].(map[string]any)
		if props["status"] != "custodial" || props["managing_code"] != "120110003021" {
			t.Errorf("enclave: %v", props)
		}
		if r := ts.do(t, "GET", "/v1/enclaves/E120110001/history", nil); r.status != 200 {
			t.Errorf("history status %d", r.status)
		}
	})
}

func TestErrorsAreProblems(t *testing.T) {
	ts := newTestServer(t)
	cases := []struct {
		name, method, path string
		body               string
		status             int
		field              string
	}{
		{"unknown code", "GET", "/v1/units/999999", "", 404, "code"},
		{"malformed code", "GET", "/v1/units/12x", "", 400, "code"},
		{"unknown level", "GET", "/v1/units?level=province", "", 400, "level"},
		{"bad parent", "GET", "/v1/units?parent=abc", "", 400, "parent"},
		{"bbox with three numbers", "GET", "/v1/units?bbox=1,2,3", "", 400, "bbox"},
		{"bbox out of range", "GET", "/v1/units?bbox=100,20,200,30", "", 400, "bbox"},
		{"bbox NaN", "GET", "/v1/units?bbox=NaN,1,2,3", "", 400, "bbox"},
		{"bad time", "GET", "/v1/units?at=yesterday", "", 400, "at"},
		{"limit too big", "GET", "/v1/units?limit=100000", "", 400, "limit"},
		{"unknown enclave", "GET", "/v1/enclaves/nope", "", 404, "code"},
		{"no route", "GET", "/v2/units", "", 404, "path"},
		{"resolve without lat", "GET", "/v1/resolve?lng=117.1", "", 400, "lat"},
		{"resolve non-numeric", "GET", "/v1/resolve?lng=abc&lat=39", "", 400, "lng"},
		{"resolve NaN", "GET", "/v1/resolve?lng=NaN&lat=39", "", 400, "lng"},
		{"resolve unknown crs", "GET", "/v1/resolve?lng=117&lat=39&crs=mars", "", 400, "crs"},
		{"resolve bad at", "GET", "/v1/resolve?lng=117&lat=39&at=soon", "", 400, "at"},
		{"batch malformed JSON", "POST", "/v1/resolve", `{"points":[[1,2]`, 400, "body"},
		{"batch without points", "POST", "/v1/resolve", `{}`, 400, "points"},
		{"batch unknown crs", "POST", "/v1/resolve", `{"points":[[117,39]],"crs":"xy"}`, 400, "crs"},
		{"batch wrong type", "POST", "/v1/resolve", `{"points":"many"}`, 400, "points"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body []byte
			if c.body != "" {
				body = []byte(c.body)
			}
			r := ts.do(t, c.method, c.path, body)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			p := r.json(t)
			if p["field"] != c.field || p["status"].(float64) != float64(c.status) || p["detail"] == "" {
				t.Errorf("problem %v, want field %q", p, c.field)
			}
		})
	}
	t.Run("swapped coordinates are named", func(t *testing.T) {
		p := ts.do(t, "GET", "/v1/resolve?lng=39.1&lat=117.2", nil).json(t)
		if !strings.Contains(p["detail"].(string), "swapped") {
			t.Errorf("detail %q does not suggest swapped order", p["detail"])
		}
	})
	t.Run("oversized batch is 413", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{"points":[`)
		for i := 0; i <= MaxBatchPoints; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("[117.1,39.1]")
		}
		b.WriteString("]}")
		r := ts.do(t, "POST", "/v1/resolve", []byte(b.String()))
		if r.status != 413 || r.json(t)["field"] != "points" {
			t.Errorf("status %d: %s", r.status, r.body)
		}
	})
}

func TestOperationalEndpoints(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/healthz", "/readyz", "/openapi.json"} {
		if r := ts.do(t, "GET", path, nil); r.status != 200 {
			t.Errorf("%s: status %d", path, r.status)
		}
	}
	ts.do(t, "GET", "/v1/units/120104", nil)
	r := ts.do(t, "GET", "/metrics", nil)
	if !bytes.Contains(r.body, []byte(`gridmap_http_requests_total{method="GET",route="/v1/units/:code",status="200"}`)) {
		t.Errorf("metrics lack the request counter by route:\n%.2000s", r.body)
	}
}

// TestOpenAPICoversEveryRoute fails when a registered route is missing from
// the OpenAPI document, so the document stays true as routes are added.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	engine := newEngine(Deps{})
	for _, r := range engine.Routes() {
		path := openAPIPath(r.Path)
		if r.Method == "POST" && path == "/v1/units/{code}" {
			path += ":split" // the one action the route takes (topology.go)
		}
		if _, ok := doc.Paths[path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not in openapi.json (as %s)", r.Method, r.Path, path)
		}
	}
}
