package api

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/geo"
)

// Floors under the rate at which a body arrives and an answer leaves.
//
// The listener (internal/connwatch) closes a connection that moves no
// bytes for two minutes, but a client moving a little now and then would
// keep a handler, and what it holds, for as long as it liked: a place in
// the import queue, a batch's points and the index snapshot its answers
// come from, a photo's stream from the store. So the time a transfer spends
// waiting for the client — inside the reads of a body, inside the writes
// of an answer — may not exceed a grace period plus the bytes moved at
// minTransferRate, or the read or the write times out. A body too slow gets
// 400 naming it (an upload its place freed); an answer too slow is cut and
// its connection closed, as http.Server's WriteTimeout would, except that a
// large answer to a client reading at a fair rate (60 MB of batch answers
// over a slow link) is never cut, and time the server itself takes between
// writes (resolving, querying) is not counted against the client.
//
// The floor judges the bytes the socket took, which the listener keeps
// close to the bytes the client read: a socket queues at most 128 KiB
// unsent (connwatch), so a client that stops reading stalls a write after
// a few hundred KiB rather than the megabytes loopback's buffers hold. A
// cut is logged (reportCut); net/http's own log would not tell it from a
// client that went away.
//
// An event stream is exempt: it is slow on purpose, and judged per event
// (events.go). The first floorFreeBytes of an answer are written without a
// deadline, so the floor costs small answers nothing; past them an answer
// is written in floorPiece pieces, each credited as it leaves, so that one
// large write (c.JSON of a big page) is not judged as a single wait.
var (
	slowTransferGrace = 30 * time.Second // variables: tests shorten them
	minTransferRate   = int64(16 << 10)  // bytes per second
	floorFreeBytes    = int64(256 << 10)
)

// floorPiece is the most one write under the floor carries.
const floorPiece = 64 << 10

// floorSlack is how far the deadline set may drift from the one due before
// it is set again: setting it costs a timer's update, and small writes (a
// compressor's) come many to a second. A variable: tests shorten it.
var floorSlack = time.Second

// floorRates is the middleware. A body not read to its end stays under the
// floor once the answer begins and after the handler, for net/http reads
// and discards the rest itself as it sends the answer's headers (without a
// deadline, a body trickling in would hold the connection, and the handler
// inside its write). The answer's deadline is lifted after the handler, so
// that net/http's last flush is not cut by it.
func floorRates() gin.HandlerFunc {
	return func(c *gin.Context) {
		rc := http.NewResponseController(c.Writer)
		var body *floorBody
		if b := c.Request.Body; b != nil && b != http.NoBody {
			body = &floorBody{body: b, rc: rc}
			c.Request.Body = body
		}
		w := &floorWriter{ResponseWriter: c.Writer, rc: rc, body: body, req: c.Request}
		c.Writer = w
		defer func() {
			c.Writer = w.ResponseWriter
			if body != nil && !body.ended {
				_ = rc.SetReadDeadline(body.due(time.Now()))
			}
			if w.armed {
				_ = rc.SetWriteDeadline(time.Time{})
			}
		}()
		c.Next()
	}
}

// transfer counts what a body or an answer has moved and how long it has
// waited for the client.
type transfer struct {
	moved  int64
	waited time.Duration
	set    time.Time // the deadline last set
}

// due is when the transfer, waiting from now, runs out of time.
func (t *transfer) due(now time.Time) time.Time {
	return now.Add(slowTransferGrace + time.Duration(t.moved*int64(time.Second)/minTransferRate) - t.waited)
}

// next returns the deadline to set before a wait that begins now, and
// whether the one set is too far from it.
func (t *transfer) next(now time.Time) (time.Time, bool) {
	d := t.due(now)
	if t.set.IsZero() || d.Sub(t.set).Abs() >= floorSlack {
		t.set = d
		return d, true
	}
	return d, false
}

// note counts n bytes moved by a wait that began at since.
func (t *transfer) note(n int, since time.Time) {
	t.moved += int64(n)
	t.waited += time.Since(since)
}

