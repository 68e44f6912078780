package api

import (
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/casework/phototest"
)

// TestPhotoOnFileIsNotTold: whoever holds a picture must not learn from
// the API whether it is on file as evidence. The reporter (网格员甲) files a
// photo with a case outside the other worker's (网格员乙) scope; the other
// worker, holding the same bytes, is answered as if they were new to the
// store (201, Location, their own name and time), may attach their upload,
// and is refused attaching a checksum they never uploaded in the same
// words as one nobody stored. Retries by either stay 200 and name the
// one retrying.
func TestPhotoOnFileIsNotTold(t *testing.T) {
	e := newPhotoEnv(t, casework.BackendPostgres)
	evidence := phototest.JPEG(t, 320, 240, 77)
	first := e.upload(t, "worker", evidence, "image/jpeg")
	sum := first.json(t)["checksum"].(string)
	if r := e.report(t, "worker", sum); r.status != 201 {
		t.Fatalf("report: %d %s", r.status, r.body)
	}
	if r := e.get(t, "other", "/v1/attachments/"+sum); r.status != 403 {
		t.Fatalf("another grid's worker reads the photo: %d", r.status)
	}
	fresh := e.upload(t, "other", phototest.JPEG(t, 320, 240, 78), "image/jpeg")

	t.Run("attaching a checksum one never uploaded", func(t *testing.T) {
		never := "sha256:" + strings.Repeat("ab", 32)
		stored, missing := e.report(t, "other", sum), e.report(t, "other", never)
		wantProblem(t, stored, 400, "attachments[0]")
		wantProblem(t, missing, 400, "attachments[0]")
		if a, b := strings.ReplaceAll(problemText(stored.body), sum, never), problemText(missing.body); a != b {
			t.Errorf("a stored photo one may not attach is refused as\n  %s\nbut one nobody stored as\n  %s", a, b)
		}
	})
	t.Run("uploading bytes on file", func(t *testing.T) {
		r := e.upload(t, "other", evidence, "image/jpeg")
		got := r.json(t)
		if r.status != fresh.status || r.header.Get("Location") != "/v1/attachments/"+sum || got["uploaded_by"] != "网格员乙" ||
			got["uploaded_at"] == first.json(t)["uploaded_at"] || !sameKeys(got, fresh.json(t)) {
			t.Errorf("re-upload by another worker: %d %s; a fresh upload: %d %s", r.status, r.body, fresh.status, fresh.body)
		}
		again := e.upload(t, "other", evidence, "image/jpeg")
		if again.status != 200 || again.json(t)["uploaded_at"] != got["uploaded_at"] || again.json(t)["uploaded_by"] != "网格员乙" {
			t.Errorf("the other worker's retry: %d %s", again.status, again.body)
		}
		if r := e.report(t, "other", sum); r.status != 201 {
			t.Errorf("the other worker attaches its own upload: %d %s", r.status, r.body)
		}
	})
	t.Run("the first uploader and an admin", func(t *testing.T) {
		for _, who := range []string{"worker", "admin"} {
			r := e.upload(t, who, evidence, "image/jpeg")
			want := map[string]string{"worker": "网格员甲", "admin": "管理员"}[who]
			if r.json(t)["uploaded_by"] != want {
				t.Errorf("%s re-uploads: %d %s", who, r.status, r.body)
			}
		}
	})
}

// sameKeys reports whether two JSON objects have the same members.
func sameKeys(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}
