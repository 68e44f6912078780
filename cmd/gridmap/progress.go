package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
)

// bar draws an import's progress on a terminal: one line per phase, redrawn
// in place at most ten times a second, with a bar when the total is known.
// Off a terminal it prints each phase once, as a log would.
type bar struct {
	w       io.Writer
	tty     bool
	start   time.Time
	mu      sync.Mutex
	phase   string
	phaseAt time.Time
	drawn   time.Time
	open    bool  // a phase line is on screen without its newline
	done    int64 // the last progress of the phase, drawn or not
	total   int64
}

func newBar(w *os.File) *bar {
	return &bar{w: w, tty: isatty.IsTerminal(w.Fd()) || isatty.IsCygwinTerminal(w.Fd()), start: time.Now()}
}

// Phase implements importer.Progress.
func (b *bar) Phase(name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.endLine()
	b.phase, b.phaseAt, b.done, b.total = name, time.Now(), 0, 0
	if b.tty {
		fmt.Fprintf(b.w, "  %-34s", name)
		b.open = true
		return
	}
	fmt.Fprintf(b.w, "[%6.1fs] %s\n", time.Since(b.start).Seconds(), name)
}

// Set implements importer.Progress.
func (b *bar) Set(done, total int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done, b.total = done, total
	if !b.tty || time.Since(b.drawn) < 100*time.Millisecond {
		return
	}
	b.draw(done, total)
}

// draw redraws the phase line with a progress.
func (b *bar) draw(done, total int64) {
	b.drawn = time.Now()
	line := fmt.Sprintf("\r  %-34s", b.phase)
	if total > 0 {
		frac := min(float64(done)/float64(total), 1)
		n := int(frac * 30)
		line += fmt.Sprintf(" [%s%s] %3.0f%%", strings.Repeat("█", n), strings.Repeat("░", 30-n), 100*frac)
	}
	line += fmt.Sprintf("  %s  %.1fs\x1b[K", count(done, total), time.Since(b.phaseAt).Seconds())
	fmt.Fprint(b.w, line)
	b.open = true
}

// Done ends the last phase line.
func (b *bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.endLine()
}

// endLine finishes the phase line. A phase that reported progress ends
// complete: its last state is drawn, at 100% (the throttle may have skipped
// the last updates, and a phase ends only when its work is done).
func (b *bar) endLine() {
	if b.tty && b.open && (b.done > 0 || b.total > 0) {
		b.draw(max(b.done, b.total), b.total)
	}
	if b.open {
		fmt.Fprintf(b.w, "  %.1fs\n", time.Since(b.phaseAt).Seconds())
		b.open = false
	}
}

func count(done, total int64) string {
	if total > 0 {
		return fmt.Sprintf("%d/%d", done, total)
	}
	return fmt.Sprintf("%d", done)
}
