// Package faillog keeps work that fails again and again from flooding the
// log. While the database is away, every poll, fold and request that needs
// it fails alike — a follower polling every second, a fold every two, a
// busy route hundreds of times a second — and one line now and then, with
// the count of those not written, says as much as thousands.
package faillog

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Log says a repeated task's failures sparingly: the first failure, then
// at most one line every Every with the failures in between, and the first
// success after failures. Its zero Every logs every failure. A Log is safe
// for concurrent use.
type Log struct {
	// Failing is the message of a failure line ("folding report
	// statistics failed; retrying").
	Failing string
	// Recovered is the message of the line the first success after
	// failures writes; empty writes none.
	Recovered string
	// Every is the least time between two failure lines.
	Every time.Duration
	// Level is the level of failure lines (the zero value is Info; most
	// Logs want slog.LevelWarn).
	Level slog.Level

	mu     sync.Mutex
	failed int       // failures since the task last worked
	quiet  int       // failures since the last failure line
	logged time.Time // when the last failure line was written
}

// Report records one outcome of the task at now: err nil is a success.
func (l *Log) Report(ctx context.Context, err error, now time.Time) {
	if err == nil {
		if n := l.worked(); n > 0 && l.Recovered != "" {
			slog.InfoContext(ctx, l.Recovered, "failures", n)
		}
		return
	}
	if ok, quiet, failed := l.allow(now); ok {
		slog.Log(ctx, l.Level, l.Failing, "err", err, "failures", failed, "similar_not_logged", quiet)
	}
}

// Allow records a failure at now and reports whether it is to be logged,
// with how many failures were not since the last one that was. A caller
// that writes its own line (with the fields of a request) asks Allow.
func (l *Log) Allow(now time.Time) (ok bool, quiet int) {
	ok, quiet, _ = l.allow(now)
	return ok, quiet
}

// allow is Allow, also returning the failures since the task last worked.
func (l *Log) allow(now time.Time) (ok bool, quiet, failed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failed++
	if l.failed > 1 && now.Sub(l.logged) < l.Every {
		l.quiet++
		return false, 0, l.failed
	}
	quiet, l.quiet, l.logged = l.quiet, 0, now
	return true, quiet, l.failed
}

// worked records a success and returns the failures it ends.
func (l *Log) worked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.failed
	l.failed, l.quiet = 0, 0
	return n
}
