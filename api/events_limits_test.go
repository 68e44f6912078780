package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestEventStreamLimits: a client address may hold PerClient streams, the
// node Streams in all; beyond them a stream is refused before it starts —
// 429 for the address, 503 with Retry-After for the node — as a problem
// document, and a closed stream frees its place. The address is the one
// rate limits use: X-Forwarded-For counts only from a trusted proxy.
func TestEventStreamLimits(t *testing.T) {
	type step struct {
		name  string
		close string // the stream to close first ("" none)
		open  string // the stream to open, named after its address
		from  string // its X-Forwarded-For
		want  int
	}
	a, b, c := "10.0.0.1", "10.0.0.2", "10.0.0.3"
	for _, tc := range []struct {
		name    string
		trusted []string
		limits  geo.EventLimits
		steps   []step
	}{
		{"behind a trusted proxy", []string{"127.0.0.1"}, geo.EventLimits{Streams: 4, PerClient: 2}, []step{
			{"first of a", "", "a1", a, http.StatusOK},
			{"second of a", "", "a2", a, http.StatusOK},
			{"third of a: the address's cap", "", "a3", a, http.StatusTooManyRequests},
			{"first of b", "", "b1", b, http.StatusOK},
			{"second of b", "", "b2", b, http.StatusOK},
			{"c beyond the node's cap", "", "c1", c, http.StatusServiceUnavailable},
			{"a closes one: c gets its place", "a1", "c1", c, http.StatusOK},
			{"a again: the node is full", "", "a3", a, http.StatusServiceUnavailable},
			{"b closes one: a gets it", "b1", "a3", a, http.StatusOK},
			{"a at its cap, the node full: the address's cap", "", "a4", a, http.StatusTooManyRequests},
		}},
		{"IPv6: a /64 is one client", []string{"127.0.0.1"}, geo.EventLimits{Streams: 10, PerClient: 2}, []step{
			{"one address", "", "v1", "2001:db8:7:1::1", http.StatusOK},
			{"another of its /64", "", "v2", "2001:db8:7:1:ffff::2", http.StatusOK},
			{"a third of its /64: the client's cap", "", "v3", "2001:db8:7:1::3", http.StatusTooManyRequests},
			{"the next /64 is another client", "", "w1", "2001:db8:7:2::1", http.StatusOK},
		}},
		{"no trusted proxy: X-Forwarded-For is not believed", nil, geo.EventLimits{Streams: 10, PerClient: 2}, []step{
			{"as a", "", "a1", a, http.StatusOK},
			{"as b", "", "b1", b, http.StatusOK},
			{"as c: the same address", "", "c1", c, http.StatusTooManyRequests},
		}},
		{"no limits", nil, geo.EventLimits{}, []step{
			{"one", "", "a1", a, http.StatusOK}, {"two", "", "a2", a, http.StatusOK}, {"three", "", "a3", a, http.StatusOK},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := pgtest.Open(t)
			ctx, stop := context.WithCancel(context.Background())
			hub := geo.NewEventHub(db, 100*time.Millisecond, 64)
			hub.SetLimits(tc.limits)
			go hub.Run(ctx)
			srv := httptest.NewServer(New(Deps{Units: db, Tokens: db, Auth: unlimitedAuth(), Events: hub,
				EventHeartbeat: 200 * time.Millisecond, TrustedProxies: tc.trusted}))
			t.Cleanup(srv.Close)
			t.Cleanup(stop)
			// Signed in: callers without a token hold only half of Streams
			// (TestEventStreamsKeptForTokens).
			screen := createToken(t, db, access.RoleViewer, "", "指挥大屏", time.Now().Add(time.Hour))
			open := map[string]context.CancelFunc{}
			defer func() {
				for _, cancel := range open {
					cancel()
				}
			}()
			for _, st := range tc.steps {
				t.Run(st.name, func(t *testing.T) {
					if cancel := open[st.close]; cancel != nil {
						held := hub.Stats().Streams
						cancel()
						delete(open, st.close)
						waitUntil(t, "the closed stream's place is freed", func() bool { return hub.Stats().Streams < held })
					}
					status, cancel := openStream(t, srv.URL, st.from, screen)
					if status != st.want {
						t.Fatalf("status %d, want %d", status, st.want)
					}
					if cancel != nil {
						open[st.open] = cancel
					}
				})
			}
		})
	}
}

