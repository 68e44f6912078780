package connwatch

import (
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingListener's connections count the deadlines that reach them.
type countingListener struct {
	net.Listener
	sets *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	return countingConn{c, l.sets}, err
}

type countingConn struct {
	net.Conn
	sets *atomic.Int64
}

func (c countingConn) SetDeadline(t time.Time) error { c.sets.Add(1); return c.Conn.SetDeadline(t) }
func (c countingConn) SetReadDeadline(t time.Time) error {
	c.sets.Add(1)
	return c.Conn.SetReadDeadline(t)
}
func (c countingConn) SetWriteDeadline(t time.Time) error {
	c.sets.Add(1)
	return c.Conn.SetWriteDeadline(t)
}

// TestDeadlines: deadlines set through a watched connection act as on the
// connection underneath, an expired one is cleared, and clearing one never
// set does not reach the connection underneath.
func TestDeadlines(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var sets atomic.Int64
	l := Listen(countingListener{ln, &sets}, time.Minute, 0)
	t.Cleanup(func() { l.Close() })
	past := time.Now().Add(-time.Second)
	timedOut := func(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }
	for _, tc := range []struct {
		name  string
		set   func(c net.Conn) error
		reads bool // a read then gets the byte the client sent
		sets  int64
	}{
		{"clear none", func(c net.Conn) error { return c.SetReadDeadline(time.Time{}) }, true, 0},
		{"clear none, both ways", func(c net.Conn) error {
			c.SetWriteDeadline(time.Time{})
			return c.SetDeadline(time.Time{})
		}, true, 0},
		{"expired", func(c net.Conn) error { return c.SetReadDeadline(past) }, false, 1},
		{"expired, then cleared", func(c net.Conn) error {
			c.SetReadDeadline(past)
			return c.SetReadDeadline(time.Time{})
		}, true, 2},
		{"both expired, then read cleared", func(c net.Conn) error {
			c.SetDeadline(past)
			return c.SetReadDeadline(time.Time{})
		}, true, 2},
		{"write expired, read cleared", func(c net.Conn) error {
			c.SetWriteDeadline(past)
			return c.SetReadDeadline(time.Time{})
		}, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, server := pair(t, l)
			sets.Store(0)
			if err := tc.set(server); err != nil {
				t.Fatal(err)
			}
			client.Write([]byte{'x'})
			time.Sleep(10 * time.Millisecond)
			var one [1]byte
			n, err := server.Read(one[:])
			if got := n == 1 && err == nil; got != tc.reads || !tc.reads && !timedOut(err) {
				t.Errorf("read %d, %v; want a byte %v", n, err, tc.reads)
			}
			if got := sets.Load(); got != tc.sets {
				t.Errorf("%d deadlines reached the connection underneath, want %d", got, tc.sets)
			}
		})
	}
}

// gatedConn holds its first clearing SetReadDeadline until gate closes.
type gatedConn struct {
	net.Conn
	entered, gate chan struct{}
	once          sync.Once
}

func (g *gatedConn) SetReadDeadline(t time.Time) error {
	if t.IsZero() {
		g.once.Do(func() { close(g.entered); <-g.gate })
	}
	return g.Conn.SetReadDeadline(t)
}

// TestClearBesideClear: a clear that returns while another is on its way
// to the connection must not leave the old deadline in force (a reviewer's
// case: the flag was lowered before the clear arrived).
func TestClearBesideClear(t *testing.T) {
	l := listen(t)
	client, server := pair(t, l)
	c := server.(*conn)
	g := &gatedConn{Conn: c.Conn, entered: make(chan struct{}), gate: make(chan struct{})}
	c.Conn = g
	c.SetReadDeadline(time.Now().Add(-time.Second))
	first := make(chan struct{})
	go func() { c.SetReadDeadline(time.Time{}); close(first) }()
	<-g.entered
	go func() { time.Sleep(50 * time.Millisecond); close(g.gate) }()
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	client.Write([]byte{'x'})
	var one [1]byte
	n, err := c.Read(one[:])
	<-first
	if n != 1 || err != nil {
		t.Errorf("a read after both clears: %d, %v", n, err)
	}
}
