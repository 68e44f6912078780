// Package logtest records what code under test logs through slog's default
// logger, so that a test can say a node kept quiet.
package logtest

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// Recorder is a slog.Handler that keeps every record at warning level or
// above, as text.
type Recorder struct {
	mu   sync.Mutex
	recs []string
}

// Record sends the default logger's warnings and errors to a new Recorder
// for the rest of the test.
func Record(t testing.TB) *Recorder {
	rec := &Recorder{}
	old := slog.Default()
	slog.SetDefault(slog.New(rec))
	t.Cleanup(func() { slog.SetDefault(old) })
	return rec
}

// Enabled implements slog.Handler.
func (l *Recorder) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelWarn }

// Handle implements slog.Handler.
func (l *Recorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
	l.recs = append(l.recs, b.String())
	return nil
}

// WithAttrs implements slog.Handler (the attributes are not kept).
func (l *Recorder) WithAttrs([]slog.Attr) slog.Handler { return l }

// WithGroup implements slog.Handler.
func (l *Recorder) WithGroup(string) slog.Handler { return l }

// Records returns the records so far, each as "LEVEL message key=value…".
func (l *Recorder) Records() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.recs...)
}
