package fastlane

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
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
type session struct {
	br  *bufio.Reader
	bw  *bufio.Writer
	req request
	w   responseWriter
}

var sessions = sync.Pool{New: func() any {
	return &session{br: bufio.NewReaderSize(nil, headMax), bw: bufio.NewWriterSize(nil, 4<<10),
		w: responseWriter{header: http.Header{}}}
}}

// serve answers c's requests until one is not the lane's, c closes, or the
// lane stops.
func (l *Listener) serve(c *laneConn) {
	s := sessions.Get().(*session)
	s.br.Reset(c)
	s.bw.Reset(c)
	s.req.bind(l.ctx, c.RemoteAddr().String())
	handed := l.serveRequests(c, s)
	l.forget(c)
	if handed {
		buffered, _ := s.br.Peek(s.br.Buffered())
		l.hand(&replayConn{Conn: c.Conn, pending: bytes.Clone(buffered)})
	} else {
		_ = c.Close()
	}
	s.br.Reset(nil)
	s.bw.Reset(nil)
	s.req.reset()
	sessions.Put(s)
}

// serveRequests answers requests on c until one goes to net/http (handed
// true: the request's bytes are still in s.br) or c is to be closed.
func (l *Listener) serveRequests(c *laneConn, s *session) (handed bool) {
	for {
		head, err := readHead(s.br)
		if err != nil {
			return err == errNotLane
		}
		a := l.answerer.Load()
		if a == nil || !s.req.parse(head) {
			return true
		}
		if !c.state.CompareAndSwap(stateIdle, stateActive) {
			return false // closed by Shutdown
		}
		l.setState(c.Conn, http.StateActive)
		s.w.reset()
		if !(*a).AnswerNow(&s.w, &s.req.http) {
			return true
		}
		_, _ = s.br.Discard(len(head))
		keep := s.req.keepAlive && !l.isStopping()
		if s.w.writeTo(s.bw, keep) != nil || s.bw.Flush() != nil || !keep {
			return false
		}
		l.setState(c.Conn, http.StateIdle)
		if !c.state.CompareAndSwap(stateActive, stateIdle) {
			return false
		}
	}
}

// isStopping reports whether Shutdown has begun.
func (l *Listener) isStopping() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stopping
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
