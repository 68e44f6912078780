// Package fastlane answers the simplest HTTP/1.1 requests on a connection
// itself and hands every other connection to net/http.
//
// net/http's server costs about 14 µs of CPU for a request on this
// project's 2-core machine, most of it not the handler: a goroutine that
// reads ahead to notice a client hanging up, a context, a parsed header
// map, a response with its own buffers, and the scheduling between them. A
// geofencing engine answering over a plain protocol pays none of that, and
// gridmap's resolve (2 µs of work) was measured at 0.73–0.89 of such an
// engine's rate at demo scale, the bare net/http server alone at 0.80–0.92
// of it. A loop reading a request's head and writing one answer, as the
// engine does, ran 1.3–1.5× net/http's rate on the same machine.
//
// The lane serves only what it can serve as net/http would: a GET in
// HTTP/1.1 in origin form, with a Host, no body, no Expect or Upgrade,
// headers that are plain tokens and values, the whole head within headMax
// bytes, and an Answerer that answers it at once (without waiting on
// anything). Its answer has net/http's status line, header lines and body;
// the one difference is framing: the lane always sends a Content-Length,
// where net/http chunks a body over 2 KiB that has none. At the first
// request that is not such a request, or that the Answerer declines, the
// connection, with every byte it has sent and the lane has not consumed,
// goes to net/http (through Accept, as a new connection would) and stays
// there. The lane has written nothing for that request, so net/http sees
// the connection from that request on as if it had had it from the start.
//
// Each answer leaves in one system call: copied beside its head when both
// fit in the connection's 4 KiB room, beside it in one vectored write
// (writev) otherwise, where a buffered writer makes two writes of an
// answer past its buffer (a third of the city's cached tiles). (Through
// internal/connwatch, an answer past its 64 KiB piece is written piece by
// piece, so that its progress shows.)
//
// Timeouts are the connection's own affair (internal/connwatch judges the
// connections it is given by their progress): the lane sets no deadline.
// It calls the ConnState hook it is given as net/http does (StateActive
// when a request's head is read, StateIdle when it is answered), so that
// the hook's header timeout holds on the lane too.
package fastlane

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Answerer answers a request at once or declines it. AnswerNow writes the
// whole answer to w and returns true, or returns false having written
// nothing (headers included). It must not keep r or w after it returns,
// nor wait on anything a client or a database could hold up: r's context
// is never cancelled by the client going away.
type Answerer interface {
	AnswerNow(w http.ResponseWriter, r *http.Request) bool
}

// Listener is a net.Listener for an http.Server: Accept returns the
// connections the lane has handed over. Until Open, every connection is
// handed over at its first request.
type Listener struct {
	inner     net.Listener
	connState func(net.Conn, http.ConnState)

	answerer atomic.Pointer[Answerer]
	handed   chan net.Conn
	closed   chan struct{}
	closeErr error // set before closed is closed
	once     sync.Once
	// closeInner closes inner once.
	closeInner sync.Once

	mu       sync.Mutex
	conns    map[*laneConn]struct{}
	stopping atomic.Bool // set under mu: track reads it there

	accepted, answered, handedOver atomic.Uint64 // see Stats
}

// Stats counts what a lane has done since Listen: an operator sees from
// them whether callers' connections stay on the lane.
type Stats struct {
	Connections uint64 // connections accepted
	Answered    uint64 // requests answered on the lane
	HandedOver  uint64 // connections handed to net/http
}

// Stats returns the lane's counts so far.
func (l *Listener) Stats() Stats {
	return Stats{Connections: l.accepted.Load(), Answered: l.answered.Load(), HandedOver: l.handedOver.Load()}
}

// Options configure a Listener.
type Options struct {
	// ConnState, if set, is told of the lane's connections' states as
	// net/http's Server.ConnState hook is (it should be the same hook).
	ConnState func(net.Conn, http.ConnState)
}

// Listen starts the lane on ln: it accepts ln's connections from now on.
func Listen(ln net.Listener, o Options) *Listener {
	l := &Listener{inner: ln, connState: o.ConnState, handed: make(chan net.Conn),
		closed: make(chan struct{}), conns: map[*laneConn]struct{}{}}
	go l.acceptLoop()
	return l
}

// Open lets a answer the requests the lane can serve, from now on.
func (l *Listener) Open(a Answerer) { l.answerer.Store(&a) }

// Accept waits for a connection handed over to net/http.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.handed:
		return c, nil
	case <-l.closed:
		return nil, l.closeErr
	}
}

// Addr is the address the lane listens on.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// Close stops accepting connections. Connections already accepted stay
// open: Shutdown ends the lane's, the http.Server's Shutdown its own.
// A second Close does nothing and returns nil (an http.Server's Shutdown
// closes its listener, and so does Shutdown).
func (l *Listener) Close() error {
	var err error
	l.closeInner.Do(func() { err = l.inner.Close() })
	l.stop(net.ErrClosed)
	return err
}

// stop makes Accept return err from now on.
func (l *Listener) stop(err error) {
	l.once.Do(func() { l.closeErr = err; close(l.closed) })
}

// Shutdown stops accepting, closes the lane's idle connections and waits
// until those answering a request have answered (and are closed), or ctx
// ends.
func (l *Listener) Shutdown(ctx context.Context) error {
	_ = l.Close()
	l.mu.Lock()
	l.stopping.Store(true)
	l.mu.Unlock()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if l.closeIdle() == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// closeIdle closes the connections waiting for a request and returns how
// many are left, all answering one.
func (l *Listener) closeIdle() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.conns {
		if c.state.CompareAndSwap(stateIdle, stateClosing) {
			_ = c.Close()
			delete(l.conns, c)
		}
	}
	return len(l.conns)
}

// acceptLoop accepts connections until the listener is closed, each
// served on its own goroutine. A passing failure (out of file
// descriptors, a connection aborted before it was accepted) is retried
// after a pause that doubles up to a second, as net/http retries.
func (l *Listener) acceptLoop() {
	var pause time.Duration
	for {
		c, err := l.inner.Accept()
		if err != nil {
			if passing(err) {
				pause = min(max(2*pause, 5*time.Millisecond), time.Second)
				select {
				case <-time.After(pause):
					continue
				case <-l.closed:
					return
				}
			}
			l.stop(err)
			return
		}
		pause = 0
		lc := &laneConn{Conn: c}
		if !l.track(lc) {
			_ = c.Close()
			continue
		}
		l.accepted.Add(1)
		go l.serve(lc)
	}
}

// passing reports whether an Accept error may pass: not the listener
// closed, but what net/http retries (a temporary error).
func passing(err error) bool {
	var te interface{ Temporary() bool }
	return !errors.Is(err, net.ErrClosed) && errors.As(err, &te) && te.Temporary()
}

// track adds c to the lane's connections unless the lane is stopping.
func (l *Listener) track(c *laneConn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopping.Load() {
		return false
	}
	l.conns[c] = struct{}{}
	return true
}

// forget removes c from the lane's connections.
func (l *Listener) forget(c *laneConn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

// hand gives c to net/http, or closes it if the lane is closed.
func (l *Listener) hand(c net.Conn) {
	select {
	case l.handed <- c:
	case <-l.closed:
		_ = c.Close()
	}
}

// setState tells the hook of c's state.
func (l *Listener) setState(c net.Conn, s http.ConnState) {
	if l.connState != nil {
		l.connState(c, s)
	}
}
