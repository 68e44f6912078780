package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/audit"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// node is one gridmap process over a database: its own resolver index and
// its own HTTP handler. follow says whether its index follows changes in
// the background; without a follower it moves only when a request makes it
// (a write catching up, a reader naming a version).
type node struct {
	svc *geo.Service
	srv *httptest.Server
}

func newNode(t *testing.T, db *postgres.DB, follow bool) *node {
	t.Helper()
	svc, ctx := loadedService(t, db)
	if follow {
		// No NOTIFY and an hourly poll: whatever this node sees in time, it
		// sees because the request asked for it.
		go svc.Follow(ctx, geo.FollowOptions{Poll: time.Hour})
	}
	h := New(Deps{Units: db, Resolver: svc, Index: svc, DataVersion: db.HeadVersion, Positions: db, Tokens: db, Auth: unlimitedAuth(), Editor: db, Topology: db, Versions: db,
		Reports: db, Patrols: db, Policy: casework.DefaultPolicy(), ReadOnly: db.Standby, Audit: &audit.Store{Pool: db.Pool}})
	n := &node{svc: svc, srv: httptest.NewServer(h)}
	t.Cleanup(n.srv.Close)
	return n
}

func (n *node) send(t *testing.T, method, path, token string, body []byte, headers ...string) response {
	t.Helper()
	h := append([]string{"Content-Type", "application/json"}, authHeader(token)...)
	return request(t, method, n.srv.URL+path, body, append(h, headers...)...)
}

// squareEnclave is a small enclave around p, managed by the demo's 百合春天社区.
func squareEnclave(code string, p orb.Point) []byte {
	d := 0.0003
	ring := [][]float64{{p[0] - d, p[1] - d}, {p[0] + d, p[1] - d}, {p[0] + d, p[1] + d}, {p[0] - d, p[1] + d}, {p[0] - d, p[1] - d}}
	f := map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}},
		"properties": map[string]any{"code": code, "name": "临时代管 " + code, "managing_code": demo.BaihechuntianCode, "status": "custodial"}}
	b, _ := json.Marshal(f)
	return b
}

