package api

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// editServer is a service with access control wired in: tokens, editing,
// /ogc, and a resolver that follows NOTIFY like serve's does.
type editServer struct {
	db  *postgres.DB
	svc *geo.Service
	srv *httptest.Server

	mu   sync.Mutex
	uris []string // every request URI served, for tests of what clients asked
}

// requests returns the request URIs served so far.
func (s *editServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.uris)
}

// newEditServer serves a fresh demo database with the access policy cfg
// (nil: the default without write rate limits, which scripted tests would
// hit on a slow machine; TestWriteRateLimits tests the limits themselves).
func newEditServer(t *testing.T, cfg *AuthConfig) *editServer {
	t.Helper()
	if cfg == nil {
		cfg = unlimitedAuth()
	}
	return serveDB(t, demotest.Open(t), cfg)
}

func serveDB(t *testing.T, db *postgres.DB, cfg *AuthConfig) *editServer {
	t.Helper()
	svc, ctx := loadedService(t, db)
	go svc.Follow(ctx, geo.FollowOptions{Poll: time.Second})
	go db.Listen(ctx, func(postgres.Change) { svc.Changed() })
	h := New(Deps{Units: db, Resolver: svc, Tokens: db, Auth: cfg, Editor: db, Topology: db, Versions: db, CORSOrigins: []string{"*"}})
	s := &editServer{db: db, svc: svc}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.uris = append(s.uris, r.URL.RequestURI())
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// token creates a token valid for a day and returns its secret.
func (s *editServer) token(t *testing.T, role access.Role, scope, name string) string {
	t.Helper()
	return s.tokenUntil(t, role, scope, name, time.Now().Add(24*time.Hour))
}

func (s *editServer) tokenUntil(t *testing.T, role access.Role, scope, name string, exp time.Time) string {
	t.Helper()
	return createToken(t, s.db, role, scope, name, exp)
}

// req sends a request with an optional bearer token and extra headers
// given as name, value pairs.
func (s *editServer) req(t *testing.T, method, path, token string, body []byte, headers ...string) response {
	t.Helper()
	h := authHeader(token)
	if body != nil {
		h = append(h, "Content-Type", "application/geo+json")
	}
	return request(t, method, s.srv.URL+path, body, append(h, headers...)...)
}
