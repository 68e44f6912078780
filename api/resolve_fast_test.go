package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridmap-dev/gridmap/access"
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
	whole := fast.wrap(headAsGet(engine))
	for _, tc := range resolveFastCases(at, v) {
		t.Run(tc.name, func(t *testing.T) { checkFastCase(t, tc, fast, whole, headAsGet(router)) })
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

// resolveFastCases are the resolves the fast path is held to the router
// with: at is the query of a point in the demo's enclave, v the index's
// version.
func resolveFastCases(at string, v int64) []fastCase {
	return []fastCase{
		{name: "enclave point", method: "GET", target: "/v1/resolve?" + at, fast: true},
		{name: "managed point", method: "GET", target: "/v1/resolve?lng=117.15&lat=39.11", fast: true},
		{name: "outside every unit", method: "GET", target: "/v1/resolve?lng=100&lat=20", fast: true},
		{name: "GCJ-02", method: "GET", target: "/v1/resolve?lng=117.156&lat=39.112&crs=gcj02", fast: true},
		{name: "chosen fields", method: "GET", target: "/v1/resolve?lng=117.15&lat=39.11&fields=status,responsible.code,grid", fast: true},
		{name: "escaped parameters", method: "GET", target: "/v1/resolve?l%6Eg=117.15&lat=39.11", fast: true},
		{name: "min_version reached", method: "GET", target: fmt.Sprintf("/v1/resolve?lng=117.15&lat=39.11&min_version=%d", v), fast: true},
		{name: "Min-Version header reached", method: "GET", target: "/v1/resolve?lng=117.15&lat=39.11", headers: []string{MinVersionHeader, fmt.Sprint(v)}, fast: true},
		{name: "gzip accepted, small answer", method: "GET", target: "/v1/resolve?lng=117.15&lat=39.11", headers: []string{"Accept-Encoding", "gzip"}, fast: true},
		{name: "min_version ahead", method: "GET", target: fmt.Sprintf("/v1/resolve?lng=117.15&lat=39.11&min_version=%d", v+1000), fast: false},
		{name: "a past time", method: "GET", target: "/v1/resolve?lng=117.15&lat=39.11&at=2001-01-01T00:00:00Z", fast: false},
		{name: "bad longitude", method: "GET", target: "/v1/resolve?lng=x&lat=39.11", fast: false},
		{name: "missing latitude", method: "GET", target: "/v1/resolve?lng=117.15", fast: false},
		{name: "out of range", method: "GET", target: "/v1/resolve?lng=200&lat=39.11", fast: false},
		{name: "NaN", method: "GET", target: "/v1/resolve?lng=NaN&lat=39.11", fast: false},
		{name: "NUL in a value", method: "GET", target: "/v1/resolve?lng=117.15&lat=39.11&crs=%00", fast: false},
		{name: "unknown field", method: "GET", target: "/v1/resolve?lng=117.15&lat=39.11&fields=nope", fast: false},
		{name: "a token", method: "GET", target: "/v1/resolve?lng=117.15&lat=39.11", headers: []string{"Authorization", "Bearer nope"}, fast: false},
		{name: "cross-origin", method: "GET", target: "/v1/resolve?lng=117.15&lat=39.11", headers: []string{"Origin", "https://dash.example"}, fast: true},
		{name: "cross-origin, gzip accepted", method: "GET", target: "/v1/resolve?lng=117.15&lat=39.11&fields=status",
			headers: []string{"Origin", "https://dash.example", "Accept-Encoding", "gzip"}, fast: true},
		{name: "two origins", method: "GET", target: "/v1/resolve?lng=117.15&lat=39.11", headers: []string{"Origin", "https://a.example", "Origin", "https://b.example"}, fast: false},
		{name: "HEAD", method: "HEAD", target: "/v1/resolve?lng=117.15&lat=39.11", fast: false},
		{name: "escaped path", method: "GET", target: "/v1/%72esolve?lng=117.15&lat=39.11", fast: false},
		{name: "trailing slash", method: "GET", target: "/v1/resolve/?lng=117.15&lat=39.11", fast: false},
		{name: "a body", method: "GET", target: "/v1/resolve?lng=117.15&lat=39.11", body: "{}", fast: false},
	}
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
	engine, fast := buildEngine(Deps{Units: db, Resolver: svc, Tokens: db, Auth: &auth, Registry: prometheus.NewRegistry()})
	whole := fast.wrap(engine)
	const target = "/v1/resolve?lng=117.15&lat=39.11"
	if rec := httptest.NewRecorder(); fast.plain(httptest.NewRequest("GET", target, nil)) && fast.serve(rec, httptest.NewRequest("GET", target, nil)) {
		t.Fatal("the fast path answered a request that needs a token")
	}
	rec := httptest.NewRecorder()
	whole.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status %d without a token, want 401: %s", rec.Code, rec.Body)
	}
	// A signed-in worker's app: the first request looks the token up (the
	// router), the next ones are answered by the fast path.
	r := httptest.NewRequest("GET", target, nil)
	r.Header.Set("Authorization", "Bearer "+createToken(t, db, access.RoleReporter, "", "worker", time.Now().Add(time.Hour)))
	if rec := httptest.NewRecorder(); fast.serve(rec, r) {
		t.Fatal("the fast path answered a token it has not seen")
	}
	first := httptest.NewRecorder()
	whole.ServeHTTP(first, r)
	again := httptest.NewRecorder()
	if !fast.plain(r) || !fast.serve(again, r) {
		t.Fatal("the fast path declined a token the router has looked up")
	}
	if first.Code != http.StatusOK || again.Body.String() != first.Body.String() {
		t.Fatalf("router %d %s, fast path %d %s", first.Code, first.Body, again.Code, again.Body)
	}
}
