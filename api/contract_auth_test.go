package api

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
)

// wantChallenge checks a 401's or 403's WWW-Authenticate: the realm, and
// the RFC 6750 error when there is one.
func wantChallenge(t *testing.T, r response, errCode string) {
	t.Helper()
	ch := r.header.Get("WWW-Authenticate")
	if !strings.HasPrefix(ch, `Bearer realm="gridmap"`) || (errCode != "") != strings.Contains(ch, `error="`+errCode+`"`) {
		t.Errorf("status %d with WWW-Authenticate %q, want error %q", r.status, ch, errCode)
	}
}

func TestContractWritesNeedAToken(t *testing.T) {
	s := newFakeServer(t, nil)
	for _, c := range []struct{ method, path string }{
		{"POST", "/v1/units"}, {"PUT", "/v1/units/" + gridA}, {"DELETE", "/v1/units/" + gridA},
		{"POST", "/v1/enclaves"}, {"PUT", "/v1/enclaves/" + fakeEnclave}, {"DELETE", "/v1/enclaves/" + fakeEnclave},
		{"POST", "/v1/reports"}, {"POST", "/v1/reports:batch"}, {"POST", "/v1/patrols"}, {"POST", "/v1/imports"},
		{"POST", "/v1/reports/" + testUUID(1) + "/transitions"},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			r := s.req(t, c.method, c.path, "", []byte(`{}`))
			wantProblem(t, r, 401, "Authorization")
			wantChallenge(t, r, "")
		})
	}
	if r := s.req(t, "POST", "/v1/resolve", "", []byte(`{"points":[[117.11,39.12]]}`)); r.status != 200 {
		t.Errorf("a POST that only reads needs no token: %d", r.status)
	}
}

func TestContractBadCredentialsAre401(t *testing.T) {
	s := newFakeServer(t, nil)
	cases := []struct{ name, header, errCode string }{
		{"not bearer", "Basic dXNlcjpwYXNz", "invalid_request"},
		{"bearer without a token", "Bearer ", "invalid_request"},
		{"unknown token", "Bearer gm_not-a-token", "invalid_token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Bad credentials are refused even on a read that needs none.
			r := request(t, "GET", s.srv.URL+"/v1/units/"+gridA, nil, "Authorization", c.header)
			wantProblem(t, r, 401, "Authorization")
			wantChallenge(t, r, c.errCode)
			if strings.Contains(string(r.body), "not-a-token") {
				t.Error("the secret is echoed")
			}
		})
	}
}

