package api

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/casework/phototest"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestContractPhotos: the photo routes over the fakes — stored once, never
// public, readable through the reports that use them; a report or a step
// naming a photo that is not stored is 400; a store that is down is 503.
func TestContractPhotos(t *testing.T) {
	s := newFakeServer(t, nil)
	worker, other, admin := s.token(access.RoleReporter, gridA), s.token(access.RoleReporter, gridB), s.token(access.RoleAdmin, "")
	jpg := phototest.JPEG(t, 320, 240, 1)
	up := func(token string) response {
		return request(t, "POST", s.srv.URL+"/v1/attachments", jpg, append(authHeader(token), "Content-Type", "image/jpeg")...)
	}
	if r := up(worker); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	if r := up(other); r.status != 200 {
		t.Errorf("the same bytes from another worker: %d", r.status)
	}
	sum := casework.ChecksumOf(jpg)
	path := "/v1/attachments/" + sum
	read := func(token string) int { return s.req(t, "GET", path, token, nil).status }
	wantChallenge(t, s.req(t, "GET", path, "", nil), "")
	if got := []int{read(worker), read(other), read(admin)}; fmt.Sprint(got) != "[403 403 200]" {
		t.Errorf("an unused photo is read by worker, other, admin: %v; want 403 403 200", got)
	}

	r := s.req(t, "POST", "/v1/reports", worker, reportJSONBody(1, 117.11, 39.12, fmt.Sprintf(`,"attachments":[%q]`, sum)))
	if r.status != 201 {
		t.Fatalf("report with the photo: %d %s", r.status, r.body)
	}
	if got := []int{read(worker), read(other), read(admin)}; fmt.Sprint(got) != "[200 403 200]" {
		t.Errorf("a photo of a report in the worker's grid is read by worker, other, admin: %v; want 200 403 200", got)
	}
	if body := s.req(t, "GET", path, worker, nil).body; !bytes.Equal(body, jpg) {
		t.Errorf("the bytes differ from those uploaded")
	}
	missing := casework.ChecksumOf([]byte("never uploaded"))
	wantProblem(t, s.req(t, "POST", "/v1/reports", worker, reportJSONBody(2, 117.11, 39.12, fmt.Sprintf(`,"attachments":[%q]`, missing))), 400, "attachments[0]")
	wantProblem(t, s.req(t, "POST", "/v1/reports", worker, reportJSONBody(3, 117.11, 39.12, `,"attachments":[42]`)), 400, "attachments[0]")
	step := fmt.Sprintf(`{"action":"accept","attachments":[%q]}`, missing)
	wantProblem(t, s.req(t, "POST", "/v1/reports/"+testUUID(1)+"/transitions", admin, []byte(step)), 400, "attachments[0]")

	s.photos.Err = geo.Errorf(geo.EUNAVAILABLE, "", "the photo store does not answer")
	r = up(worker)
	wantProblem(t, r, 503, "")
	if r.header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	wantProblem(t, s.req(t, "POST", "/v1/reports", worker, reportJSONBody(4, 117.11, 39.12, fmt.Sprintf(`,"attachments":[%q]`, sum))), 503, "")
}
