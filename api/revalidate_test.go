package api

import (
	"testing"

	"github.com/google/uuid"
)

// TestPolledAnswersRevalidate: what the dashboard, the wall screen and the
// phone poll carries an ETag of its bytes; asking again with it gets 304
// and no body until the data changes, and a shared cache may not keep an
// answer that depends on the caller.
func TestPolledAnswersRevalidate(t *testing.T) {
	s := newReportServer(t)
	id := uuid.NewString()
	if r := s.send(t, "POST", "/v1/reports", s.reporter, body(t, id, s.point(t, "unit"), nil)); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	cases := []struct {
		path, cacheControl string
		changes            bool // by the report the test adds next
	}{
		{"/v1/reports", "private, no-cache", true},
		{"/v1/reports?format=geojson", "private, no-cache", true},
		{"/v1/reports/" + id, "private, no-cache", false},
		{"/v1/stats", "private, no-cache", true},
		{"/v1/stats/overview", "private, no-cache", true},
		{"/v1/patrols/coverage?unit=120104001", "private, no-cache", false},
		{"/v1/me", "private, no-cache", false},
		{"/v1/categories", "no-cache", false},
	}
	etags := make([]string, len(cases))
	for i, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			first := s.send(t, "GET", c.path, s.viewer, nil)
			etags[i] = first.header.Get("ETag")
			if first.status != 200 || etags[i] == "" || first.header.Get("Cache-Control") != c.cacheControl {
				t.Fatalf("%d, ETag %q, Cache-Control %q; want 200 with an ETag and %q",
					first.status, etags[i], first.header.Get("Cache-Control"), c.cacheControl)
			}
			again := request(t, "GET", s.srv.URL+c.path, nil, append(authHeader(s.viewer), "If-None-Match", etags[i])...)
			if again.status != 304 || len(again.body) != 0 || again.header.Get("ETag") != etags[i] {
				t.Errorf("revalidated: %d, %d bytes, ETag %q; want 304, none, %q", again.status, len(again.body),
					again.header.Get("ETag"), etags[i])
			}
		})
	}
	if r := s.send(t, "POST", "/v1/reports", s.reporter, body(t, uuid.NewString(), s.point(t, "unit"), nil)); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	for i, c := range cases {
		t.Run(c.path+" after a report", func(t *testing.T) {
			r := request(t, "GET", s.srv.URL+c.path, nil, append(authHeader(s.viewer), "If-None-Match", etags[i])...)
			want := map[bool]int{true: 200, false: 304}[c.changes]
			if r.status != want {
				t.Errorf("%d; want %d", r.status, want)
			}
			if c.changes && r.header.Get("ETag") == etags[i] {
				t.Errorf("the ETag %s did not change with the data", etags[i])
			}
		})
	}
}
