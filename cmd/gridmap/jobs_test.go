package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestJobFailuresAreLoggedSparingly(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(newLogHandler(&buf, slog.LevelInfo)))
	t.Cleanup(func() { slog.SetDefault(old) })

	j := &jobFailures{what: "folding report statistics"}
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
		{62 * time.Second, down, `"failures":4`},
		{64 * time.Second, nil, `works again","failures":4`},
		{66 * time.Second, nil, ""},
		{68 * time.Second, down, `"failures":1`},
	}
	for i, s := range steps {
		buf.Reset()
		j.report(context.Background(), s.err, t0.Add(s.at))
		got := strings.TrimSpace(buf.String())
		if s.want == "" && got != "" || s.want != "" && !strings.Contains(got, s.want) {
			t.Errorf("step %d: logged %q, want a line with %q", i, got, s.want)
		}
	}
}
