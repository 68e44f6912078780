package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/mock"
)

// The contract tests (contract_*_test.go) run the HTTP API over in-memory
// fakes of the domain interfaces (package mock), with no database: the
// parameters, the problem bodies naming the field, authentication and
// authorization, the status of every error code, ETag and If-Match. What
// the database itself decides (topology, the audit, durability) is tested
// against PostGIS in the other files of this package.

// fakeCity is a small city of nested squares in mock.Box: district 120104
// with streets 120104001 (community 120104001001, grids 001 and 002) and
// 120104002 (community 120104002001, grid 001), and an enclave managed by
// community 120104001001.
const (
	fakeEnclave   = "E120104001"
	fakeCommunity = "120104001001"
	fakeGrid2     = "120104001001002"
)

// box is a closed square ring from (x0, y0) to (x1, y1).
func box(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

// fakeServer is the API over fakes, with the fakes at hand to seed them,
// make them fail and look into them.
type fakeServer struct {
	units    *mock.Boundaries
	tokens   *mock.Tokens
	resolver *mock.Resolver
	reports  *mock.Reports
	patrols  *mock.Patrols
	photos   *mock.Photos
	imports  *mock.Imports
	audit    *mock.Audit
	ready    error
	srv      *httptest.Server
}

// newFakeServer serves the fake city with the access policy cfg (nil: the
// default without write rate limits, which the contract tests would hit).
func newFakeServer(t *testing.T, cfg *AuthConfig) *fakeServer {
	t.Helper()
	if cfg == nil {
		cfg = unlimitedAuth()
	}
	units := mock.NewBoundaries()
	for _, u := range []geo.Unit{
		{Code: mock.District, Name: "南开区", Geom: box(117.1, 39.1, 117.2, 39.2)},
		{Code: mock.Street, Name: "长虹街道", Geom: box(117.1, 39.1, 117.15, 39.2)},
		{Code: "120104002", Name: "鼓楼街道", Geom: box(117.15, 39.1, 117.2, 39.2)},
		{Code: fakeCommunity, Name: "光明路社区", Geom: box(117.1, 39.1, 117.15, 39.15)},
		{Code: "120104002001", Name: "鼓楼北社区", Geom: box(117.15, 39.1, 117.2, 39.15)},
		{Code: gridA, Name: "第1网格", Geom: box(117.1, 39.1, 117.125, 39.15)},
		{Code: fakeGrid2, Name: "第2网格", Geom: box(117.125, 39.1, 117.15, 39.15)},
		{Code: gridB, Name: "鼓楼第1网格", Geom: box(117.15, 39.1, 117.2, 39.15)},
	} {
		units.AddUnit(u)
	}
	units.AddEnclave(geo.Enclave{Code: fakeEnclave, Name: "沙柳北路64排", ManagingCode: fakeCommunity,
		Status: geo.EnclaveCustodial, Geom: box(117.11, 39.11, 117.12, 39.12)})
	s := &fakeServer{units: units, tokens: &mock.Tokens{}, resolver: &mock.Resolver{}, reports: &mock.Reports{},
		patrols: &mock.Patrols{Units: units}, imports: &mock.Imports{}, audit: &mock.Audit{}}
	s.photos = &mock.Photos{Reports: s.reports}
	h := New(Deps{Units: units, Resolver: s.resolver, Tokens: s.tokens, Auth: cfg, Editor: units,
		Reports: s.reports, Patrols: s.patrols, Photos: s.photos, Policy: casework.DefaultPolicy(), Imports: s.imports, Audit: s.audit,
		CORSOrigins: []string{"https://screen.example"},
		Ready:       func(context.Context) error { return s.ready }})
	s.srv = httptest.NewServer(h)
	t.Cleanup(s.srv.Close)
	return s
}

// token issues a token valid for a day and returns its secret.
func (s *fakeServer) token(role access.Role, scope string) string {
	return s.tokens.Issue(role, scope, string(role)+"@"+scope, time.Now().Add(24*time.Hour))
}

// req sends a request with an optional bearer token and a JSON body;
// headers are name, value pairs.
func (s *fakeServer) req(t *testing.T, method, path, token string, body []byte, headers ...string) response {
	t.Helper()
	h := authHeader(token)
	if body != nil {
		h = append(h, "Content-Type", "application/json")
	}
	return request(t, method, s.srv.URL+path, body, append(h, headers...)...)
}

// get fetches a feature and returns it with its ETag.
func (s *fakeServer) get(t *testing.T, path string) (map[string]any, string) {
	t.Helper()
	r := s.req(t, "GET", path, "", nil)
	if r.status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	return r.json(t), r.header.Get("ETag")
}

// serveOnce answers one request with h, without a server.
func serveOnce(t *testing.T, h http.Handler, method, path string) response {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

// wantProblem checks that r is an application/problem+json answer with
// status and field, and returns the problem.
func wantProblem(t *testing.T, r response, status int, field string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	p := r.json(t)
	if p["field"] != nilIfEmpty(field) || p["status"] != float64(status) || p["detail"] == "" || p["code"] == "" {
		t.Errorf("problem %v, want status %d naming field %q", p, status, field)
	}
	return p
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
