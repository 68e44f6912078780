package api

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/internal/fastlane"
	"github.com/gridmap-dev/gridmap/internal/logtest"
)

// countedTokens is the database's token store, its reads counted, failed
// while fail is set (the database away), and held until their context
// ends while hang is set (the database stuck), what ended them sent on
// hung.
type countedTokens struct {
	access.TokenStore
	reads atomic.Int64
	fail  atomic.Bool
	hang  atomic.Bool
	hung  chan error
}

func (c *countedTokens) TokenByHash(ctx context.Context, hash [32]byte) (access.Token, error) {
	c.reads.Add(1)
	if c.fail.Load() {
		return access.Token{}, errors.New("the database is away")
	}
	if c.hang.Load() {
		<-ctx.Done()
		c.hung <- ctx.Err()
		return access.Token{}, ctx.Err()
	}
	return c.TokenStore.TokenByHash(ctx, hash)
}

// readAt returns when the read of hash's cached entry began.
func (a *authenticator) readAt(hash [32]byte) time.Time {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.cache[hash].at
}

// waitForRead waits until a background read of hash's token that began
// after since has landed in the cache (and the next may start).
func waitForRead(t *testing.T, a *authenticator, hash [32]byte, since time.Time) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		a.mu.RLock()
		done := a.cache[hash].at.After(since) && !a.refreshing[hash]
		a.mu.RUnlock()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no read since %v landed (the entry's is from %v)", since, a.readAt(hash))
		}
	}
}

// TestTokenCacheReadsAhead: a token in use is read again in the background
// once three quarters of its cache time have passed, so the fast path keeps
// knowing it; a revocation still takes effect within the cache time (here,
// at the first read after it).
func TestTokenCacheReadsAhead(t *testing.T) {
	db := demotest.Open(t)
	clock := time.Now()
	cfg := DefaultAuthConfig
	cfg.Now = func() time.Time { return clock }
	store := &countedTokens{TokenStore: db}
	a := newAuthenticator(cfg, store)
	secret := createToken(t, db, access.RoleViewer, "", "reads-ahead", clock.Add(24*time.Hour))
	hash, header := access.HashToken(secret), "Bearer "+secret
	first, ttl := clock, cfg.CacheTTL
	gc, _ := gin.CreateTestContext(httptest.NewRecorder())
	gc.Request = httptest.NewRequest(http.MethodGet, "/v1/units", nil)

	if _, ok := a.cachedCaller(header, clock); ok {
		t.Fatal("the fast path knows a token never read")
	}
	if _, err := a.principal(gc, secret, clock, true); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		after  time.Duration // since the first read
		revoke bool          // revoke the token first
		known  bool          // the fast path knows the caller
		reads  bool          // a background read starts, and is waited for
	}{
		{"young entry", ttl * 4 / 10, false, true, false},
		{"past three quarters of its time", ttl * 8 / 10, false, true, true},
		{"past the first read's time", ttl * 15 / 10, false, true, false},
		{"past three quarters since the last read", ttl * 16 / 10, false, true, true},
		{"revoked, within the cache time of the last read", ttl * 20 / 10, true, true, false},
		{"the next read finds the revocation", ttl * 24 / 10, false, true, true},
		{"revoked", ttl * 25 / 10, false, false, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.revoke {
				revokeToken(t, db, secret)
			}
			before, reads := a.readAt(hash), store.reads.Load()
			clock = first.Add(s.after)
			if _, ok := a.cachedCaller(header, clock); ok != s.known {
				t.Fatalf("at +%v the fast path knows the caller: %v, want %v", s.after, ok, s.known)
			}
			if s.reads {
				waitForRead(t, a, hash, before)
			} else if got := store.reads.Load() - reads; got != 0 {
				t.Errorf("read %d times at +%v", got, s.after)
			}
		})
	}
	_, err := a.principal(gc, secret, clock, true)
	if err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("the router's answer for a revoked token: %v", err)
	}
}

