package api

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/casework/phototest"
)

// TestPhotoReuploadNamesNoStranger: uploading bytes that are stored already
// answers with the stored photo. To a token that may not read that photo
// (GET: 403, whether or not it exists), the answer must not say who
// uploaded it and when: the uploader is the reporter of a case outside the
// token's scope, a name its reports hide.
func TestPhotoReuploadNamesNoStranger(t *testing.T) {
	e := newPhotoEnv(t, casework.BackendPostgres)
	evidence := phototest.JPEG(t, 320, 240, 77)
	sum := e.upload(t, "worker", evidence, "image/jpeg").json(t)["checksum"].(string)
	id := uuid.NewString()
	body := fmt.Sprintf(`{"id":%q,"kind":"hazard","category":"E0506","severity":2,"point":[%f,%f],"attachments":[%q]}`,
		id, e2ePoint[0], e2ePoint[1], sum)
	if r := request(t, "POST", e.url+"/v1/reports", []byte(body), append(authHeader(e.tokens["worker"]), "Content-Type", "application/json")...); r.status != 201 {
		t.Fatalf("report: %d %s", r.status, r.body)
	}
	if r := e.get(t, "other", "/v1/attachments/"+sum); r.status != 403 {
		t.Fatalf("another grid's worker reads the photo: %d", r.status)
	}
	r := e.upload(t, "other", evidence, "image/jpeg")
	if r.status != 200 && r.status != 201 {
		t.Fatalf("re-upload: %d %s", r.status, r.body)
	}
	if _, when := r.json(t)["uploaded_at"]; when || strings.Contains(string(r.body), "网格员甲") {
		t.Errorf("the re-upload by a token that may not read the photo names its uploader or the time: %s", r.body)
	}
	// The uploader, and whoever may read it, still get the stored photo.
	for _, who := range []string{"worker", "admin"} {
		if r := e.upload(t, who, evidence, "image/jpeg"); r.status != 200 || r.json(t)["uploaded_by"] != "网格员甲" {
			t.Errorf("%s re-uploads: %d %s", who, r.status, r.body)
		}
	}
}
