package main

import (
	"io"
	"log/slog"
	"math"
	"os"
	"time"
)

// The log: JSON lines on stderr, durations in milliseconds.

// setupLogging makes the JSON log on stderr the default logger.
func setupLogging(level string) error {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", level)
	}
	slog.SetDefault(slog.New(newLogHandler(os.Stderr, l)))
	return nil
}

// newLogHandler writes JSON lines at level and above. Durations, whoever
// logs them, come out one way: as milliseconds, a number, under the key
// with "_ms" appended ("took_ms":1262.4).
func newLogHandler(w io.Writer, level slog.Level) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: millis})
}

// millis rewrites a duration attribute as milliseconds.
func millis(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() != slog.KindDuration {
		return a
	}
	ms := float64(a.Value.Duration()) / float64(time.Millisecond)
	return slog.Float64(a.Key+"_ms", math.Round(ms*1000)/1000)
}
