// Package connwatch closes network connections that move no bytes for a
// while: a keep-alive connection left idle, a client that stopped reading
// its answer, a handler that hangs.
//
// net/http can do this with http.Server's IdleTimeout and WriteTimeout, but
// they add deadlines to every request (beyond ReadHeaderTimeout's, which a
// server keeps): a write deadline armed when a request is read and
// disarmed when it is answered, and an idle read deadline armed between
// requests. Each adds, moves or removes a runtime timer, and on the resolve
// and tile hot paths, answered in a few microseconds, dropping them saved
// 0.5 to 1.3 µs of the 14 to 15 µs of CPU a request cost (GET /v1/resolve
// at city scale, 8 connections, interleaved runs). A Listener instead
// notes, on each read or write that moves bytes, the tick of a coarse
// clock, and one goroutine closes, every quarter of the timeout, the
// connections whose last note is older than the timeout.
//
// The rule differs from WriteTimeout's in one way: a connection is judged
// by its progress, not by a fixed time per answer, so a long answer that
// keeps moving (an event stream, a large export, a big body to a slow
// phone) is not cut; a large write counts its progress piece by piece.
// Deadlines a handler sets itself (http.ResponseController) still work:
// they go to the connection underneath. A hijacked connection stays
// watched.
//
// It can also do what ReadHeaderTimeout does, again without a deadline per
// request (net/http's two read deadlines a request measured 0.5 µs of the
// 12.6 µs a resolve cost): with a header timeout, and the server's
// ConnState hook set to the Listener's, a request's headers must have
// arrived within the header timeout of its first byte (of the connection's
// opening, for its first request), or the connection is closed — a client
// sending its headers a byte at a time cannot hold it.
//
// A sweep's closes are logged, a line per reason: a warning for a request
// that stalled or headers that came too slowly, debug for an idle
// keep-alive, the routine case.
package connwatch

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ticksPerTimeout is how many sweeps the shorter timeout spans: a
// connection is closed between one timeout and 1¼ timeouts after its last
// progress (or its request's first byte).
const ticksPerTimeout = 4

// writePiece bounds what one write to the connection underneath carries,
// so that a large write to a client reading slowly but steadily shows its
// progress before it ends.
const writePiece = 64 << 10

// unsentLimit is the most an accepted connection's socket queues of what
// has not yet left for the client (Linux). Without it the kernel takes
// megabytes for a client that stopped reading (loopback: 3.9 MB before a
// write waits), so a write seems to progress, and a rate floor judging the
// bytes written (api's) waits that much longer to see the client stall:
// with it, about 192 KiB (the limit and the client's window). A fast
// client is not slowed: the limit is about the queue, not what is in flight.
const unsentLimit = 128 << 10

// Listener is a net.Listener whose connections are closed when they have
// moved no bytes for its timeout. It is safe for concurrent use.
type Listener struct {
	net.Listener
	period      time.Duration // between sweeps
	idleTicks   int64         // the timeout, in sweeps
	headerTicks int64         // the header timeout, in sweeps; 0: none

	tick atomic.Int64 // the coarse clock: sweeps since the start
	// Every read and write reads tick; Accept and Close write mu. The pad
	// keeps them out of one cache line.
	_     [56]byte
	mu    sync.Mutex
	conns map[*conn]struct{}
	stop  chan struct{}
	once  sync.Once

	refusals RefusalBody // nil: net/http's refusals go out as it wrote them
	marked   bool        // the server's handler marks its connections (Handler)
}

// Listen returns ln with connections closed after timeout without
// progress and, if headerTimeout is not 0, those whose request headers take
// longer than headerTimeout to arrive. With a header timeout the server
// must set ConnState to the Listener's: without it every connection is
// closed a header timeout after it opens, whatever it is doing. Sweeps
// are at least a millisecond apart. Closing the Listener stops its sweeps;
// connections already accepted are still watched until then.
func Listen(ln net.Listener, timeout, headerTimeout time.Duration) *Listener {
	period := timeout
	if headerTimeout > 0 {
		period = min(period, headerTimeout)
	}
	period = max(period/ticksPerTimeout, time.Millisecond)
	l := &Listener{Listener: ln, period: period, idleTicks: ticks(timeout, period),
		conns: map[*conn]struct{}{}, stop: make(chan struct{})}
	if headerTimeout > 0 {
		l.headerTicks = ticks(headerTimeout, period)
	}
	l.tick.Store(1) // a conn's begun is 0 when no request is being read
	go l.sweep()
	return l
}

