package faillog

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestFailuresAreLoggedSparingly: a task failing every two seconds logs
// its first failure, then one a minute with the count, and its recovery;
// a failure after a recovery is a first failure again.
func TestFailuresAreLoggedSparingly(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })

	j := &Log{Failing: "folding report statistics failed; retrying", Recovered: "folding report statistics works again",
		Every: time.Minute, Level: slog.LevelWarn}
	down := errors.New("the database is unavailable")
	t0 := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	steps := []struct {
		at   time.Duration
		err  error
		want string // the line logged, "" for none
	}{
		{0, nil, ""},
		{2 * time.Second, down, `"failures":1`},
		{4 * time.Second, down, ""},
		{30 * time.Second, down, ""},
		{62 * time.Second, down, `"failures":4,"similar_not_logged":2`},
		{64 * time.Second, nil, `works again","failures":4`},
		{66 * time.Second, nil, ""},
		{68 * time.Second, down, `"failures":1`},
	}
	for i, s := range steps {
		buf.Reset()
		j.Report(context.Background(), s.err, t0.Add(s.at))
		got := strings.TrimSpace(buf.String())
		if s.want == "" && got != "" || s.want != "" && !strings.Contains(got, s.want) {
			t.Errorf("step %d: logged %q, want a line with %q", i, got, s.want)
		}
	}
}

// TestAllowSaysOnceEveryInterval: a caller writing its own line (a route
// of the API) is let through once every interval, with the count of the
// failures between.
func TestAllowSaysOnceEveryInterval(t *testing.T) {
	const every = 10 * time.Second
	l := &Log{Every: every}
	t0 := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	steps := []struct {
		at     time.Duration
		logged bool
		quiet  int
	}{
		{0, true, 0},
		{time.Second, false, 0},
		{2 * time.Second, false, 0},
		{every, true, 2},
		{every + time.Second, false, 0},
		{3 * every, true, 1},
	}
	for i, s := range steps {
		if ok, quiet := l.Allow(t0.Add(s.at)); ok != s.logged || quiet != s.quiet {
			t.Errorf("step %d (at %v): logged %v with %d not logged, want %v with %d", i, s.at, ok, quiet, s.logged, s.quiet)
		}
	}
}
