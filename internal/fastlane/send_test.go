package fastlane

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// writeCounts counts the writes that reach a listener's connections.
type writeCounts struct{ writes, vectored atomic.Int64 }

// countingListener's connections count their writes into counts.
type countingListener struct {
	net.Listener
	counts *writeCounts
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.counts}, nil
}

// countingConn is a BuffersWriter, as connwatch's connections are.
type countingConn struct {
	net.Conn
	counts *writeCounts
}

func (c countingConn) Write(b []byte) (int, error) {
	c.counts.writes.Add(1)
	return c.Conn.Write(b)
}

func (c countingConn) WriteBuffers(v *net.Buffers) (int64, error) {
	c.counts.vectored.Add(1)
	return v.WriteTo(c.Conn)
}

// TestLaneWritesEachAnswerAtOnce: the lane writes an answer with one call
// to its connection, a small one copied beside its head, a larger body
// (a tile's, shared or not) beside it with one vectored write.
func TestLaneWritesEachAnswerAtOnce(t *testing.T) {
	for _, tc := range []struct {
		path                   string
		writes, vectored, size int64
	}{
		{"/echo", 1, 0, 0},
		{"/sniff", 1, 0, 0},
		{"/not-modified", 1, 0, 0},
		{"/tile", 0, 1, int64(len(tileBody))},
		{"/big", 0, 1, 100 << 10},
		{"/shared", 0, 1, int64(len(sharedBody))},
	} {
		t.Run(tc.path, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			counts := &writeCounts{}
			lane := Listen(countingListener{ln, counts}, Options{})
			h := &toy{}
			lane.Open(h)
			srv := &http.Server{Handler: h}
			go func() { _ = srv.Serve(lane) }()
			defer srv.Close()
			defer lane.Close()
			const n = 3
			raw := strings.Repeat("GET "+tc.path+" HTTP/1.1\r\n"+host+"\r\n", n)
			got := exchange(t, ln.Addr().String(), raw, n)
			for _, a := range got {
				if !strings.HasPrefix(a, "200 OK") && !strings.HasPrefix(a, "304 ") {
					t.Fatalf("answer %q", a)
				}
				if tc.size > 0 && !strings.Contains(a, "Content-Length: "+strconv.FormatInt(tc.size, 10)) {
					t.Errorf("answer without its length: %.200q", a)
				}
			}
			if len(got) != n || h.lane.Load() != n {
				t.Fatalf("%d answers, %d on the lane; want %d on the lane", len(got), h.lane.Load(), n)
			}
			if w, v := counts.writes.Load(), counts.vectored.Load(); w != n*tc.writes || v != n*tc.vectored {
				t.Errorf("%d answers took %d writes and %d vectored writes; want %d and %d", n, w, v, n*tc.writes, n*tc.vectored)
			}
		})
	}
}

// discardConn takes every write, vectored ones as one (a BuffersWriter).
type discardConn struct{ net.Conn }

func (discardConn) Write(b []byte) (int, error) { return len(b), nil }

func (discardConn) WriteBuffers(v *net.Buffers) (int64, error) {
	var n int64
	for _, b := range *v {
		n += int64(len(b))
	}
	*v = nil
	return n, nil
}

// TestSendAllocatesNothing: an answer costs the lane no allocation, a body
// written beside its head included (its net.Buffers once cost 24 bytes).
func TestSendAllocatesNothing(t *testing.T) {
	cases := []struct {
		name string
		body []byte
	}{
		{"a body copied beside the head", make([]byte, 600)},
		{"a body written beside it", make([]byte, 3*answerRoom)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var o answerOut
			var conn net.Conn = &discardConn{}
			allocs := testing.AllocsPerRun(100, func() {
				head := append(o.room(), "HTTP/1.1 200 OK\r\nContent-Length: 12288\r\n\r\n"...)
				if err := o.send(conn, head, c.body); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%.1f allocations an answer", allocs)
			}
		})
	}
}
