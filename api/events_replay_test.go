package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestReplayToStalledClient: a client reconnects with Last-Event-ID and then
// does not read while its replay is more than the sockets can buffer. No
// transaction stays open meanwhile (the server once kept one per such
// client, "idle in transaction", until sixteen of them held every
// connection of its pool and every other request waited for one); once the
// client reads, it gets every event, in order, once. A replay from before
// the pruned part of the record still ends in event: reset.
func TestReplayToStalledClient(t *testing.T) {
	for _, c := range []struct {
		name   string
		events int
		bytes  int           // of each event's data
		stall  time.Duration // before the client reads (below the 10 s write timeout)
		pruned bool          // the floor is below the pruned part of the record
	}{
		{"stalled over 40 MB", 20_000, 2000, 3 * time.Second, false},
		{"reading at once", 3000, 100, 0, false},
		{"pruned", 10, 100, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := pgtest.Open(t)
			n := newEventNode(t, db, 64, access.ExposeNone)
			<-n.hub.Ready()
			ctx := context.Background()
			floor := n.hub.Floor()
			if c.pruned {
				if _, err := db.Pool.Exec(ctx, `INSERT INTO event_log (kind, codes, data, at)
VALUES ('unit.changed', '{}', '{}', now() - interval '2 days')`); err != nil {
					t.Fatal(err)
				}
				if _, err := db.PruneEvents(ctx, 24*time.Hour); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.Pool.Exec(ctx, `INSERT INTO event_log (kind, codes, data)
SELECT 'unit.changed', '{120104}', jsonb_build_object('n', g, 'pad', repeat('x', $2))
FROM generate_series(1, $1) AS g`, c.events, c.bytes); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "the hub reads every event", func() bool { return n.hub.Stats().Published >= int64(c.events) })
			conn := rawStream(t, n.srv.URL, "Last-Event-ID: "+geo.EventID(floor, 0))
			for until := time.Now().Add(c.stall); time.Now().Before(until); time.Sleep(100 * time.Millisecond) {
				var open int
				if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start < now() - interval '1 second'`).Scan(&open); err != nil {
					t.Fatal(err)
				}
				if open > 0 {
					t.Fatalf("%d transactions have been open for over a second while the client stalls", open)
				}
			}
			got, reset := readReplay(t, conn, c.events)
			if c.pruned {
				if !reset || len(got) != 0 {
					t.Fatalf("a replay from a pruned floor: reset %v after %d events", reset, len(got))
				}
				return
			}
			if reset || len(got) != c.events {
				t.Fatalf("replayed %d of %d events (reset %v)", len(got), c.events, reset)
			}
			for i := 1; i < len(got); i++ {
				if got[i] <= got[i-1] {
					t.Fatalf("event %d came after %d: out of order or twice", got[i], got[i-1])
				}
			}
		})
	}
}

// rawStream asks for the event stream on a connection with a small receive
// buffer, and reads nothing yet.
func rawStream(t *testing.T, url string, headers ...string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.(*net.TCPConn).SetReadBuffer(4096)
	req := "GET /v1/events HTTP/1.1\r\nHost: gridmap\r\n"
	for _, h := range headers {
		req += h + "\r\n"
	}
	if _, err := conn.Write([]byte(req + "\r\n")); err != nil {
		t.Fatal(err)
	}
	return conn
}

// readReplay reads the stream on conn until want events or a reset came,
// and returns the events' ids.
func readReplay(t *testing.T, conn net.Conn, want int) (ids []int64, reset bool) {
	t.Helper()
	_ = conn.(*net.TCPConn).SetReadBuffer(4 << 20) // the small buffer makes every segment wait for an ACK
	_ = conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Not resp.Body.Close: it would read the endless stream to its end; the
	// test's cleanup closes conn.
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for len(ids) < want && sc.Scan() {
		line := sc.Text()
		switch {
		case line == "event: reset":
			return ids, true
		case strings.HasPrefix(line, "data: "):
			var m eventMessage
			if err := json.Unmarshal([]byte(line[6:]), &m); err != nil {
				t.Fatalf("%v: %.100s", err, line)
			}
			ids = append(ids, m.EventID)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("after %d events: %v", len(ids), err)
	}
	return ids, false
}
