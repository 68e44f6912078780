package api

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestReportReadYourWritesOnAStandby: a report written through a node on
// the primary, read back through a node on a hot standby whose replay is
// paused, was missing (404) with nothing to say so. The write answers with
// its position; a read that sends it back waits for the standby's replay,
// is a 503 naming the header while the replay stays short of it, and is
// the report once the replay reaches it. A primary answers it at once; a
// position that is no number is a 400 naming the header.
func TestReportReadYourWritesOnAStandby(t *testing.T) {
	db := demotest.OpenPrimary(t)
	primary := newNode(t, db, true)
	sdb := pgtest.OpenStandby(t, db.URL(), 4)
	svc, _ := loadedService(t, sdb)
	standby := &node{svc: svc, srv: httptest.NewServer(New(Deps{Units: sdb, Resolver: svc, Index: svc, Positions: sdb, Tokens: sdb,
		Reports: sdb, Patrols: sdb, Policy: casework.DefaultPolicy(), ReadOnly: sdb.Standby}))}
	t.Cleanup(standby.srv.Close)
	// The turn first: another package's test pausing the shared standby
	// meanwhile left the token unreplayed (a 401 in one CI run).
	replay := pgtest.ControlReplay(t, sdb) // resumed at cleanup
	reporter := createToken(t, db, access.RoleReporter, "", "网格员", time.Now().Add(time.Hour))
	// Received by the standby, whose node then waits for its replay: a
	// token not yet received is unknown there (a 401 in a CI run).
	replay.AwaitReceived(t, db)
	if r := standby.send(t, "GET", "/v1/me", reporter, nil); r.status != http.StatusOK { // the standby holds the token
		t.Fatalf("the token on the standby: %d %s", r.status, r.body)
	}
	replay.Pause(t)

	id := uuid.NewString()
	w := primary.send(t, "POST", "/v1/reports", reporter, body(t, id, orb.Point{117.15, 39.11}, nil))
	if w.status != http.StatusCreated {
		t.Fatalf("the write: %d %s", w.status, w.body)
	}
	pos := writePosition(t, w)
	at := []string{MinPositionHeader, strconv.FormatInt(pos, 10)}
	path := "/v1/reports/" + id
	if r := standby.send(t, "GET", path, reporter, nil); r.status != http.StatusNotFound {
		t.Fatalf("without the position, on the paused standby: %d, want the 404 the position is for", r.status)
	}
	start := time.Now()
	r := standby.send(t, "GET", path, reporter, nil, at...)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || r.json(t)["field"] != MinPositionHeader {
		t.Errorf("with the position, replay paused: %d %s (Retry-After %q); want 503 naming %s", r.status, r.body, r.header.Get("Retry-After"), MinPositionHeader)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("answered after %s: it did not wait for the replay", waited)
	}
	// Asked again at once, the position just waited for in vain is refused
	// without another wait (a hundred queries and two seconds each).
	for _, p := range []string{path, "/v1/stats", "/v1/patrols/coverage"} {
		start = time.Now()
		if r := standby.send(t, "GET", p, reporter, nil, at...); r.status != http.StatusServiceUnavailable || time.Since(start) > time.Second {
			t.Errorf("%s again: %d after %s, want 503 at once", p, r.status, time.Since(start))
		}
	}
	time.Sleep(geo.MinVersionWait + 100*time.Millisecond) // past the memo of the miss: the next read waits again
	resumed := make(chan struct{})
	go func() {
		defer close(resumed)
		time.Sleep(300 * time.Millisecond)
		replay.Resume(t)
	}()
	if r := standby.send(t, "GET", path, reporter, nil, at...); r.status != http.StatusOK {
		t.Errorf("with the position, replay resumed meanwhile: %d %s", r.status, r.body)
	}
	<-resumed
	for _, c := range []struct {
		name   string
		on     *node
		header []string
		want   int
	}{
		{"the primary, at the position", primary, at, http.StatusOK},
		{"the primary, past it", primary, []string{MinPositionHeader, strconv.FormatInt(pos+1<<40, 10)}, http.StatusOK},
		{"a list, the highest counts", standby, []string{MinPositionHeader, "1, " + at[1]}, http.StatusOK},
		{"no number", standby, []string{MinPositionHeader, "0/16B6C50"}, http.StatusBadRequest},
		{"negative", primary, []string{MinPositionHeader, "-1"}, http.StatusBadRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := c.on.send(t, "GET", path, reporter, nil, c.header...)
			if r.status != c.want || c.want == http.StatusBadRequest && r.json(t)["field"] != MinPositionHeader {
				t.Errorf("%d %s, want %d", r.status, r.body, c.want)
			}
		})
	}
}