// Accept waits for the next connection, limits what its socket queues
// unsent (unsentLimit) and watches it.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	limitUnsent(c)
	wc := &conn{Conn: c, l: l}
	now := l.tick.Load()
	wc.last.Store(now)
	wc.begun.Store(now)
	l.mu.Lock()
	l.conns[wc] = struct{}{}
	l.mu.Unlock()
	return wc, nil
}

// Close stops the sweeps and closes the listener underneath.
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.stop) })
	return l.Listener.Close()
}

// ticks is d in sweeps of period, rounded up: never closing early.
func ticks(d, period time.Duration) int64 {
	return int64((d + period - 1) / period)
}

// ConnState is the hook for http.Server.ConnState that the header timeout
// needs: it learns when a request's headers have been read (StateActive)
// and when the connection waits for the next (StateIdle). It must be given
// the connections Accept returned (no TLS layer in between), or
// connections wrapping them that return them from a NetConn method.
//
// The header clock starts at the first byte read from the connection while
// it waits. Bytes of the next request that net/http read ahead while
// answering the last one (a pipelining client) do not start it; a client
// sending half a request that way is closed only when it moves nothing for
// the timeout, as an idle keep-alive one is.
func (l *Listener) ConnState(nc net.Conn, state http.ConnState) {
	c := watched(nc)
	if c == nil {
		return
	}
	switch state {
	case http.StateActive, http.StateHijacked:
		c.serving.Store(true)
		c.begun.Store(0)
	case http.StateIdle:
		c.serving.Store(false)
		c.answering.Store(false)
	}
}

// watched is the Listener's connection nc is or wraps, or nil.
func watched(nc net.Conn) *conn {
	for {
		if c, ok := nc.(*conn); ok {
			return c
		}
		w, wraps := nc.(interface{ NetConn() net.Conn })
		if !wraps {
			return nil
		}
		nc = w.NetConn() // a connection handed on with bytes already read (internal/fastlane)
	}
}

// Watched is the number of connections open and watched.
func (l *Listener) Watched() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// sweep advances the clock and closes stalled connections until Close.
func (l *Listener) sweep() {
	t := time.NewTicker(l.period)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			now := l.tick.Add(1)
			cuts := l.stalled(now)
			l.report(cuts) // first: a closed connection may not name its peer
			for _, c := range cuts {
				_ = c.conn.Close()
			}
		}
	}
}

// cut is a connection the sweep closes, and why.
type cut struct {
	conn   *conn
	reason reason
}

// reason says why a connection was closed.
type reason int

const (
	idle           reason = iota // between requests (or before the first): a keep-alive left unused
	stalledRequest               // inside a request: its body, its answer or its handler moved nothing
	slowHeaders                  // a request's headers took longer than the header timeout
	reasons
)

var reasonText = [reasons]string{
	idle:           "idle, no request under way",
	stalledRequest: "a request moved no bytes (a client that stopped reading or sending, or a hung handler)",
	slowHeaders:    "request headers arrived too slowly",
}

// stalled returns the connections without progress for longer than the
// timeout, or reading a request's headers for longer than the header
// timeout, at tick now. They are closed outside the lock: Close takes it.
func (l *Listener) stalled(now int64) []cut {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []cut
	for c := range l.conns {
		switch begun := c.begun.Load(); {
		case l.headerTicks > 0 && begun > 0 && now-begun > l.headerTicks:
			out = append(out, cut{c, slowHeaders})
		case now-c.last.Load() <= l.idleTicks:
		case c.serving.Load():
			out = append(out, cut{c, stalledRequest})
		default:
			out = append(out, cut{c, idle})
		}
	}
	return out
}