// TestTokenCacheReadsOnceAtATime: many uses of a token at once start one
// read; a read that fails leaves the entry to run out; a read that began
// before the cached one does not replace it.
func TestTokenCacheReadsOnceAtATime(t *testing.T) {
	db := demotest.Open(t)
	start := time.Now()
	var clock atomic.Int64 // since start
	cfg := DefaultAuthConfig
	cfg.Now = func() time.Time { return start.Add(time.Duration(clock.Load())) }
	store := &countedTokens{TokenStore: db}
	a := newAuthenticator(cfg, store)
	secret := createToken(t, db, access.RoleViewer, "", "once", start.Add(24*time.Hour))
	hash, header, ttl := access.HashToken(secret), "Bearer "+secret, cfg.CacheTTL
	gc, _ := gin.CreateTestContext(httptest.NewRecorder())
	gc.Request = httptest.NewRequest(http.MethodGet, "/v1/units", nil)
	if _, err := a.principal(gc, secret, cfg.Now(), true); err != nil {
		t.Fatal(err)
	}

	t.Run("many uses, one read", func(t *testing.T) {
		clock.Store(int64(ttl * 8 / 10))
		reads := store.reads.Load()
		var wg sync.WaitGroup
		for range 64 {
			wg.Go(func() {
				if _, ok := a.cachedCaller(header, cfg.Now()); !ok {
					t.Error("a use past three quarters of the cache time was refused")
				}
			})
		}
		wg.Wait()
		waitForRead(t, a, hash, start)
		if got := store.reads.Load() - reads; got != 1 {
			t.Errorf("%d reads for 64 uses at once, want 1", got)
		}
	})
	t.Run("a failed read", func(t *testing.T) {
		store.fail.Store(true)
		defer store.fail.Store(false)
		last := a.readAt(hash)
		reads := store.reads.Load()
		clock.Store(int64(ttl * 16 / 10)) // three quarters since the last read
		if _, ok := a.cachedCaller(header, cfg.Now()); !ok {
			t.Fatal("refused within the cache time")
		}
		a.reads.Wait()
		if !a.readAt(hash).Equal(last) {
			t.Error("a failed read changed the entry")
		}
		// Not tried again at every use, but an eighth of the cache time on.
		for _, step := range []struct {
			at    time.Duration
			reads int64
		}{{ttl * 16 / 10, 1}, {ttl * 17 / 10, 1}, {ttl * 175 / 100, 2}} {
			clock.Store(int64(step.at))
			if _, ok := a.cachedCaller(header, cfg.Now()); !ok {
				t.Fatal("refused within the cache time")
			}
			a.reads.Wait()
			if got := store.reads.Load() - reads; got != step.reads {
				t.Errorf("at +%v, %d reads since the database went away, want %d", step.at, got, step.reads)
			}
		}
		clock.Store(int64(last.Sub(start) + ttl)) // the entry's time is up
		if _, ok := a.cachedCaller(header, cfg.Now()); ok {
			t.Error("the fast path still knows the caller once the entry's time is up")
		}
		if _, err := a.principal(gc, secret, cfg.Now(), true); err == nil {
			t.Error("the router read the token while the database was away")
		}
	})
	t.Run("an older read", func(t *testing.T) {
		newer := cachedToken{at: start.Add(time.Hour)}
		a.remember(hash, newer)
		a.remember(hash, cachedToken{at: start.Add(time.Minute)})
		if got := a.readAt(hash); !got.Equal(newer.at) {
			t.Errorf("the entry read at +%v replaced the one read at +%v", got.Sub(start), newer.at.Sub(start))
		}
	})
}