func TestContractExpiredAndRevokedTokens(t *testing.T) {
	clock := time.Now()
	cfg := DefaultAuthConfig
	cfg.WritesPerSecond, cfg.AddrWritesPerSecond = 0, 0
	cfg.Now = func() time.Time { return clock }
	s := newFakeServer(t, &cfg)
	short := s.tokens.Issue(access.RoleEditor, "", "short-lived", clock.Add(time.Hour))
	revoked := s.token(access.RoleEditor, "")
	for _, tok := range []string{short, revoked} {
		if r := s.req(t, "GET", "/v1/units/"+gridA, tok, nil); r.status != 200 {
			t.Fatalf("a valid token: %d %s", r.status, r.body)
		}
	}
	tokens, _ := s.tokens.ListTokens(context.Background())
	for _, tok := range tokens {
		if tok.Name == "editor@" {
			if _, err := s.tokens.RevokeToken(context.Background(), tok.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	clock = clock.Add(time.Hour + cfg.CacheTTL) // past the expiry and the cache
	for name, tok := range map[string]string{"expired": short, "revoked": revoked} {
		t.Run(name, func(t *testing.T) {
			r := s.req(t, "GET", "/v1/units/"+gridA, tok, nil)
			p := wantProblem(t, r, 401, "Authorization")
			wantChallenge(t, r, "invalid_token")
			if !strings.Contains(p["detail"].(string), name) {
				t.Errorf("detail %v does not say %s", p["detail"], name)
			}
		})
	}
}

// TestContractRoleMatrix: what each role may do, before any input is read.
func TestContractRoleMatrix(t *testing.T) {
	s := newFakeServer(t, nil)
	report := fmt.Sprintf(`{"id":%q,"kind":"hazard","category":"E0506","severity":2,"point":[117.11,39.12]}`, testUUID(7))
	endpoints := []struct {
		method, path, body string
		perm               access.Permission
		allowed            int // the status once past authorization; 0: any but 401 and 403
	}{
		{"GET", "/v1/units/" + gridA, "", access.PermRead, 200},
		{"POST", "/v1/units", string(featureBody(`{"code":"` + gridA + `","name":"x"}`)), access.PermEditBoundaries, 409},
		{"PUT", "/v1/units/" + gridA, string(featureBody(`{"name":"x"}`)), access.PermEditBoundaries, 428},
		{"DELETE", "/v1/enclaves/" + fakeEnclave, "", access.PermEditBoundaries, 428},
		{"POST", "/v1/reports", report, access.PermReport, 0}, // 201, 200 for a retry; an admin must name the reporter
	}
	for _, role := range access.Roles {
		tok := s.token(role, "")
		for _, e := range endpoints {
			t.Run(fmt.Sprintf("%s %s %s", role, e.method, e.path), func(t *testing.T) {
				var body []byte
				if e.body != "" {
					body = []byte(e.body)
				}
				r := s.req(t, e.method, e.path, tok, body)
				if !role.Can(e.perm) {
					wantProblem(t, r, 403, "")
					wantChallenge(t, r, "insufficient_scope")
					return
				}
				if e.allowed != 0 && r.status != e.allowed || e.allowed == 0 && (r.status == 401 || r.status == 403) {
					t.Errorf("status %d, want %d: %s", r.status, e.allowed, r.body)
				}
			})
		}
	}
}

func TestContractScopes(t *testing.T) {
	s := newFakeServer(t, nil)
	street := s.token(access.RoleEditor, streetA)
	other := s.token(access.RoleEditor, "120104002")
	viewer := s.token(access.RoleViewer, "120104002")
	cases := []struct {
		name, token, method, path, body string
		status                          int
		field                           string
	}{
		{"a grid of the street", street, "PUT", "/v1/units/" + gridA, "", 428, "If-Match"},
		{"a grid of another street", street, "PUT", "/v1/units/" + gridB, "", 403, "code"},
		{"the district above", street, "DELETE", "/v1/units/120104", "", 403, "code"},
		{"creating outside", street, "POST", "/v1/units", `{"code":"120104002001002","name":"x"}`, 403, "code"},
		{"an enclave managed inside", street, "PUT", "/v1/enclaves/" + fakeEnclave, "", 428, "If-Match"},
		{"an enclave managed outside", other, "PUT", "/v1/enclaves/" + fakeEnclave, "", 403, "code"},
		{"handing an enclave out of scope", street, "POST", "/v1/enclaves",
			`{"code":"E-new","name":"x","managing_code":"120104002001","status":"custodial"}`, 403, "code"},
		{"reports of another unit", viewer, "GET", "/v1/reports?unit=" + fakeCommunity, "", 403, "unit"},
		{"statistics of another unit", viewer, "GET", "/v1/stats?unit=" + fakeCommunity, "", 403, "unit"},
		{"the audit of another unit", viewer, "GET", "/v1/audit?unit=" + fakeCommunity, "", 403, "code"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body []byte
			if c.body != "" {
				body = featureBody(c.body)
			}
			r := s.req(t, c.method, c.path, c.token, body)
			wantProblem(t, r, c.status, c.field)
			if c.status == 403 && c.method != "GET" { // a write refused by authorize carries the challenge
				wantChallenge(t, r, "insufficient_scope")
			}
		})
	}
}

func TestContractWriteRateLimit(t *testing.T) {
	cfg := DefaultAuthConfig
	cfg.WritesPerSecond, cfg.WriteBurst = 0.01, 2
	s := newFakeServer(t, &cfg)
	ed := s.token(access.RoleEditor, "")
	for i := 0; i < 2; i++ {
		if r := s.req(t, "PUT", "/v1/units/"+gridA, ed, featureBody(`{"name":"x"}`)); r.status != 428 {
			t.Fatalf("write %d within the burst: %d", i+1, r.status)
		}
	}
	r := s.req(t, "PUT", "/v1/units/"+gridA, ed, featureBody(`{"name":"x"}`))
	p := wantProblem(t, r, 429, "")
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 || p["code"] != string(geo.ERATELIMITED) {
		t.Errorf("Retry-After %q, problem %v", r.header.Get("Retry-After"), p)
	}
	if r := s.req(t, "GET", "/v1/units/"+gridA, ed, nil); r.status != 200 {
		t.Errorf("reads are not rate limited: %d", r.status)
	}
}

func TestContractPrivateReads(t *testing.T) {
	cfg := DefaultAuthConfig
	cfg.PublicReads = false
	s := newFakeServer(t, &cfg)
	for _, path := range []string{"/v1/units", "/v1/resolve?lng=117.11&lat=39.12", "/ogc/collections", "/tiles/catalog"} {
		wantProblem(t, s.req(t, "GET", path, "", nil), 401, "Authorization")
	}
	viewer := s.token(access.RoleViewer, "")
	if r := s.req(t, "GET", "/v1/units", viewer, nil); r.status != 200 {
		t.Errorf("a viewer reads: %d", r.status)
	}
	for _, path := range []string{"/healthz", "/openapi.json"} {
		if r := s.req(t, "GET", path, "", nil); r.status != 200 {
			t.Errorf("%s must stay public: %d", path, r.status)
		}
	}
}

// TestContractTokenStoreDown: when tokens cannot be looked up the answer is
// 503, not 401: the caller's token is not at fault.
func TestContractTokenStoreDown(t *testing.T) {
	s := newFakeServer(t, nil)
	ed := s.token(access.RoleEditor, "")
	s.tokens.Err = geo.Errorf(geo.EUNAVAILABLE, "", "the database is unavailable; retry")
	r := s.req(t, "PUT", "/v1/units/"+gridA, ed, featureBody(`{"name":"x"}`), "If-Match", `"v1"`)
	wantProblem(t, r, 503, "")
	if r.header.Get("Retry-After") == "" || r.header.Get("WWW-Authenticate") != "" {
		t.Errorf("headers %v", r.header)
	}
}
