package api

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/casework/phototest"
)

// TestPhotoUploadsPerToken: a token has at most photoTurnsPerToken uploads
// under way; its next is a 429 at once, while another token's upload goes
// through. An attacker's one token held every other worker's upload for
// 26 s with a burst of large PNGs. The two held here trickle their bodies:
// a turn is taken before the body is read, which is memory too.
func TestPhotoUploadsPerToken(t *testing.T) {
	e := newPhotoEnv(t, casework.BackendPostgres)
	jpg := phototest.JPEG(t, 64, 48, 7)
	var writers []*io.PipeWriter
	answered := make(chan int, photoTurnsPerToken)
	for range photoTurnsPerToken {
		r, w := io.Pipe()
		writers = append(writers, w)
		req, err := http.NewRequest("POST", e.url+"/v1/attachments", r)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+e.tokens["worker"])
		req.Header.Set("Content-Type", "image/jpeg")
		go func() {
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				answered <- 0
				return
			}
			res.Body.Close()
			answered <- res.StatusCode
		}()
		if _, err := w.Write(jpg[:10]); err != nil {
			t.Fatal(err)
		}
	}
	// Both are under way (past authentication, reading their bodies)
	// before the third is sent.
	waitUntil(t, "the two held uploads are under way", func() bool {
		m := request(t, "GET", e.url+"/metrics", nil)
		return strings.Contains(string(m.body), fmt.Sprintf("\ngridmap_photo_uploads_under_way %d\n", photoTurnsPerToken))
	})
	t.Run("the token's next upload", func(t *testing.T) {
		r := e.upload(t, "worker", phototest.JPEG(t, 64, 48, 8), "image/jpeg")
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" ||
			r.header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%d %s (Retry-After %q), want a 429 problem with Retry-After", r.status, r.body, r.header.Get("Retry-After"))
		}
	})
	t.Run("another token's upload", func(t *testing.T) {
		if r := e.upload(t, "other", phototest.JPEG(t, 64, 48, 9), "image/jpeg"); r.status != http.StatusCreated {
			t.Fatalf("%d %s, want 201", r.status, r.body)
		}
	})
	for _, w := range writers {
		_, _ = w.Write(jpg[10:])
		w.Close()
	}
	for range writers {
		select {
		case status := <-answered:
			if status != http.StatusCreated && status != http.StatusOK {
				t.Errorf("a held upload, finished: %d, want 201 or 200", status)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a held upload was not answered within 10 s of its end")
		}
	}
	t.Run("the token's turns are given back", func(t *testing.T) {
		if r := e.upload(t, "worker", phototest.JPEG(t, 64, 48, 10), "image/jpeg"); r.status != http.StatusCreated {
			t.Fatalf("%d %s, want 201", r.status, r.body)
		}
	})
}
