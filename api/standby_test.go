package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
	"github.com/gridmap-dev/gridmap/internal/logtest"
)

// TestStandbyNode runs a node on a real hot standby of the test database:
// it serves reads, follows an edit made on the primary within the replay
// lag and its poll, refuses writes with a 503 that says why, runs no jobs
// (its leader waits for a promotion) and logs no warnings or errors.
func TestStandbyNode(t *testing.T) {
	db := demotest.OpenPrimary(t)
	logs := logtest.Record(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sdb, err := postgres.Open(ctx, pgtest.StandbyURL(t, db.URL()), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	if !sdb.Standby() || db.Standby() {
		t.Fatalf("standby detection: standby %v, primary %v", sdb.Standby(), db.Standby())
	}
	svc := geo.NewService(sdb, sdb)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	go svc.Follow(ctx, geo.FollowOptions{Poll: 50 * time.Millisecond, Verify: 200 * time.Millisecond})
	led := make(chan bool, 1)
	go func() {
		ran := false
		sdb.Lead(ctx, "jobs", func(context.Context) { ran = true })
		led <- ran
	}()
	h := New(Deps{Units: sdb, Resolver: svc, Index: svc, Tokens: sdb, Editor: sdb, Versions: sdb, Reports: sdb,
		Patrols: sdb, Policy: casework.DefaultPolicy(), ReadOnly: sdb.Standby})
	s := &node{svc: svc, srv: httptest.NewServer(h)}
	defer s.srv.Close()
	primary := newNode(t, db, true)
	admin := createToken(t, db, access.RoleAdmin, "", "admin", time.Now().Add(time.Hour))
	revoked := createToken(t, db, access.RoleReporter, "", "revoked", time.Now().Add(time.Hour))
	revokeToken(t, db, revoked)

	ready := s.send(t, "GET", "/readyz", "", nil)
	if ready.status != http.StatusOK || !strings.Contains(string(ready.body), `"role":"standby"`) {
		t.Errorf("readyz on the standby: %d %s", ready.status, ready.body)
	}
	for _, w := range []struct{ method, path string }{{"POST", "/v1/enclaves"}, {"POST", "/v1/reports"},
		{"PUT", "/v1/units/120104"}, {"DELETE", "/v1/enclaves/" + demo.EnclaveCode}, {"POST", "/v1/imports"}} {
		r := s.send(t, w.method, w.path, admin, []byte(`{}`))
		if r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), `"code":"read_only"`) ||
			!strings.Contains(string(r.body), `"instance":"`+w.path+`"`) || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s on the standby: %d %s, want a 503 read_only problem", w.method, w.path, r.status, r.body)
		}
	}
	// No token: one is asked for first. A token is the primary's to judge:
	// the standby may not hold one made a moment ago.
	for _, c := range []struct {
		token string
		want  int
	}{{"", http.StatusUnauthorized}, {"not-a-token", http.StatusServiceUnavailable}} {
		if r := s.send(t, "POST", "/v1/reports", c.token, []byte(`{}`)); r.status != c.want {
			t.Errorf("a write with token %q on the standby: %d %s, want %d", c.token, r.status, r.body, c.want)
		}
	}
	if r := s.send(t, "POST", "/v1/resolve", "", []byte(`{"points":[[117.15,39.11]]}`)); r.status != http.StatusOK {
		t.Errorf("POST /v1/resolve is a read and works on the standby: %d %s", r.status, r.body)
	}

	// An enclave created on the primary reaches the standby node.
	var p orb.Point
	if err := db.Pool.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p
		FROM unit WHERE code = '120104002001001' AND valid_to IS NULL) s`).Scan(&p[0], &p[1]); err != nil {
		t.Fatal(err)
	}
	w := primary.send(t, "POST", "/v1/enclaves", admin, squareEnclave("SBY001", p))
	if w.status != http.StatusCreated {
		t.Fatalf("create on the primary: %d %s", w.status, w.body)
	}
	v := versionHeader(t, w)
	committed := time.Now()
	path := fmt.Sprintf("/v1/resolve?lng=%v&lat=%v", p[0], p[1])
	for {
		_, who, rv := answerOf(t, s.send(t, "GET", path, "", nil))
		if who == demo.BaihechuntianCode && rv >= v {
			break
		}
		if time.Since(committed) > 10*time.Second {
			t.Fatalf("the standby node still answers %s at version %d, 10 s after version %d committed", who, rv, v)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("the standby node answered version %d %s after the commit", v, time.Since(committed).Round(time.Millisecond))
	r := s.send(t, "GET", path+"&min_version="+strconv.FormatInt(v, 10), "", nil)
	if _, who, _ := answerOf(t, r); r.status != http.StatusOK || who != demo.BaihechuntianCode {
		t.Errorf("min_version on the standby: %d %s", r.status, r.body)
	}
	// A write's token is the primary's to judge, a revoked one too; a read
	// with it is refused here (replayed past the enclave, the standby
	// knows the revocation before it).
	if r := s.send(t, "POST", "/v1/reports", revoked, []byte(`{}`)); r.status != http.StatusServiceUnavailable {
		t.Errorf("a write with a revoked token on the standby: %d %s, want 503 read_only", r.status, r.body)
	}
	if r := s.send(t, "GET", "/v1/me", revoked, nil); r.status != http.StatusUnauthorized ||
		!strings.Contains(r.header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("a read with a revoked token on the standby: %d %s, want 401 invalid_token", r.status, r.body)
	}
	for _, q := range []string{"/v1/units/120104", "/v1/enclaves/SBY001", "/v1/units?level=street&parent=120104", "/ogc/collections"} {
		if r := s.send(t, "GET", q, "", nil); r.status != http.StatusOK {
			t.Errorf("GET %s on the standby: %d %s", q, r.status, r.body)
		}
	}
	time.Sleep(300 * time.Millisecond) // a verify round at the new version
	cancel()
	select {
	case ran := <-led:
		if ran {
			t.Error("a background job ran on the standby")
		}
	case <-time.After(time.Second):
		t.Error("Lead did not return when its context ended")
	}
	for _, rec := range logs.Records() {
		t.Errorf("the standby node logged: %s", rec)
	}
}