// answerOf reads who answers for a report or resolution body.
func answerOf(t *testing.T, r response) (status, responsible string, version int64) {
	t.Helper()
	var v struct {
		Status      string `json:"status"`
		Responsible struct {
			Code string `json:"code"`
		} `json:"responsible"`
		IndexVersion int64 `json:"index_version"`
		Resolution   *struct {
			Status      string `json:"status"`
			Responsible struct {
				Code string `json:"code"`
			} `json:"responsible"`
			IndexVersion int64 `json:"index_version"`
		} `json:"resolution"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("%d %s: %v", r.status, r.body, err)
	}
	if v.Resolution != nil {
		return v.Resolution.Status, v.Resolution.Responsible.Code, v.Resolution.IndexVersion
	}
	return v.Status, v.Responsible.Code, v.IndexVersion
}

func versionHeader(t *testing.T, r response) int64 {
	t.Helper()
	v, err := strconv.ParseInt(r.header.Get(IndexVersionHeader), 10, 64)
	if err != nil {
		t.Fatalf("%s: %q (%d %s)", IndexVersionHeader, r.header.Get(IndexVersionHeader), r.status, r.body)
	}
	return v
}

// TestReadYourWrites: an enclave created (or retired) through the API is
// what the very next report and resolve on the same node answer, every
// time; and a second node answers it too when asked for the write's version,
// whether it catches up in time or has to ask PostGIS.
func TestReadYourWrites(t *testing.T) {
	db := demotest.Open(t)
	a := newNode(t, db, true)
	b := newNode(t, db, true)  // follows, but only when asked
	c := newNode(t, db, false) // never follows: PostGIS must answer for it
	admin := createToken(t, db, access.RoleAdmin, "", "admin", time.Now().Add(time.Hour))
	worker := createToken(t, db, access.RoleReporter, "", "王伟", time.Now().Add(time.Hour))
	var p orb.Point
	if err := db.Pool.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p
		FROM unit WHERE code = '120104001001001' AND valid_to IS NULL) s`).Scan(&p[0], &p[1]); err != nil {
		t.Fatal(err)
	}
	grid, managing := "120104001001001", demo.BaihechuntianCode
	resolvePath := fmt.Sprintf("/v1/resolve?lng=%v&lat=%v", p[0], p[1])
	const rounds = 100
	for i := 0; i < rounds; i++ {
		code := fmt.Sprintf("RYW%03d", i/2)
		var w response
		want := managing
		if i%2 == 0 {
			w = a.send(t, "POST", "/v1/enclaves", admin, squareEnclave(code, p))
		} else {
			w = a.send(t, "DELETE", "/v1/enclaves/"+code, admin, nil, "If-Match", `"v1"`)
			want = grid
		}
		if w.status != http.StatusCreated && w.status != http.StatusOK {
			t.Fatalf("round %d: write answered %d %s", i, w.status, w.body)
		}
		v := versionHeader(t, w)
		rep := a.send(t, "POST", "/v1/reports", worker, body(t, uuid.NewString(), p, map[string]any{"observed_at": nil}))
		if rep.status != http.StatusCreated {
			t.Fatalf("round %d: report answered %d %s", i, rep.status, rep.body)
		}
		if _, who, rv := answerOf(t, rep); who != want || rv < v {
			t.Fatalf("round %d: the report right after the write landed on %s at version %d, want %s at ≥ %d", i, who, rv, want, v)
		}
		if _, who, rv := answerOf(t, a.send(t, "GET", resolvePath, "", nil)); who != want || rv < v {
			t.Fatalf("round %d: resolve right after the write: %s at version %d, want %s at ≥ %d", i, who, rv, want, v)
		}
		other := b
		if i%10 == 9 {
			other = c
		}
		r := other.send(t, "GET", resolvePath+"&min_version="+strconv.FormatInt(v, 10), "", nil)
		if _, who, rv := answerOf(t, r); r.status != http.StatusOK || who != want || rv < v || versionHeader(t, r) < v {
			t.Fatalf("round %d: another node asked for version %d answered %d %s", i, v, r.status, r.body)
		}
	}
	// The node that never follows is still at the start, yet it never
	// answered from there: its answers came from PostGIS.
	if c.svc.Version() >= a.svc.Version() {
		t.Errorf("the non-following node reached version %d; the test meant it to stay behind", c.svc.Version())
	}
	r := c.send(t, "GET", resolvePath+"&min_version=999999", "", nil)
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("a version the database has not reached: %d %s, want 503", r.status, r.body)
	}
	// A batch the node cannot bring to the version is one 503 the client
	// retries, not a 200 of failed slots: too many points for PostGIS at
	// once, and a smaller one once PostGIS says its database is behind too
	// (a reviewer found a 200 with an error in every slot, which a client
	// reading the status might take as answered).
	points := func(n int) []byte {
		pts := make([][2]float64, n)
		for i := range pts {
			pts[i] = [2]float64{p[0], p[1]}
		}
		b, _ := json.Marshal(map[string]any{"points": pts})
		return b
	}
	if r := c.send(t, "POST", "/v1/resolve?min_version=999999", "", points(1001)); r.status != http.StatusServiceUnavailable ||
		r.header.Get("Retry-After") == "" {
		t.Errorf("a 1,001-point batch beyond the node's version: %d %s, want 503 with Retry-After", r.status, r.body)
	}
	if r := c.send(t, "POST", "/v1/resolve?min_version=999999", "", points(300)); r.status != http.StatusServiceUnavailable ||
		r.header.Get("Retry-After") == "" || !bytes.Contains(r.body, []byte("not yet 999999")) {
		t.Errorf("a 300-point batch beyond the database's version: %d %s, want 503 with Retry-After saying why", r.status, r.body)
	}
	for _, bad := range []string{"-1", "x", "1e3"} {
		if r := a.send(t, "GET", resolvePath+"&min_version="+bad, "", nil); r.status != http.StatusBadRequest {
			t.Errorf("min_version=%s: %d, want 400", bad, r.status)
		}
	}
	h := a.send(t, "GET", resolvePath, "", nil, MinVersionHeader, strconv.FormatInt(a.svc.Version(), 10))
	if h.status != http.StatusOK {
		t.Errorf("%s header: %d %s", MinVersionHeader, h.status, h.body)
	}
	ready := a.send(t, "GET", "/readyz", "", nil)
	if versionHeader(t, ready) != a.svc.Version() {
		t.Errorf("readyz names version %s, the index is at %d", ready.header.Get(IndexVersionHeader), a.svc.Version())
	}
}

