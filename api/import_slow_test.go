package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
)

// TestSlowUploadLosesItsPlace: an upload trickling in below the minimum
// rate is cut off after the grace period and its place in the import queue
// freed, so that a few slow clients cannot hold every place.
func TestSlowUploadLosesItsPlace(t *testing.T) {
	grace := slowTransferGrace
	slowTransferGrace = 300 * time.Millisecond
	t.Cleanup(func() { slowTransferGrace = grace })
	s, _ := queueServer(t, 1, 0, nil)
	editor := createToken(t, s.db, access.RoleEditor, "", "慢速上传", time.Now().Add(time.Hour))
	body, ctype := multipartBody("网格.geojson", []byte(`{"type":"FeatureCollection","features":[]}`), map[string]string{"dry_run": "true"})

	pr, stop := trickle(body, 100*time.Millisecond)
	slow := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", s.srv.URL+"/v1/imports", pr)
		req.Header.Set("Authorization", "Bearer "+editor)
		req.Header.Set("Content-Type", ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			slow <- 0
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	select {
	case status := <-slow:
		if status != http.StatusBadRequest {
			t.Errorf("the slow upload: %d, want 400", status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the slow upload still holds its place after 5 s")
	}
	stop()
	if status, _, err := post(s.srv.URL+"/v1/imports", editor, body, ctype); err != nil || status != http.StatusAccepted {
		t.Errorf("an upload after the slow one: %d %v, want 202", status, err)
	}
}
