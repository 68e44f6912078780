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

// TestContractPhotos: the photo routes over the fakes — stored once (and
// each uploader's upload), never
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
	for i, want := range []int{201, 200} { // their upload, then its retry
		if r := up(other); r.status != want {
			t.Errorf("the same bytes from another worker, #%d: %d, want %d", i+1, r.status, want)
		}
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

// TestContractPhotoChecksumsStayPrivate: a photo's checksum is what reads
// it, so it is shown only to callers who may read the photo, and a photo
// is attached only by whoever uploaded it or may already read it — else a
// checksum off a public listing, attached to a report of one's own, would
// open the photo to anyone.
func TestContractPhotoChecksumsStayPrivate(t *testing.T) {
	s := newFakeServer(t, nil)
	worker, other, admin := s.token(access.RoleReporter, gridA), s.token(access.RoleReporter, gridB), s.token(access.RoleAdmin, "")
	jpg := phototest.JPEG(t, 320, 240, 2)
	if r := request(t, "POST", s.srv.URL+"/v1/attachments", jpg, append(authHeader(worker), "Content-Type", "image/jpeg")...); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	sum := casework.ChecksumOf(jpg)
	withPhoto := fmt.Sprintf(`,"attachments":[%q]`, sum)
	if r := s.req(t, "POST", "/v1/reports", worker, reportJSONBody(1, 117.11, 39.12, withPhoto)); r.status != 201 {
		t.Fatalf("report with the photo: %d %s", r.status, r.body)
	}
	for _, c := range []struct {
		name, token string
		shown       bool
	}{{"anonymous", "", false}, {"a token of another grid", other, false}, {"the reporter", worker, true}, {"an admin", admin, true}} {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"/v1/reports/" + testUUID(1), "/v1/reports", "/v1/reports?format=geojson"} {
				r := s.req(t, "GET", path, c.token, nil)
				if c.token != other && (r.status != 200 || !bytes.Contains(r.body, []byte(`"attachments":[{`))) {
					t.Fatalf("GET %s: %d %s; want the report with its photo", path, r.status, r.body)
				}
				if shown := bytes.Contains(r.body, []byte(sum)); shown != c.shown {
					t.Errorf("GET %s shows the checksum: %v, want %v", path, shown, c.shown)
				}
				// Its byte size too would tell whoever holds the picture that it is on file.
				if sized := bytes.Contains(r.body, []byte(`"size"`)); c.token != other && sized != c.shown {
					t.Errorf("GET %s shows the photo's size: %v, want %v", path, sized, c.shown)
				}
			}
		})
	}
	t.Run("attached by a token that may not read it", func(t *testing.T) {
		wantProblem(t, s.req(t, "POST", "/v1/reports", other, reportJSONBody(2, 117.11, 39.12, withPhoto)), 400, "attachments[0]")
		if r := s.req(t, "GET", "/v1/attachments/"+sum, other, nil); r.status != 403 {
			t.Errorf("the photo is read by the other grid's token: %d", r.status)
		}
	})
	t.Run("attached by an admin", func(t *testing.T) {
		if r := s.req(t, "POST", "/v1/reports", admin, reportJSONBody(3, 117.11, 39.12, withPhoto)); r.status != 201 {
			t.Errorf("an admin attaching a stored photo: %d %s", r.status, r.body)
		}
	})
}
