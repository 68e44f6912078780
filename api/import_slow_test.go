package api

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/importer"
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

// TestOneCallerCannotHoldTheQueue: uploads trickling in just above the
// rate floor hold their places for hours, so one caller may hold only
// importer.DefaultPerOwner of them (an attacker's review: five such uploads
// from one token held every place): a third is a 429 with Retry-After.
// Another caller still gets a place. (Places held by queued jobs:
// importer's TestOneOwnerHoldsFewPlaces.)
func TestOneCallerCannotHoldTheQueue(t *testing.T) {
	s, jobs := queueServer(t, 1, 4, nil)
	editor := createToken(t, s.db, access.RoleEditor, "", "慢速上传者", time.Now().Add(time.Hour))
	other := createToken(t, s.db, access.RoleEditor, "", "另一位编辑", time.Now().Add(time.Hour))
	body, ctype := multipartBody("网格.geojson", []byte(`{"type":"FeatureCollection","features":[]}`), map[string]string{"dry_run": "true"})
	done := make(chan int, importer.DefaultPerOwner)
	var stops []func()
	for range importer.DefaultPerOwner {
		pr, pw := io.Pipe()
		stops = append(stops, func() { pw.CloseWithError(io.ErrClosedPipe) })
		go func() {
			req, _ := http.NewRequest("POST", s.srv.URL+"/v1/imports", pr)
			req.Header.Set("Authorization", "Bearer "+editor)
			req.Header.Set("Content-Type", ctype)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
			done <- 0
		}()
		if _, err := pw.Write(body[:64]); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if held, _ := jobs.Places(); held == importer.DefaultPerOwner {
			break // both are being received
		}
		if time.Now().After(deadline) {
			t.Fatal("the trickling uploads hold no places")
		}
	}
	status, h, err := post(s.srv.URL+"/v1/imports", editor, body, ctype)
	if err != nil || status != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Errorf("a third upload from the same caller: %d (Retry-After %q) %v, want 429", status, h.Get("Retry-After"), err)
	}
	if status, _, err := post(s.srv.URL+"/v1/imports", other, body, ctype); err != nil || status != http.StatusAccepted {
		t.Errorf("another caller's upload: %d %v, want 202", status, err)
	}
	for _, stop := range stops {
		stop()
	}
	for range importer.DefaultPerOwner {
		<-done
	}
	// The client's request ends with its pipe; the handlers' soon after.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		status, _, err := post(s.srv.URL+"/v1/imports", editor, body, ctype)
		if err == nil && status == http.StatusAccepted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the caller's upload once the others ended: %d %v, want 202", status, err)
		}
	}
}
