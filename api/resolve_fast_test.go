package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridmap-dev/gridmap/demo"
)

// TestFastResolveMatchesRouter: for every request the fast path takes, its
// answer (status, headers but Date, body) is the router's; every request it
// declines, it leaves unanswered for the router.
func TestFastResolveMatchesRouter(t *testing.T) {
	db, svc := openDemoService(t)
	deps := func() Deps {
		return Deps{Units: db, Resolver: svc, CORSOrigins: []string{"*"}, Registry: prometheus.NewRegistry(),
			Ready: func(ctx context.Context) error { return svc.Ready() }}
	}
	router := newEngine(deps())
	fastDeps := deps()
	engine, fast := buildEngine(fastDeps)
	if fast.resolver == nil {
		t.Fatal("no fast path for a geo.Service")
	}
	enc, err := db.GetEnclave(context.Background(), demo.EnclaveCode, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	in := enc.Geom.Bound().Center()
	at := fmt.Sprintf("lng=%v&lat=%v", in[0], in[1])
	v := svc.Version()
	for _, tc := range []struct {
		name    string
		method  string
		target  string
		headers []string
		fast    bool
	}{
		{"enclave point", "GET", "/v1/resolve?" + at, nil, true},
		{"managed point", "GET", "/v1/resolve?lng=117.15&lat=39.11", nil, true},
		{"outside every unit", "GET", "/v1/resolve?lng=100&lat=20", nil, true},
		{"GCJ-02", "GET", "/v1/resolve?lng=117.156&lat=39.112&crs=gcj02", nil, true},
		{"chosen fields", "GET", "/v1/resolve?lng=117.15&lat=39.11&fields=status,responsible.code,grid", nil, true},
		{"escaped parameters", "GET", "/v1/resolve?l%6Eg=117.15&lat=39.11", nil, true},
		{"min_version reached", "GET", fmt.Sprintf("/v1/resolve?lng=117.15&lat=39.11&min_version=%d", v), nil, true},
		{"Min-Version header reached", "GET", "/v1/resolve?lng=117.15&lat=39.11", []string{MinVersionHeader, fmt.Sprint(v)}, true},
		{"gzip accepted, small answer", "GET", "/v1/resolve?lng=117.15&lat=39.11", []string{"Accept-Encoding", "gzip"}, true},
		{"min_version ahead", "GET", fmt.Sprintf("/v1/resolve?lng=117.15&lat=39.11&min_version=%d", v+1000), nil, false},
		{"a past time", "GET", "/v1/resolve?lng=117.15&lat=39.11&at=2001-01-01T00:00:00Z", nil, false},
		{"bad longitude", "GET", "/v1/resolve?lng=x&lat=39.11", nil, false},
		{"missing latitude", "GET", "/v1/resolve?lng=117.15", nil, false},
		{"out of range", "GET", "/v1/resolve?lng=200&lat=39.11", nil, false},
		{"NaN", "GET", "/v1/resolve?lng=NaN&lat=39.11", nil, false},
		{"NUL in a value", "GET", "/v1/resolve?lng=117.15&lat=39.11&crs=%00", nil, false},
		{"unknown field", "GET", "/v1/resolve?lng=117.15&lat=39.11&fields=nope", nil, false},
		{"a token", "GET", "/v1/resolve?lng=117.15&lat=39.11", []string{"Authorization", "Bearer nope"}, false},
		{"cross-origin", "GET", "/v1/resolve?lng=117.15&lat=39.11", []string{"Origin", "https://dash.example"}, false},
		{"HEAD", "HEAD", "/v1/resolve?lng=117.15&lat=39.11", nil, false},
		{"escaped path", "GET", "/v1/%72esolve?lng=117.15&lat=39.11", nil, false},
		{"trailing slash", "GET", "/v1/resolve/?lng=117.15&lat=39.11", nil, false},
		{"a body", "GET", "/v1/resolve?lng=117.15&lat=39.11", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := func() *http.Request {
				var r *http.Request
				if tc.name == "a body" {
					r = httptest.NewRequest(tc.method, tc.target, strings.NewReader("{}"))
				} else {
					r = httptest.NewRequest(tc.method, tc.target, nil)
				}
				for i := 0; i+1 < len(tc.headers); i += 2 {
					r.Header.Set(tc.headers[i], tc.headers[i+1])
				}
				return r
			}
			fastRec := httptest.NewRecorder()
			served := fast.plain(req()) && fast.serve(fastRec, req())
			if served != tc.fast {
				t.Fatalf("fast path served %v, want %v", served, tc.fast)
			}
			if !served {
				if fastRec.Code != 200 || len(fastRec.Header()) != 0 || fastRec.Body.Len() != 0 {
					t.Fatalf("declined but wrote: %d %v %q", fastRec.Code, fastRec.Header(), fastRec.Body)
				}
				// The whole handler still answers it, through the router.
				fastRec = httptest.NewRecorder()
				fast.wrap(headAsGet(engine)).ServeHTTP(fastRec, req())
			}
			routerRec := httptest.NewRecorder()
			headAsGet(router).ServeHTTP(routerRec, req())
			if fastRec.Code != routerRec.Code || fastRec.Body.String() != routerRec.Body.String() {
				t.Fatalf("fast %d %s\nrouter %d %s", fastRec.Code, fastRec.Body, routerRec.Code, routerRec.Body)
			}
			fh, rh := fastRec.Header().Clone(), routerRec.Header().Clone()
			fh.Del("Date")
			rh.Del("Date")
			if fmt.Sprint(fh) != fmt.Sprint(rh) {
				t.Fatalf("headers: fast %v\nrouter %v", fh, rh)
			}
		})
	}
	t.Run("counted as the router counts", func(t *testing.T) {
		// 9 fast answers, and the declined GETs the router answered 200
		// (min_version ahead waits and falls back; a past time; a token is
		// refused but an Origin is answered; the body is ignored).
		if n := routeAnswers(t, fastDeps.Registry, resolvePath, "200"); n < 9 {
			t.Errorf("GET /v1/resolve answered 200: counted %v, want at least the 9 fast answers", n)
		}
	})
}

// routeAnswers is gridmap_http_requests_total of GET route with status.
func routeAnswers(t *testing.T, reg *prometheus.Registry, route, status string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "gridmap_http_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["route"] == route && labels["method"] == "GET" && labels["status"] == status {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestFastResolveDeclinesWithoutPublicReads: when reads need a token, every
// resolve goes through the router's authentication.
func TestFastResolveDeclinesWithoutPublicReads(t *testing.T) {
	db, svc := openDemoService(t)
	auth := DefaultAuthConfig
	auth.PublicReads = false
	_, fast := buildEngine(Deps{Units: db, Resolver: svc, Auth: &auth, Registry: prometheus.NewRegistry()})
	if fast.plain(httptest.NewRequest("GET", "/v1/resolve?lng=117.15&lat=39.11", nil)) {
		t.Fatal("the fast path took a request that needs a token")
	}
	rec := httptest.NewRecorder()
	New(Deps{Units: db, Resolver: svc, Auth: &auth}).ServeHTTP(rec, httptest.NewRequest("GET", "/v1/resolve?lng=117.15&lat=39.11", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status %d without a token, want 401: %s", rec.Code, rec.Body)
	}
}
