package api

import (
	"testing"
	"time"

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
