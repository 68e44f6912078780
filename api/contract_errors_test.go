package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/geo"
)

// TestContractStatusOfEveryErrorCode: a store's error code alone decides
// the status, the problem carries the code and the client-safe message,
// and the cause stays in the log.
func TestContractStatusOfEveryErrorCode(t *testing.T) {
	cases := []struct {
		code   geo.ErrorCode
		status int
	}{
		{geo.EINVALID, 400},
		{geo.EUNAUTHORIZED, 401},
		{geo.EFORBIDDEN, 403},
		{geo.ENOTFOUND, 404},
		{geo.ECONFLICT, 409},
		{geo.EPRECONDITION, 412},
		{geo.ETOOLARGE, 413},
		{geo.EUNSUPPORTED, 415},
		{geo.EPRECONDITIONREQUIRED, 428},
		{geo.ERATELIMITED, 429},
		{geo.EINTERNAL, 500},
		{geo.EUNAVAILABLE, 503},
	}
	if len(cases) != len(statusOf) {
		t.Fatalf("%d codes tested, %d in the status table", len(cases), len(statusOf))
	}
	for _, c := range cases {
		t.Run(string(c.code), func(t *testing.T) {
			s := newFakeServer(t, nil)
			s.units.Err = &geo.Error{Code: c.code, Field: "code", Message: "what the client may read", Err: errors.New("secret cause")}
			r := s.req(t, "GET", "/v1/units/"+gridA, "", nil)
			field := "code"
			if c.code == geo.EINTERNAL {
				field = "" // an internal error names nothing
			}
			p := wantProblem(t, r, c.status, field)
			if p["code"] != string(c.code) || strings.Contains(string(r.body), "secret") {
				t.Errorf("problem %s", r.body)
			}
			if c.code != geo.EINTERNAL && p["detail"] != "what the client may read" {
				t.Errorf("detail %v", p["detail"])
			}
			if retry := r.header.Get("Retry-After"); (c.status == 503) != (retry != "") {
				t.Errorf("status %d with Retry-After %q", c.status, retry)
			}
		})
	}
}

// TestContractUnclassifiedErrorsAreInternal: an error no store classified is
// a bug: 500, and nothing of it reaches the client.
func TestContractUnclassifiedErrorsAreInternal(t *testing.T) {
	s := newFakeServer(t, nil)
	s.units.Err = fmt.Errorf("list units: %w", errors.New(`relation "unit" does not exist`))
	r := s.req(t, "GET", "/v1/units", "", nil)
	p := wantProblem(t, r, 500, "")
	if p["detail"] != "internal error; it has been logged" || strings.Contains(string(r.body), "relation") {
		t.Errorf("an internal error leaked: %s", r.body)
	}
}

// TestContractOutagesAre503Everywhere: a store that is down is 503 with
// Retry-After, whichever resource met it.
func TestContractOutagesAre503Everywhere(t *testing.T) {
	down := geo.Errorf(geo.EUNAVAILABLE, "", "the database is unavailable; retry")
	s := newFakeServer(t, nil)
	ed, rep := s.token("editor", ""), s.token("reporter", "")
	s.units.Err, s.reports.Err, s.patrols.Err, s.audit.Err, s.imports.Err = down, down, down, down, down
	cases := []struct{ method, path, token, body string }{
		{"GET", "/v1/units", "", ""},
		{"GET", "/v1/enclaves/" + fakeEnclave, "", ""},
		{"PUT", "/v1/units/" + gridA, ed, string(featureBody(`{"name":"x"}`))},
		{"POST", "/v1/reports", rep, fmt.Sprintf(`{"id":%q,"kind":"hazard","category":"E0506","severity":2,"point":[117.11,39.12]}`, testUUID(1))},
		{"GET", "/v1/reports", "", ""},
		{"GET", "/v1/stats", "", ""},
		{"GET", "/v1/patrols/coverage?unit=" + fakeCommunity, "", ""},
		{"GET", "/v1/audit", "", ""},
		{"GET", "/v1/imports/1", ed, ""},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			var body []byte
			if c.body != "" {
				body = []byte(c.body)
			}
			r := s.req(t, c.method, c.path, c.token, body, "If-Match", `"v1"`)
			wantProblem(t, r, 503, "")
			if r.header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
		})
	}
}

func TestContractUnknownRoutesAndMethods(t *testing.T) {
	s := newFakeServer(t, nil)
	wantProblem(t, s.req(t, "GET", "/v2/units", "", nil), 404, "path")
	r := s.req(t, "PATCH", "/v1/units/"+gridA, s.token("admin", ""), nil)
	if r.status != 405 || r.header.Get("Content-Type") != "application/problem+json" || r.json(t)["code"] != "method" {
		t.Errorf("PATCH: %d %s", r.status, r.body)
	}
	rep := s.token("reporter", "")
	wantProblem(t, s.req(t, "POST", "/v1/reports/"+testUUID(1)+":frobnicate", rep, []byte(`{}`)), 404, "path")
	// Without a token too: a method or path no route has is told as such, not
	// as a missing token (an attacker's review: FOO /v1/units was a 401).
	for _, c := range []struct {
		method, path string
		status       int
		field        string
	}{
		{"FOO", "/v1/units", 405, ""},
		{"DELETE", "/v1/units", 405, ""},
		{"POST", "/v1/nowhere", 404, "path"},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			r := s.req(t, c.method, c.path, "", []byte(`{}`))
			p := wantProblem(t, r, c.status, c.field)
			if c.status == 405 && (p["code"] != "method" || r.header.Get("Allow") == "") {
				t.Errorf("a 405 with code %v, Allow %q", p["code"], r.header.Get("Allow"))
			}
		})
	}
}

func TestContractOversizedBodiesAre413(t *testing.T) {
	s := newFakeServer(t, nil)
	// A body declared too big is refused before a byte of it is read.
	req := httptest.NewRequest("POST", "/v1/resolve", strings.NewReader(`{"points":[]}`))
	req.ContentLength = MaxBodyBytes + 1
	w := httptest.NewRecorder()
	New(Deps{Resolver: s.resolver}).ServeHTTP(w, req)
	wantProblem(t, response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}, 413, "body")
	rep := s.token("reporter", "")
	huge := `{"id":"` + testUUID(2) + `","description":"` + strings.Repeat("x", maxReportBody) + `"}`
	wantProblem(t, s.req(t, "POST", "/v1/reports", rep, []byte(huge)), 413, "body")
}

// TestContractClientHangUpIsNotAnError: a request whose client went away is
// neither answered nor logged as a failure.
func TestContractClientHangUpIsNotAnError(t *testing.T) {
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c.Request = httptest.NewRequest(http.MethodGet, "/v1/units", nil).WithContext(ctx)
	fail(c, fmt.Errorf("list units: %w", context.Canceled))
	if !c.IsAborted() || w.Body.Len() != 0 || w.Header().Get("Content-Type") != "" {
		t.Errorf("answered a client that left: %d %q", w.Code, w.Body.String())
	}
	// The same error while the client is still there is a failure to report.
	w = httptest.NewRecorder()
	c, _ = gin.CreateTestContext(w)
	c.Request = httptest.NewRequest(http.MethodGet, "/v1/units", nil)
	fail(c, context.Canceled)
	if w.Code != 500 || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("a cancellation not caused by the client: %d", w.Code)
	}
}

// testUUID is a fixed, valid UUID numbered n.
func testUUID(n int) string { return fmt.Sprintf("0b7c6a3e-5f1d-4a51-9b7e-%012d", n) }
