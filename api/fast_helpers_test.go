package api

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fastCase is one request the fast path is held to the router with.
type fastCase struct {
	name    string
	method  string
	target  string
	headers []string // name, value, …
	body    string   // "" for none
	fast    bool     // the fast path answers it (else it declines, writing nothing)
}

// request makes the case's request (a new one each time: a body reads once).
func (tc fastCase) request() *http.Request {
	var body io.Reader
	if tc.body != "" {
		body = strings.NewReader(tc.body)
	}
	r := httptest.NewRequest(tc.method, tc.target, body)
	for i := 0; i+1 < len(tc.headers); i += 2 {
		r.Header.Add(tc.headers[i], tc.headers[i+1])
	}
	return r
}

// checkFastCase: the fast path answers the case, or declines having written
// nothing, as tc says; and what the whole handler (fast path, then router)
// answers is the router's alone: status, headers but Date, body.
func checkFastCase(t *testing.T, tc fastCase, fast *fastPath, whole, router http.Handler) {
	t.Helper()
	req := tc.request
	fastRec := httptest.NewRecorder()
	served := fast.plain(req()) && fast.serve(fastRec, req())
	if served != tc.fast {
		t.Fatalf("fast path served %v, want %v (%d %s)", served, tc.fast, fastRec.Code, fastRec.Body)
	}
	if !served {
		if fastRec.Code != 200 || len(fastRec.Header()) != 0 || fastRec.Body.Len() != 0 {
			t.Fatalf("declined but wrote: %d %v %q", fastRec.Code, fastRec.Header(), fastRec.Body)
		}
		fastRec = httptest.NewRecorder()
		whole.ServeHTTP(fastRec, req())
	}
	routerRec := httptest.NewRecorder()
	router.ServeHTTP(routerRec, req())
	if fastRec.Code != routerRec.Code || fastRec.Body.String() != routerRec.Body.String() {
		t.Fatalf("fast %d %q\nrouter %d %q", fastRec.Code, fastRec.Body, routerRec.Code, routerRec.Body)
	}
	fh, rh := fastRec.Header().Clone(), routerRec.Header().Clone()
	fh.Del("Date")
	rh.Del("Date")
	if fmt.Sprint(fh) != fmt.Sprint(rh) {
		t.Fatalf("headers: fast %v\nrouter %v", fh, rh)
	}
}
