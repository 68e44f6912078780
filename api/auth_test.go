package api

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
)

const (
	gridA   = "120104001001001" // 光明路社区第1网格, in 长虹街道 (120104001)
	gridB   = "120104002001001" // in 鼓楼街道 (120104002)
	streetA = "120104001"
)

// square is a small closed polygon feature body.
func featureBody(props string) []byte {
	return []byte(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[117.128,39.1494],[117.1296,39.1494],[117.1296,39.1508],[117.128,39.1508],[117.128,39.1494]]]},"properties":` + props + `}`)
}

// TestRoleEndpointMatrix checks every role against every kind of endpoint:
// allowed requests get past authentication and authorization (to the
// handler's own answer: 200, 409 for an existing code, 428 without
// If-Match); the others get 401 or 403.
func TestRoleEndpointMatrix(t *testing.T) {
	s := newEditServer(t, nil)
	tokens := map[string]string{"anonymous": "", "garbage": "gm_not-a-token"}
	for _, r := range access.Roles {
		tokens[string(r)] = s.token(t, r, "", "matrix-"+string(r))
	}
	unitBody := featureBody(`{"code":"` + gridA + `","name":"x"}`)
	enclaveBody := featureBody(`{"code":"` + demo.EnclaveCode + `","name":"x","managing_code":"` + demo.BaihechuntianCode + `","status":"custodial"}`)
	endpoints := []struct {
		method, path string
		body         []byte
		allowed      int // the status when authorized
		write        bool
	}{
		{"GET", "/v1/units/120104", nil, 200, false},
		{"POST", "/v1/resolve", []byte(`{"points":[[117.15,39.11]]}`), 200, false},
		{"GET", "/ogc/collections", nil, 200, false},
		{"POST", "/v1/units", unitBody, 409, true},
		{"PUT", "/v1/units/" + gridA, unitBody, 428, true},
		{"DELETE", "/v1/units/" + gridA, nil, 428, true},
		{"POST", "/v1/enclaves", enclaveBody, 409, true},
		{"PUT", "/v1/enclaves/" + demo.EnclaveCode, enclaveBody, 428, true},
		{"DELETE", "/v1/enclaves/" + demo.EnclaveCode, nil, 428, true},
	}
	want := func(who string, e int, write bool) int {
		switch {
		case who == "garbage":
			return 401 // bad credentials are refused even where none are needed
		case who == "anonymous" && write:
			return 401
		case write && (who == "reporter" || who == "viewer"):
			return 403
		}
		return e
	}
	for who, tok := range tokens {
		for _, e := range endpoints {
			t.Run(fmt.Sprintf("%s %s %s", who, e.method, e.path), func(t *testing.T) {
				r := s.req(t, e.method, e.path, tok, e.body)
				w := want(who, e.allowed, e.write)
				if r.status != w {
					t.Fatalf("status %d, want %d: %s", r.status, w, r.body)
				}
				checkAuthProblem(t, r)
			})
		}
	}
}

// checkAuthProblem checks the form of 401 and 403 answers.
func checkAuthProblem(t *testing.T, r response) {
	t.Helper()
	if r.status != 401 && r.status != 403 {
		return
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q", ct)
	}
	ch := r.header.Get("WWW-Authenticate")
	if !strings.HasPrefix(ch, `Bearer realm="gridmap"`) || (r.status == 403) != strings.Contains(ch, "insufficient_scope") {
		t.Errorf("status %d with WWW-Authenticate %q", r.status, ch)
	}
	if p := r.json(t); p["detail"] == "" || p["code"] == "" {
		t.Errorf("problem %v", p)
	}
}

func TestScopeBoundaries(t *testing.T) {
	s := newEditServer(t, nil)
	street := s.token(t, access.RoleEditor, streetA, "street-editor")
	grid := s.token(t, access.RoleEditor, gridA, "grid-editor")
	dongli := s.token(t, access.RoleEditor, demo.WanxinCode, "wanxin-editor")
	cases := []struct {
		name, token, method, path string
		body                      []byte
		status                    int
	}{
		{"street editor, grid of the street", street, "PUT", "/v1/units/" + gridA, nil, 428},
		{"street editor, the street itself", street, "PUT", "/v1/units/" + streetA, nil, 428},
		{"street editor, a grid of another street", street, "PUT", "/v1/units/" + gridB, nil, 403},
		{"street editor, the district", street, "DELETE", "/v1/units/120104", nil, 403},
		{"street editor, a street sharing a prefix of digits", street, "PUT", "/v1/units/120104002", nil, 403},
		{"grid editor, its grid", grid, "PUT", "/v1/units/" + gridA, nil, 428},
		{"grid editor, the community above", grid, "PUT", "/v1/units/120104001001", nil, 403},
		{"grid editor, creating a sibling", grid, "POST", "/v1/units", featureBody(`{"code":"120104001001099","name":"x"}`), 403},
		{"street editor, creating inside", street, "POST", "/v1/units", featureBody(`{"code":"120104001001001","name":"x"}`), 409},
		{"enclave managed outside the scope", street, "PUT", "/v1/enclaves/" + demo.EnclaveCode, nil, 403},
		{"enclave managed inside the scope", dongli, "PUT", "/v1/enclaves/" + demo.EnclaveCode, nil, 428},
		{"handing an enclave to a unit outside the scope", dongli, "POST", "/v1/enclaves",
			featureBody(`{"code":"E-new","name":"x","managing_code":"120104001001","status":"custodial"}`), 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.req(t, c.method, c.path, c.token, c.body)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			checkAuthProblem(t, r)
		})
	}
}

func TestExpiredAndRevokedTokens(t *testing.T) {
	clock := time.Now()
	cfg := DefaultAuthConfig
	cfg.Now = func() time.Time { return clock }
	s := newEditServer(t, &cfg)
	short := s.tokenUntil(t, access.RoleEditor, "", "short-lived", clock.Add(time.Hour))
	revoked := s.token(t, access.RoleEditor, "", "to-be-revoked")

	put := func(tok string) response { return s.req(t, "PUT", "/v1/units/"+gridA, tok, nil) }
	if r := put(short); r.status != 428 {
		t.Fatalf("fresh token: %d %s", r.status, r.body)
	}
	if r := put(revoked); r.status != 428 {
		t.Fatalf("token before revocation: %d %s", r.status, r.body)
	}
	revokeToken(t, s.db, revoked)
	expiry := clock.Add(time.Hour).UTC().Truncate(time.Microsecond)
	clock = clock.Add(2 * time.Hour) // past the expiry and the lookup cache
	// The problem says why in a member an app reads (token, expired_at), to
	// say it in its own language and time zone.
	for name, tok := range map[string]string{"expired": short, "revoked": revoked, "unknown": "gm_no-such-token"} {
		t.Run(name, func(t *testing.T) {
			for _, m := range []string{"PUT", "GET"} {
				r := s.req(t, m, "/v1/units/"+gridA, tok, nil)
				p := r.json(t)
				if r.status != 401 || !strings.Contains(p["detail"].(string), name) || p["token"] != name {
					t.Errorf("%s: status %d: %s", m, r.status, r.body)
				}
				at, _ := p["expired_at"].(string)
				if got, err := time.Parse(time.RFC3339Nano, at); (name == "expired") != (err == nil) || err == nil && !got.Equal(expiry) {
					t.Errorf("%s: expired_at %q, want %v for an expired token only", m, at, expiry)
				}
				checkAuthProblem(t, r)
			}
		})
	}
}

// TestProblemsAreNotHTMLEscaped: a problem's detail reads as written;
// encoding/json's HTML escapes made "Bearer <token>" "Bearer \u003ctoken\u003e".
func TestProblemsAreNotHTMLEscaped(t *testing.T) {
	s := newEditServer(t, nil)
	r := s.req(t, "PUT", "/v1/units/"+gridA, "", nil)
	if r.status != 401 || !bytes.Contains(r.body, []byte("Authorization: Bearer …")) || bytes.Contains(r.body, []byte(`\u00`)) {
		t.Errorf("%d %s", r.status, r.body)
	}
	r = s.req(t, "GET", "/v1/units", "", nil, "Authorization", "Basic abc")
	if r.status != 401 || !bytes.Contains(r.body, []byte(`Bearer <token>`)) {
		t.Errorf("%d %s", r.status, r.body)
	}
}

func TestPrivateReads(t *testing.T) {
	cfg := DefaultAuthConfig
	cfg.PublicReads = false
	s := newEditServer(t, &cfg)
	viewer := s.token(t, access.RoleViewer, "", "dashboard")
	cases := []struct {
		name, path, token string
		status            int
	}{
		{"anonymous unit", "/v1/units/120104", "", 401},
		{"anonymous resolve", "/v1/resolve?lng=117.15&lat=39.11", "", 401},
		{"anonymous ogc", "/ogc", "", 401},
		{"anonymous tiles", "/tiles/grid/12/3400/1550.mvt", "", 401},
		{"viewer unit", "/v1/units/120104", viewer, 200},
		{"viewer ogc", "/ogc/collections", viewer, 200},
		{"health stays public", "/healthz", "", 200},
		{"the API document stays public", "/openapi.json", "", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.req(t, "GET", c.path, c.token, nil)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			checkAuthProblem(t, r)
		})
	}
}

func TestWriteRateLimits(t *testing.T) {
	cfg := DefaultAuthConfig
	cfg.WritesPerSecond, cfg.WriteBurst = 0.5, 2
	cfg.AddrWritesPerSecond, cfg.AddrWriteBurst = 0.5, 5
	s := newEditServer(t, &cfg)
	a := s.token(t, access.RoleEditor, "", "fast-a")
	b := s.token(t, access.RoleEditor, "", "fast-b")
	put := func(tok string) response { return s.req(t, "PUT", "/v1/units/"+gridA, tok, nil) }
	for i, want := range []int{428, 428, 429} {
		if r := put(a); r.status != want {
			t.Fatalf("write %d of token a: status %d, want %d", i+1, r.status, want)
		} else if want == 429 {
			if ra := r.header.Get("Retry-After"); ra != "2" {
				t.Errorf("Retry-After %q, want 2 (one request per 2 s)", ra)
			}
			if r.json(t)["code"] != string(geo.ERATELIMITED) {
				t.Errorf("problem %s", r.body)
			}
		}
	}
	if r := s.req(t, "GET", "/v1/units/"+gridA, a, nil); r.status != 200 {
		t.Errorf("reads are not limited: %d", r.status)
	}
	// Token b has its own budget, but the address's (5) is nearly spent.
	for i, want := range []int{428, 428, 429} {
		if r := put(b); r.status != want {
			t.Fatalf("write %d of token b: status %d, want %d: %s", i+1, r.status, want, r.body)
		}
	}
}

// TestTokensNeverLoggedOrStored captures every log line written while
// tokens are used, refused and revoked, and reads every stored token row.
func TestTokensNeverLoggedOrStored(t *testing.T) {
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })

	cfg := DefaultAuthConfig
	cfg.CacheTTL = 0
	s := newEditServer(t, &cfg)
	secret := s.token(t, access.RoleEditor, "", "secretive")
	viewer := s.token(t, access.RoleViewer, "", "viewer")
	r := s.req(t, "GET", "/v1/units/"+gridA, secret, nil)
	s.req(t, "PUT", "/v1/units/"+gridA, secret, featureBody(`{"name":"x"}`), "If-Match", r.header.Get("ETag"))
	s.req(t, "PUT", "/v1/units/"+gridA, secret, featureBody(`{"name":"y"}`), "If-Match", `"v1"`)
	s.req(t, "PUT", "/v1/units/"+gridA, viewer, nil)
	s.req(t, "PUT", "/v1/units/"+gridA, secret+"x", nil)
	s.req(t, "GET", "/v1/units/999999", secret, nil)

	rows, err := s.db.Pool.Query(context.Background(), `SELECT row_to_json(t)::text FROM api_token t`)
	if err != nil {
		t.Fatal(err)
	}
	var stored strings.Builder
	for rows.Next() {
		var row string
		if err := rows.Scan(&row); err != nil {
			t.Fatal(err)
		}
		stored.WriteString(row)
	}
	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the capture does not work")
	}
	body := strings.TrimPrefix(secret, access.TokenPrefix)
	for where, text := range map[string]string{"logs": logs.String(), "api_token": stored.String()} {
		if strings.Contains(text, body) || strings.Contains(text, viewer[len(access.TokenPrefix):]) {
			t.Errorf("a token appears in the %s", where)
		}
	}
	var actor string
	if err := s.db.Pool.QueryRow(context.Background(),
		`SELECT actor FROM change_log WHERE code = $1 ORDER BY id DESC LIMIT 1`, gridA).Scan(&actor); err != nil || actor != "secretive" {
		t.Errorf("change log actor %q (%v), want the token's name", actor, err)
	}
}

func TestBearerHeader(t *testing.T) {
	cases := []struct {
		header, secret  string
		present, failed bool
	}{
		{"", "", false, false},
		{"Bearer gm_abc", "gm_abc", true, false},
		{"bearer   gm_abc ", "gm_abc", true, false},
		{"Basic dXNlcjpwYXNz", "", true, true},
		{"Bearer", "", true, true},
		{"Bearer ", "", true, true},
	}
	for _, c := range cases {
		t.Run(c.header, func(t *testing.T) {
			s, present, err := bearer(c.header)
			if s != c.secret || present != c.present || (err != nil) != c.failed {
				t.Errorf("got %q %v %v", s, present, err)
			}
			if err != nil && strings.Contains(err.Error(), "dXNl") {
				t.Error("the error repeats the credentials")
			}
		})
	}
}

func TestLimiters(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	cases := []struct {
		name      string
		rate      float64
		burst     int
		steps     []time.Duration // time since start of each request
		wantAllow []bool
	}{
		{"burst then refused", 1, 2, []time.Duration{0, 0, 0}, []bool{true, true, false}},
		{"refills with time", 1, 1, []time.Duration{0, 0, time.Second}, []bool{true, false, true}},
		{"a refusal spends nothing", 1, 1, []time.Duration{0, 500 * time.Millisecond, time.Second}, []bool{true, false, true}},
		{"disabled", 0, 0, []time.Duration{0, 0, 0, 0}, []bool{true, true, true, true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newLimiters(c.rate, c.burst, 10)
			for i, d := range c.steps {
				ok, wait := l.allow("k", now.Add(d))
				if ok != c.wantAllow[i] || (!ok && wait <= 0) {
					t.Errorf("request %d: allowed %v wait %v", i, ok, wait)
				}
			}
		})
	}
	t.Run("bounded", func(t *testing.T) {
		l := newLimiters(1, 1, 10)
		for i := range 100 {
			l.allow(fmt.Sprint(i), now)
		}
		if len(l.m) > 10 {
			t.Errorf("%d buckets kept, bound 10", len(l.m))
		}
	})
}
