package api

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/internal/faillog"
)

func TestOutageLogSaysOnceEveryInterval(t *testing.T) {
	o := &outageLog{routes: map[string]*faillog.Log{}}
	t0 := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	steps := []struct {
		route      string
		at         time.Duration
		logged     bool
		suppressed int
	}{
		{"/v1/units", 0, true, 0},
		{"/v1/units", time.Second, false, 0},
		{"/v1/units", 2 * time.Second, false, 0},
		{"/v1/reports", 3 * time.Second, true, 0}, // another route has its own line
		{"/v1/units", outageLogEvery, true, 2},
		{"/v1/units", outageLogEvery + time.Second, false, 0},
		{"/v1/units", 3 * outageLogEvery, true, 1},
	}
	for i, s := range steps {
		ok, quiet := o.allow(s.route, t0.Add(s.at))
		if ok != s.logged || quiet != s.suppressed {
			t.Errorf("step %d (%s at %v): logged %v with %d not logged, want %v with %d",
				i, s.route, s.at, ok, quiet, s.logged, s.suppressed)
		}
	}
}

// TestRefusalsAreLoggedOnce: a 503 that is not a failure beneath (a
// min_version the database has not reached) is a warning once every
// outageLogEvery a route, not one a request: a reviewer's clients polling
// a standby behind its primary wrote 343 lines for 343 refusals.
func TestRefusalsAreLoggedOnce(t *testing.T) {
	saved := refusals
	refusals = &outageLog{routes: map[string]*faillog.Log{}} // a fresh limiter: -count=2 runs this twice
	t.Cleanup(func() { refusals = saved })
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	r := gin.New()
	const route = "/test/refusals"
	r.GET(route, func(c *gin.Context) {
		fail(c, geo.Errorf(geo.EUNAVAILABLE, "min_version", "this node's database is at data version 3, not yet 9; retry shortly"))
	})
	for i := 0; i < 50; i++ {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", route, nil))
		if w.Code != 503 || w.Header().Get("Retry-After") == "" {
			t.Fatalf("refusal %d: %d %v", i, w.Code, w.Header())
		}
	}
	if n := strings.Count(buf.String(), "route="+route); n != 1 {
		t.Errorf("50 refusals logged %d lines, want 1:\n%s", n, buf.String())
	}
}