// TestEventStreamsKeptForTokens: callers without a token hold at most half
// of a node's streams, from however many addresses; a signed-in caller (a
// wall screen, a phone) still finds a place. An attacker's 64 addresses
// took all 1,000, and every screen got 503.
func TestEventStreamsKeptForTokens(t *testing.T) {
	db := pgtest.Open(t)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	hub := geo.NewEventHub(db, 100*time.Millisecond, 64)
	hub.SetLimits(geo.EventLimits{Streams: 4, PerClient: 16})
	go hub.Run(ctx)
	srv := httptest.NewServer(New(Deps{Units: db, Tokens: db, Auth: unlimitedAuth(), Events: hub,
		EventHeartbeat: 200 * time.Millisecond, TrustedProxies: []string{"127.0.0.1"}}))
	t.Cleanup(srv.Close)
	screen := createToken(t, db, access.RoleViewer, "", "指挥大屏", time.Now().Add(time.Hour))
	var open []context.CancelFunc
	defer func() {
		for _, cancel := range open {
			cancel()
		}
	}()
	for i, c := range []struct {
		from, token string
		want        int
	}{
		{"10.1.0.1", "", http.StatusOK}, {"10.1.0.2", "", http.StatusOK},
		{"10.1.0.3", "", http.StatusServiceUnavailable}, // half of 4 held without a token
		{"10.2.0.1", screen, http.StatusOK}, {"10.2.0.1", screen, http.StatusOK},
		{"10.2.0.1", screen, http.StatusServiceUnavailable}, // all 4 held
	} {
		status, cancel := openStream(t, srv.URL, c.from, c.token)
		if status != c.want {
			t.Fatalf("stream %d from %s (token %v): %d, want %d", i+1, c.from, c.token != "", status, c.want)
		}
		if cancel != nil {
			open = append(open, cancel)
		}
	}
}

// openStream asks for a stream as X-Forwarded-For from, with token unless
// it is "". A stream that starts is left open (the returned function closes
// it); a refusal must be a problem document with the code of its status
// and a Retry-After.
func openStream(t *testing.T, url, from, token string) (int, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background()) // the stream outlives the step
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/v1/events", nil)
	req.Header.Set("X-Forwarded-For", from)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp.StatusCode, cancel
	}
	defer cancel()
	body, _ := io.ReadAll(resp.Body)
	var p Problem
	codes := map[int]string{http.StatusTooManyRequests: "rate_limited", http.StatusServiceUnavailable: "unavailable"}
	if resp.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(body, &p) != nil ||
		p.Status != resp.StatusCode || p.Code != codes[resp.StatusCode] || resp.Header.Get("Retry-After") == "" {
		t.Errorf("refused with %d %s, Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"),
			resp.Header.Get("Retry-After"), body)
	}
	return resp.StatusCode, nil
}

// TestIdleStreamMemory measures what an idle event stream costs the
// server (and the few hundred bytes of its test client): heap and goroutine
// stacks per stream, with the default buffer of 1024 events. Each used to
// allocate its whole buffer up front: 128 kB of heap a stream, now 17 kB.
func TestIdleStreamMemory(t *testing.T) {
	db := pgtest.Open(t)
	n := newEventNode(t, db, 1024, access.ExposeNone)
	<-n.hub.Ready()
	const streams = 400
	heap0, stack0 := memInUse()
	for i := 0; i < streams; i++ {
		rawStream(t, n.srv.URL)
	}
	waitUntil(t, "every stream subscribes", func() bool { return n.hub.Stats().Subscribers == streams })
	time.Sleep(300 * time.Millisecond) // a heartbeat each
	heap1, stack1 := memInUse()
	heap, stack := (int64(heap1)-int64(heap0))/streams, (int64(stack1)-int64(stack0))/streams
	t.Logf("per idle stream: heap %.1f kB, goroutine stacks %.1f kB", float64(heap)/1024, float64(stack)/1024)
	if heap > 48<<10 {
		t.Errorf("an idle stream holds %d kB of heap", heap>>10)
	}
}

func memInUse() (heap, stack uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse, m.StackInuse
}
