package api

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/internal/fastlane"
)

// revokeByName revokes the tokens named name.
func revokeByName(t *testing.T, db *postgres.DB, name string) {
	t.Helper()
	toks, err := db.ListTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if tok.Name == name {
			if _, err := db.RevokeToken(context.Background(), tok.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestTokenCacheReadsAhead: a token in use is read again in the background
// once half its cache time has passed, so the fast path keeps knowing it;
// a revocation still takes effect within the cache time (here, at the
// first read after it).
func TestTokenCacheReadsAhead(t *testing.T) {
	db := demotest.Open(t)
	clock := time.Now()
	cfg := DefaultAuthConfig
	cfg.Now = func() time.Time { return clock }
	a := newAuthenticator(cfg, db)
	secret := createToken(t, db, access.RoleViewer, "", "reads-ahead", clock.Add(24*time.Hour))
	hash, header := access.HashToken(secret), "Bearer "+secret

	first := clock
	at := func() time.Time { // when the cached entry's read began
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.cache[hash].at
	}
	waitRead := func(t *testing.T, want time.Time) { // until the background read has landed
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !at().Equal(want); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the entry was read at +%v, want a read at +%v", at().Sub(first), want.Sub(first))
			}
		}
	}
	known := func(t *testing.T, want bool) {
		t.Helper()
		if _, ok := a.cachedCaller(header, clock); ok != want {
			t.Fatalf("at +%v the fast path knows the caller: %v, want %v", clock.Sub(first), ok, want)
		}
	}
	gc, _ := gin.CreateTestContext(httptest.NewRecorder())
	gc.Request = httptest.NewRequest(http.MethodGet, "/v1/units", nil)

	known(t, false) // never read
	if _, err := a.principal(gc, secret, clock, true); err != nil {
		t.Fatal(err)
	}
	ttl := cfg.CacheTTL
	steps := []struct {
		name     string
		after    time.Duration // since the first read
		revoke   bool          // revoke the token first
		known    bool
		readsNow bool // a background read starts, and is waited for
	}{
		{"young entry", ttl * 4 / 10, false, true, false},
		{"past half its time", ttl * 6 / 10, false, true, true},
		{"past the first read's time", ttl * 12 / 10, false, true, true},
		{"revoked, within the cache time of the last read", ttl * 15 / 10, true, true, false},
		{"the next read finds the revocation", ttl * 18 / 10, false, true, true},
		{"revoked", ttl * 19 / 10, false, false, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.revoke {
				revokeByName(t, db, "reads-ahead")
			}
			clock = first.Add(s.after)
			before := at()
			known(t, s.known)
			if s.readsNow {
				waitRead(t, clock)
			} else if !at().Equal(before) {
				t.Errorf("read again at +%v", s.after)
			}
		})
	}
	_, err := a.principal(gc, secret, clock, true)
	if err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("the router's answer for a revoked token: %v", err)
	}
}

// TestLaneKeepsASignedInConnection: a caller that sends its token with every
// resolve stays on the fast lane past the token's cache time (before the
// cache read ahead, the first request after it went to net/http, and the
// connection with it), and a revocation reaches it within the cache time.
func TestLaneKeepsASignedInConnection(t *testing.T) {
	db, svc := openDemoService(t)
	const ttl = time.Second
	whole := New(Deps{Units: db, Resolver: svc, Tokens: db, Registry: prometheus.NewRegistry(),
		Auth: &AuthConfig{PublicReads: false, CacheTTL: ttl}})
	counted := &countingAnswerer{Answerer: whole.(fastlane.Answerer)}
	addr := serveOnLane(t, whole, counted)
	secret := createToken(t, db, access.RoleViewer, "", "on-the-lane", time.Now().Add(time.Hour))
	ask := askerOn(t, addr, "Bearer "+secret)

	if status := ask(); status != http.StatusOK { // looked up by the router, on net/http
		t.Fatalf("first resolve: %d", status)
	}
	ask = askerOn(t, addr, "Bearer "+secret) // a new connection, the token known
	before := counted.answered.Load()
	asked := 0
	for end := time.Now().Add(3 * ttl); time.Now().Before(end); time.Sleep(ttl / 20) {
		if status := ask(); status != http.StatusOK {
			t.Fatalf("resolve %d: %d", asked, status)
		}
		asked++
	}
	if onLane := counted.answered.Load() - before; onLane != int64(asked) {
		t.Errorf("%d of %d resolves over %v answered on the lane, want all", onLane, asked, 3*ttl)
	}

	revokeByName(t, db, "on-the-lane")
	revoked := time.Now()
	for ask() == http.StatusOK {
		if waited := time.Since(revoked); waited > ttl+ttl/2 {
			t.Fatalf("the revoked token still reads after %v (cache time %v)", waited, ttl)
		}
		time.Sleep(ttl / 20)
	}
}

// askerOn opens a connection to addr and returns a func that sends a
// resolve with the Authorization header auth on it and returns the status.
func askerOn(t *testing.T, addr, auth string) func() int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	rd := bufio.NewReader(c)
	return func() int {
		t.Helper()
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/v1/resolve?lng=117.15&lat=39.11", nil)
		req.Header.Set("Authorization", auth)
		if err := req.Write(c); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(rd, req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
}