// floorBody reads a request body under a floor.
type floorBody struct {
	transfer
	body  io.ReadCloser
	rc    *http.ResponseController
	ended bool // read to its end (net/http clears the deadline) or failed (an expired one stays)
}

func (f *floorBody) Read(p []byte) (int, error) {
	if f.ended {
		return f.body.Read(p)
	}
	now := time.Now()
	if d, ok := f.next(now); ok {
		// A connection that cannot take deadlines (not net/http's own) is
		// read without one.
		_ = f.rc.SetReadDeadline(d)
	}
	n, err := f.body.Read(p)
	f.note(n, now)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = geo.Invalid("body", "the body arrived slower than %d KiB/s after its first %s; send it over a faster link",
			minTransferRate>>10, slowTransferGrace)
	}
	// At its end, net/http clears the read deadline itself before reading
	// on in the background (a deadline left would cancel the request);
	// after a timeout the expired deadline stays, so net/http's discard of
	// the rest fails at once and the connection is closed after the answer.
	f.ended = err != nil
	return n, err
}

func (f *floorBody) Close() error { return f.body.Close() }

// floorWriter writes an answer under a floor past its first floorFreeBytes.
type floorWriter struct {
	gin.ResponseWriter
	transfer
	rc      *http.ResponseController
	body    *floorBody    // nil: none
	req     *http.Request // what the answer is for: named when it is cut
	written int64
	armed   bool
	exempt  bool
	cut     bool
}

// Write implements http.ResponseWriter.
func (w *floorWriter) Write(p []byte) (int, error) {
	w.floorUnreadBody()
	w.written += int64(len(p))
	if w.exempt || w.written <= floorFreeBytes || !w.arm() {
		return w.ResponseWriter.Write(p)
	}
	before, n := w.written-int64(len(p)), 0
	for len(p) > 0 {
		now := time.Now()
		w.setDeadline(now)
		m, err := w.ResponseWriter.Write(p[:min(len(p), floorPiece)])
		w.note(m, now)
		n += m
		if err != nil {
			w.reportCut(err, before+int64(n))
			return n, err
		}
		p = p[m:]
	}
	return n, nil
}

// reportCut logs, once, an answer the floor cut after sent bytes (the
// socket took them; the client read fewer): net/http closes the
// connection and the access log shows only the status already sent, as
// for a client that went away. A client that did go away is not logged.
func (w *floorWriter) reportCut(err error, sent int64) {
	if w.cut || !errors.Is(err, os.ErrDeadlineExceeded) {
		return
	}
	w.cut = true
	slog.WarnContext(w.req.Context(), "answer cut: the client read it slower than the floor",
		"method", clip(w.req.Method), "path", clip(w.req.URL.Path), "remote", w.req.RemoteAddr,
		"bytes_sent", sent, "floor_bytes_per_s", minTransferRate)
}

// WriteString implements gin.ResponseWriter.
func (w *floorWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// Flush implements http.Flusher, under the floor: what it sends may wait
// for the client too.
func (w *floorWriter) Flush() {
	w.floorUnreadBody()
	if !w.armed {
		w.ResponseWriter.Flush()
		return
	}
	now := time.Now()
	w.setDeadline(now)
	w.ResponseWriter.Flush()
	w.note(0, now)
}

// Unwrap gives http.ResponseController the connection's writer.
func (w *floorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// arm reports whether the answer is floored, deciding at its first call.
func (w *floorWriter) arm() bool {
	if !w.armed {
		w.exempt = strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream")
		w.armed = !w.exempt
	}
	return w.armed
}

// setDeadline sets the write deadline for a wait that begins now.
func (w *floorWriter) setDeadline(now time.Time) {
	if d, ok := w.next(now); ok {
		_ = w.rc.SetWriteDeadline(d)
	}
}

// floorUnreadBody puts a body the handler has not read to its end under
// the floor before the answer's headers can leave (net/http discards the
// rest then).
func (w *floorWriter) floorUnreadBody() {
	if b := w.body; b != nil && !b.ended {
		w.body = nil // once: the body's own reads keep its deadline moving
		if d, ok := b.next(time.Now()); ok {
			_ = b.rc.SetReadDeadline(d)
		}
	}
}
