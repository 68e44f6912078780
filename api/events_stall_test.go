package api

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestStalledSubscriberIsDropped opens an event stream and never reads it
// while 20,000 events of 2 kB (40 MB, far more than the sockets buffer) go
// by: the server drops that
// subscriber once its bounded buffer is full, its heap does not grow with
// the events, and other clients are served on.
func TestStalledSubscriberIsDropped(t *testing.T) {
	db := pgtest.Open(t)
	n := newEventNode(t, db, 64, access.ExposeNone)
	<-n.hub.Ready()
	conn, err := net.Dial("tcp", strings.TrimPrefix(n.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(4096)
	if _, err := conn.Write([]byte("GET /v1/events HTTP/1.1\r\nHost: gridmap\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the stalled client subscribes", func() bool { return n.hub.Stats().Subscribers == 1 })
	before := heapInUse()
	const events = 20_000
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `INSERT INTO event_log (kind, codes, data)
SELECT 'unit.changed', '{120104}', jsonb_build_object('version', g, 'codes', repeat('120104', 340))
FROM generate_series(1, $1) AS g`, events); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the hub reads every event", func() bool { return n.hub.Stats().Published >= events })
	st := n.hub.Stats()
	after := heapInUse()
	t.Logf("heap in use before %d kB, after %d kB; subscribers %d, dropped %d", before>>10, after>>10, st.Subscribers, st.Dropped)
	if st.Dropped < 1 || st.Subscribers != 0 {
		t.Errorf("the stalled subscriber was not dropped: %+v", st)
	}
	if grew := int64(after) - int64(before); grew > 16<<20 {
		t.Errorf("the heap grew by %d MB while a subscriber stalled over 40 MB of events", grew>>20)
	}
	// Others are served as before.
	fresh, _ := stream(t, n.srv.URL+"/v1/events")
	if _, err := db.Pool.Exec(ctx, `INSERT INTO event_log (kind, codes, data) VALUES ('unit.changed', '{120104}', '{}')`); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e := <-fresh:
			if e.msg.Kind == "unit.changed" {
				return
			}
		case <-deadline:
			t.Fatal("a new subscriber got no event after the stalled one was dropped")
		}
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("%s: not within 30 s", what)
		}
	}
}

// TestEventsTokenInQuery: EventSource cannot send headers, so the stream
// takes the token as ?access_token= when reads need one — this route only.
func TestEventsTokenInQuery(t *testing.T) {
	db := pgtest.Open(t)
	n := newEventNode(t, db, 64, access.ExposeNone)
	private := DefaultAuthConfig
	private.PublicReads = false
	srv := newPrivateServer(t, db, n.hub, &private)
	token := createToken(t, db, access.RoleViewer, "120104", "大屏", time.Now().Add(time.Hour))
	if r := request(t, "GET", srv+"/v1/events", nil); r.status != http.StatusUnauthorized {
		t.Errorf("no token: %d %s", r.status, r.body)
	}
	events, _ := stream(t, srv+"/v1/events?access_token="+token)
	if _, err := db.Pool.Exec(context.Background(), `INSERT INTO event_log (kind, codes, data)
VALUES ('report.created', '{120110003021}', '{"id":"elsewhere"}'), ('report.created', '{120104003001}', '{"id":"inside"}')`); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e := <-events:
			if strings.Contains(string(e.msg.Data), "elsewhere") {
				t.Fatalf("a token scoped to 120104 was sent an event of 120110: %s", e.msg.Data)
			}
			if strings.Contains(string(e.msg.Data), "inside") {
				if r := request(t, "GET", srv+"/v1/units/120104?access_token="+token, nil); r.status != http.StatusUnauthorized {
					t.Errorf("another route took the token from the query: %d", r.status)
				}
				return
			}
		case <-deadline:
			t.Fatal("no event within the token's scope")
		}
	}
}

// newPrivateServer serves hub's events (and units) under another access
// policy.
func newPrivateServer(t *testing.T, db *postgres.DB, hub *geo.EventHub, auth *AuthConfig) string {
	t.Helper()
	srv := httptest.NewServer(New(Deps{Units: db, Tokens: db, Auth: auth, Events: hub, EventHeartbeat: 200 * time.Millisecond}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestFreshStreamResumesFromNow: a client that connects without a resume
// point gets, in the stream's opening message, the resume point of the
// record as it stood when it connected. It used to get 0-0 until the
// record's floor next moved (hours on a quiet night); EventSource
// reconnects with the last id it saw, and from 0-0 it was sent the whole
// retained record again: a big screen counted a day of reports twice. And
// it then got none until the first heartbeat (15 s): a stream cut before
// that reconnected afresh, and the events in between never reached it.
func TestFreshStreamResumesFromNow(t *testing.T) {
	db, _ := openDemoService(t)
	n := newEventNode(t, db, 1024, access.ExposeNone)
	<-n.hub.Ready()
	floor := n.hub.Floor()
	events, _ := stream(t, n.srv.URL+"/v1/events")
	select {
	case ev := <-events:
		got, _, err := geo.ParseEventID("id", ev.id)
		if err != nil || got == 0 || got < floor || ev.beat {
			t.Errorf("the first message (heartbeat %v) has id %q, want the opening's resume point at or above %d", ev.beat, ev.id, floor)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no heartbeat within 5 s")
	}
}

// TestRevokedTokenEndsItsStream: a stream opened with a token ends once the
// token is revoked (within the token cache's TTL and a heartbeat), and the
// reconnect is refused; it used to run on until the client reconnected.
func TestRevokedTokenEndsItsStream(t *testing.T) {
	db := pgtest.Open(t)
	n := newEventNode(t, db, 64, access.ExposeNone)
	private := DefaultAuthConfig
	private.PublicReads, private.CacheTTL = false, 300*time.Millisecond
	srv := newPrivateServer(t, db, n.hub, &private)
	token := createToken(t, db, access.RoleViewer, "120104", "大屏", time.Now().Add(time.Hour))
	events, _ := stream(t, srv+"/v1/events?access_token="+token)
	<-events // a heartbeat: the stream runs
	toks, err := db.ListTokens(context.Background())
	if err != nil || len(toks) != 1 {
		t.Fatalf("tokens %v, %v", toks, err)
	}
	if _, err := db.RevokeToken(context.Background(), toks[0].ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-events:
		case <-deadline:
			t.Fatal("the stream of a revoked token still runs after 5 s")
		}
	}
	if r := request(t, "GET", srv+"/v1/events?access_token="+token, nil); r.status != http.StatusUnauthorized {
		t.Errorf("the reconnect: %d %s, want 401", r.status, r.body)
	}
}
