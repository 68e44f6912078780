package fastlane

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// headMax is the longest request head the lane reads (request line and
// headers): a longer one goes to net/http, whose limit is a megabyte.
// Browsers' and phones' GETs are well under it.
const headMax = 8 << 10

// States of a lane connection, for Shutdown.
const (
	stateIdle    int32 = iota // waiting for a request's head
	stateActive               // answering one
	stateClosing              // closed by Shutdown
)

// laneConn is a connection the lane serves.
type laneConn struct {
	net.Conn
	state atomic.Int32
}

// session is what a connection reuses from one request to the next.
// Between requests, and in the pool, req and w hold nothing: both are
// emptied once an answer is written and when the session is put back.
type session struct {
	br  *bufio.Reader
	out answerOut
	req request
	w   responseWriter
}

var sessions = sync.Pool{New: func() any {
	return &session{br: bufio.NewReaderSize(nil, headMax), w: responseWriter{header: http.Header{}}}
}}

// serve answers c's requests until one is not the lane's, c closes, or the
// lane stops.
func (l *Listener) serve(c *laneConn) {
	s := sessions.Get().(*session)
	s.br.Reset(c)
	s.req.bind(c.RemoteAddr().String())
	handOver := l.serveRequests(c, s)
	l.forget(c)
	if handOver {
		l.handedOver.Add(1)
		buffered, _ := s.br.Peek(s.br.Buffered())
		l.hand(&replayConn{Conn: c.Conn, pending: bytes.Clone(buffered)})
	} else {
		_ = c.Close() // after Connection: close too, at once, as net/http closes
	}
	s.br.Reset(nil)
	s.req.reset()
	s.w.reset()
	sessions.Put(s)
}

// serveRequests answers requests on c until one goes to net/http
// (handOver: its bytes still in s.br) or c is to be closed (the client
// went, Shutdown closed it, or an answer said Connection: close).
func (l *Listener) serveRequests(c *laneConn, s *session) (handOver bool) {
	for {
		head, err := readHead(s.br)
		if err != nil {
			// net/http answers a head cut short with a 400
			return err == errNotLane || s.br.Buffered() > 0
		}
		a := l.answerer.Load()
		if a == nil || !s.req.parse(head) {
			return true
		}
		if !c.state.CompareAndSwap(stateIdle, stateActive) {
			return false // closed by Shutdown
		}
		l.setState(c.Conn, http.StateActive)
		switch answered, panicked := answer(*a, s); {
		case panicked:
			return false
		case !answered:
			return true
		}
		l.answered.Add(1)
		_, _ = s.br.Discard(len(head))
		head, body, keep := s.w.appendHead(s.out.room(), s.req.keepAlive && !l.stopping.Load())
		if s.out.send(c.Conn, head, body) != nil || !keep {
			return false
		}
		// An idle connection keeps no request or answer: a client could
		// otherwise leave thousands of them each holding its last head's
		// headers or a large answer, where net/http's hold neither.
		s.req.forget()
		s.w.reset()
		l.setState(c.Conn, http.StateIdle)
		c.state.Store(stateIdle) // Shutdown changes only idle connections
	}
}

// answer asks a to answer s's request. A panic is logged and the
// connection closed, as net/http does; nothing of the answer is sent.
func answer(a Answerer, s *session) (answered, panicked bool) {
	defer func() {
		if rec := recover(); rec != nil {
			slog.Error("fast lane: panic answering a request", "path", s.req.url.Path, "remote", s.req.remoteAddr,
				"panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
			answered, panicked = false, true
		}
	}()
	return a.AnswerNow(&s.w, &s.req.http), false
}

// replayConn is a connection handed to net/http: its reads return first
// the bytes the lane had read and not consumed.
type replayConn struct {
	net.Conn
	pending []byte
}

// Read reads the pending bytes first, then from the connection.
func (c *replayConn) Read(b []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(b, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

// NetConn is the connection underneath, for hooks that know it by its
// type (connwatch's ConnState), as tls.Conn's NetConn.
func (c *replayConn) NetConn() net.Conn { return c.Conn }

// CloseWrite shuts down the writing side, as *net.TCPConn's does: net/http
// uses it to end a connection gracefully after an error.
func (c *replayConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