// TestTokenCacheReadEndsWithTheNode: a background read under way when the
// node stops ends then (not at its own time limit), and says nothing.
func TestTokenCacheReadEndsWithTheNode(t *testing.T) {
	db := demotest.Open(t)
	logs := logtest.Record(t)
	clock := time.Now()
	cfg := DefaultAuthConfig
	cfg.Now = func() time.Time { return clock }
	store := &countedTokens{TokenStore: db, hung: make(chan error, 1)}
	a := newAuthenticator(cfg, store)
	node, stop := context.WithCancel(context.Background())
	defer stop()
	a.background = node
	secret := createToken(t, db, access.RoleViewer, "", "node-stops", clock.Add(24*time.Hour))
	gc, _ := gin.CreateTestContext(httptest.NewRecorder())
	gc.Request = httptest.NewRequest(http.MethodGet, "/v1/units", nil)
	if _, err := a.principal(gc, secret, clock, true); err != nil {
		t.Fatal(err)
	}

	store.hang.Store(true)
	clock = clock.Add(cfg.CacheTTL * 8 / 10)
	if _, ok := a.cachedCaller("Bearer "+secret, clock); !ok {
		t.Fatal("refused within the cache time")
	}
	waitUntil(t, "a background read under way", func() bool {
		return a.readingAgain(access.HashToken(secret)) && store.reads.Load() == 2
	})
	stop()
	if err := <-store.hung; !errors.Is(err, context.Canceled) {
		t.Errorf("the read ended by %v, want the node's stop", err)
	}
	a.reads.Wait()
	if recs := logs.Records(); len(recs) != 0 {
		t.Errorf("a read cut short by the stop was logged: %q", recs)
	}
}

// readingAgain says whether a background read of hash's token runs.
func (a *authenticator) readingAgain(hash [32]byte) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.refreshing[hash]
}

// TestLaneKeepsASignedInConnection: a caller that sends its token with every
// resolve stays on the fast lane past the token's cache time (before the
// cache read ahead, the first request after it went to net/http, and the
// connection with it), and a revocation reaches it within the cache time.
func TestLaneKeepsASignedInConnection(t *testing.T) {
	db, svc := openDemoService(t)
	var offset atomic.Int64 // the API's clock, ahead of the real one
	cfg := &AuthConfig{CacheTTL: 10 * time.Second, Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }}
	whole := New(Deps{Units: db, Resolver: svc, Tokens: db, Registry: prometheus.NewRegistry(), Auth: cfg})
	counted := &countingAnswerer{Answerer: whole.(fastlane.Answerer)}
	a := whole.(fastFront).fast.auth
	addr := serveOnLane(t, whole, counted)
	secret := createToken(t, db, access.RoleViewer, "", "on-the-lane", time.Now().Add(time.Hour))
	hash := access.HashToken(secret)
	ask := askerOn(t, addr, "Bearer "+secret)
	if status := ask(); status != http.StatusOK { // looked up by the router, on net/http
		t.Fatalf("first resolve: %d", status)
	}

	ask = askerOn(t, addr, "Bearer "+secret) // a new connection, the token known
	before := counted.answered.Load()
	for step := 1; step <= 8; step++ { // every 0.4 of the cache time: a read at every other step
		last := a.readAt(hash)
		offset.Store(int64(cfg.CacheTTL) * int64(step) * 4 / 10)
		if status := ask(); status != http.StatusOK {
			t.Fatalf("resolve at +%v: %d", time.Duration(offset.Load()), status)
		}
		if step%2 == 0 {
			waitForRead(t, a, hash, last)
		}
	}
	if onLane := counted.answered.Load() - before; onLane != 8 {
		t.Errorf("%d of 8 resolves over 3.2 times the cache time answered on the lane, want all", onLane)
	}

	revokeToken(t, db, secret)
	revoked, last := offset.Load(), a.readAt(hash)
	offset.Store(revoked + int64(cfg.CacheTTL)*8/10) // the last read was at the revocation's time: this use reads again
	if status := ask(); status != http.StatusOK {
		t.Fatalf("resolve just after the revocation, its entry read before it: %d", status)
	}
	waitForRead(t, a, hash, last)
	if status := ask(); status != http.StatusUnauthorized {
		t.Errorf("resolve with a revoked token, %v after its revocation: %d", time.Duration(offset.Load()-revoked), status)
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