// TestParseMinVersion: the strictest of the parameter and every header
// value counts. A reviewer's stricter header was overridden by a looser
// parameter, and a second header value was ignored.
func TestParseMinVersion(t *testing.T) {
	cases := []struct {
		name   string
		param  string
		header []string
		want   int64
		field  string // of the 400, when refused
	}{
		{"none", "", nil, 0, ""},
		{"the parameter", "7", nil, 7, ""},
		{"the header", "", []string{"7"}, 7, ""},
		{"a stricter header than the parameter", "2", []string{"999"}, 999, ""},
		{"a stricter parameter than the header", "999", []string{"2"}, 999, ""},
		{"two header values, the stricter first", "", []string{"999", "1"}, 999, ""},
		{"two header values, the stricter last", "", []string{"1", "999"}, 999, ""},
		{"a bad parameter", "x", []string{"1"}, 0, "min_version"},
		{"a bad second header value", "", []string{"1", "-3"}, 0, MinVersionHeader},
		{"a list in one header value, as a proxy joins two", "", []string{"1, 2"}, 2, ""},
		{"a list with a bad member", "", []string{"1, x"}, 0, MinVersionHeader},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseMinVersion(c.param, c.header)
			if c.field != "" {
				var ge *geo.Error
				if !errors.As(err, &ge) || ge.Code != geo.EINVALID || ge.Field != c.field {
					t.Fatalf("parseMinVersion = %d, %v; want EINVALID on %s", got, err, c.field)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("parseMinVersion = %d, %v; want %d", got, err, c.want)
			}
		})
	}
}

// TestBoundaryReadsAtAVersion: the reads drawn from the boundaries in the
// database answer a request naming a data version (min_version or the
// header) only once the node has it. A reviewer read a grid back through a
// node on a standby that had not replayed the edit: the old grid, and the
// header asking for the new one ignored. Here the node that never follows
// is asked for the version of an edit made through another: its database
// has it, so it answers; a version no database has is a 503 it may retry.
func TestBoundaryReadsAtAVersion(t *testing.T) {
	db := demotest.Open(t)
	a := newNode(t, db, true)
	c := newNode(t, db, false)
	admin := createToken(t, db, access.RoleAdmin, "", "admin", time.Now().Add(time.Hour))
	var p orb.Point
	if err := db.Pool.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p
		FROM unit WHERE code = '120104001001001' AND valid_to IS NULL) s`).Scan(&p[0], &p[1]); err != nil {
		t.Fatal(err)
	}
	w := a.send(t, "POST", "/v1/enclaves", admin, squareEnclave("RYWREAD", p))
	if w.status != http.StatusCreated {
		t.Fatalf("create: %d %s", w.status, w.body)
	}
	v := strconv.FormatInt(versionHeader(t, w), 10)
	if c.svc.Version() >= versionHeader(t, w) {
		t.Fatalf("the node that never follows is at %d already; the test needs it behind", c.svc.Version())
	}
	reads := []string{"/v1/units", "/v1/units/120104001001001", "/v1/units/120104001001001/history", "/v1/enclaves",
		"/v1/enclaves/RYWREAD", "/v1/enclaves/RYWREAD/history", "/ogc/collections/enclaves/items",
		"/ogc/collections/enclaves/items/RYWREAD", "/v1/audit"}
	with := func(path, param string) string {
		if strings.Contains(path, "?") {
			return path + "&" + param
		}
		return path + "?" + param
	}
	for _, path := range reads {
		t.Run(path, func(t *testing.T) {
			r := c.send(t, "GET", with(path, "min_version=999999"), admin, nil)
			if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !bytes.Contains(r.body, []byte("not yet 999999")) {
				t.Errorf("a version no database has: %d %.200s, want 503 with Retry-After", r.status, r.body)
			}
			if r := c.send(t, "GET", path, admin, nil, MinVersionHeader, "999999"); r.status != http.StatusServiceUnavailable {
				t.Errorf("the same by the header: %d %.200s, want 503", r.status, r.body)
			}
			if r := c.send(t, "GET", with(path, "min_version=x"), admin, nil); r.status != http.StatusBadRequest {
				t.Errorf("min_version=x: %d, want 400", r.status)
			}
			if r := c.send(t, "GET", with(path, "frobnicate=1"), admin, nil); r.status != http.StatusBadRequest {
				t.Errorf("an unknown parameter: %d, want 400", r.status)
			}
			if r := c.send(t, "GET", with(path, "min_version="+v), admin, nil); r.status != http.StatusOK {
				t.Errorf("the edit's version %s: %d %.200s", v, r.status, r.body)
			}
		})
	}
}
