package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestBarEndsPhasesComplete draws a phase whose last updates fall within
// the redraw throttle: its line must still end at 100%.
func TestBarEndsPhasesComplete(t *testing.T) {
	var out bytes.Buffer
	b := &bar{w: &out, tty: true, start: time.Now()}
	b.Phase("reading")
	b.Set(35, 100) // drawn
	b.Set(80, 100) // within 100 ms: not drawn
	b.Set(100, 100)
	b.Phase("checking")
	b.Done()
	lines := strings.Split(out.String(), "\n")
	reading := lines[0][strings.LastIndex(lines[0], "\r")+1:]
	if !strings.Contains(reading, "100%") || !strings.Contains(reading, "100/100") {
		t.Errorf("the reading line ends as %q, want it at 100%%", reading)
	}
	if !strings.HasPrefix(strings.TrimSpace(lines[1]), "checking") {
		t.Errorf("second line %q", lines[1])
	}
}

// TestLogDurations checks that every duration is logged one way: as
// milliseconds under a key ending in _ms.
func TestLogDurations(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(newLogHandler(&out, slog.LevelInfo))
	log.Info("demo city loaded", "took", 1262*time.Millisecond+400*time.Microsecond, "in", 19*time.Millisecond, "count", 3)
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	cases := map[string]any{"took_ms": 1262.4, "in_ms": 19.0, "count": 3.0}
	for k, want := range cases {
		if line[k] != want {
			t.Errorf("%s = %v, want %v (line %s)", k, line[k], want, out.String())
		}
	}
	if _, ok := line["took"]; ok {
		t.Errorf("the duration is also logged as nanoseconds: %s", out.String())
	}
}
