package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/geo/postgres/pgerr"
)

// TestRequestDeadline: a bounded route whose database never answers (a
// connection gone dark) is a 503 with Retry-After once the deadline runs
// out; a stream or an upload gets no deadline.
func TestRequestDeadline(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(requestDeadline(50 * time.Millisecond))
	waitForTheDatabase := func(c *gin.Context) {
		if _, bounded := c.Request.Context().Deadline(); !bounded {
			c.Status(http.StatusNoContent) // no deadline: nothing to wait for here
			return
		}
		<-c.Request.Context().Done() // what a query on a dark connection does
		fail(c, pgerr.Classify(c.Request.Context().Err()))
	}
	r.GET("/v1/units/:code", waitForTheDatabase)
	r.GET("/v1/events", waitForTheDatabase)
	r.POST("/v1/imports", waitForTheDatabase)
	cases := []struct {
		method, path string
		status       int
	}{
		{"GET", "/v1/units/120104", http.StatusServiceUnavailable},
		{"GET", "/v1/events", http.StatusNoContent},
		{"POST", "/v1/imports", http.StatusNoContent},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			start := time.Now()
			r.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
			if w.Code != tc.status || time.Since(start) > 5*time.Second {
				t.Fatalf("%d after %v, want %d", w.Code, time.Since(start), tc.status)
			}
			if tc.status == http.StatusServiceUnavailable &&
				(w.Header().Get("Retry-After") == "" || w.Header().Get("Content-Type") != "application/problem+json") {
				t.Errorf("a 503 without Retry-After or problem+json: %v", w.Header())
			}
		})
	}
}