// report logs one sweep's cuts, a line per reason: closing an idle
// keep-alive is routine (debug); the others mean a client or a handler
// misbehaved, which an operator should see (warning), without a line per
// connection that a flood of them would make.
func (l *Listener) report(cuts []cut) {
	var count [reasons]int
	var example [reasons]string
	for _, c := range cuts {
		if count[c.reason] == 0 {
			example[c.reason] = c.conn.RemoteAddr().String()
		}
		count[c.reason]++
	}
	for r, n := range count {
		if n == 0 {
			continue
		}
		level := slog.LevelWarn
		if reason(r) == idle {
			level = slog.LevelDebug
		}
		slog.Log(context.Background(), level, "connections closed", "reason", reasonText[r], "count", n,
			"example_remote", example[r])
	}
}

// forget stops watching c.
func (l *Listener) forget(c *conn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

// conn is a watched connection: it notes the tick of its last progress
// and, between requests, the tick the next one's first byte arrived.
type conn struct {
	net.Conn
	l       *Listener
	last    atomic.Int64
	begun   atomic.Int64 // 0: no request's headers are being read
	serving atomic.Bool  // a request's headers have been read, its answer is not done
	// answering: a handler has begun to answer on the connection, which has
	// not waited for its next request since; tracked: its context keeps it,
	// so that a handler can mark it (refusal.go).
	answering, tracked atomic.Bool

	deadlineMu                  sync.Mutex  // orders the deadlines set (deadline.go)
	readDeadline, writeDeadline atomic.Bool // one may be set
}

// Read reads from the connection, noting progress when bytes arrive.
func (c *conn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.progressed()
		if !c.serving.Load() && c.begun.Load() == 0 {
			c.begun.Store(c.l.tick.Load())
		}
	}
	return n, err
}

// Write writes to the connection in pieces of at most writePiece bytes,
// noting progress as each leaves.
func (c *conn) Write(b []byte) (n int, err error) {
	if c.mayRefuse() {
		if status, reason, ok := refusal(b); ok {
			ct, body := c.l.refusals(status, reason)
			if _, err := c.write(refusalAnswer(status, ct, body)); err != nil {
				return 0, err
			}
			return len(b), nil
		}
	}
	return c.write(b)
}

// write writes b piece by piece, noting progress.
func (c *conn) write(b []byte) (n int, err error) {
	for len(b) > 0 {
		var m int
		m, err = c.Conn.Write(b[:min(len(b), writePiece)])
		n += m
		if m > 0 {
			c.progressed()
		}
		if err != nil {
			return n, err
		}
		b = b[m:]
	}
	return n, nil
}

// WriteBuffers writes v's buffers with one vectored write when the
// connection underneath can (*net.TCPConn: writev), noting progress as
// Write does; buffers past writePiece in all are written by Write, piece
// by piece, so that a long write still shows its progress. It implements
// fastlane.BuffersWriter: net.Buffers' own WriteTo sees only this
// wrapper, and would write each buffer by itself.
func (c *conn) WriteBuffers(v *net.Buffers) (n int64, err error) {
	total := 0
	for _, b := range *v {
		total += len(b)
	}
	if total <= writePiece {
		n, err = v.WriteTo(c.Conn)
		if n > 0 {
			c.progressed()
		}
		return n, err
	}
	for len(*v) > 0 {
		m, err := c.Write((*v)[0])
		n += int64(m)
		if err != nil {
			return n, err
		}
		*v = (*v)[1:]
	}
	return n, nil
}

// progressed notes the current tick. The load first keeps a connection
// answering many requests a tick from writing the same word again.
func (c *conn) progressed() {
	if now := c.l.tick.Load(); c.last.Load() != now {
		c.last.Store(now)
	}
}

// Close closes the connection and stops watching it.
func (c *conn) Close() error {
	c.l.forget(c)
	return c.Conn.Close()
}

// CloseWrite shuts down the writing side, as *net.TCPConn's does: net/http
// uses it to end a connection gracefully after an error.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
