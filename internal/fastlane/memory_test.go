package fastlane

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/internal/connwatch"
)

// TestIdleConnectionsHoldLittle: a keep-alive connection the lane has
// answered holds, while idle, about what net/http's holds, whatever its
// last request or answer was: not the header map of a head with a thousand
// headers, not the copy of a large answer.
func TestIdleConnectionsHoldLittle(t *testing.T) {
	var many strings.Builder
	many.WriteString("GET /empty HTTP/1.1\r\n" + host)
	for i := 0; many.Len() < headMax-64; i++ {
		fmt.Fprintf(&many, "x%d:\r\n", i)
	}
	many.WriteString("\r\n")
	h := &toy{}
	laneAddr, _ := serveLane(t, h, Options{})
	plainAddr := serveNetHTTP(t, h)
	for _, tc := range []struct{ name, head string }{
		{"a head of a thousand headers", many.String()},
		{"a large answer", "GET /big HTTP/1.1\r\n" + host + "\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 200
			before := h.lane.Load()
			lane := heapPerIdleConnection(t, laneAddr, tc.head, n)
			if got := h.lane.Load() - before; got != n {
				t.Fatalf("the lane answered %d of %d", got, n)
			}
			plain := heapPerIdleConnection(t, plainAddr, tc.head, n)
			t.Logf("heap an idle connection holds: lane %d KiB, net/http %d KiB", lane>>10, plain>>10)
			if lane > 2*plain+8<<10 {
				t.Errorf("an idle lane connection holds %d KiB, net/http's %d KiB", lane>>10, plain>>10)
			}
		})
	}
}

// heapPerIdleConnection opens n connections to addr, has head answered on
// each, and returns the heap in use, while they are idle, per connection.
func heapPerIdleConnection(t *testing.T, addr, head string, n int) int64 {
	t.Helper()
	return heapPerConnection(t, addr, head, n, true, 50*time.Millisecond)
}

// closeAll closes the connections and gives the server time to let them
// go before the next measurement.
func closeAll(conns *[]net.Conn) {
	for _, c := range *conns {
		c.Close()
	}
	time.Sleep(200 * time.Millisecond)
}

// heapInUse is the heap in use after two collections (what a sync.Pool
// held survives one).
func heapInUse() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}

// TestStalledReadersHoldNoCopy: a connection whose client stops reading a
// large answer written with WriteShared (a cached tile) holds about what
// net/http's holds, not a copy of the answer, until connwatch closes it.
func TestStalledReadersHoldNoCopy(t *testing.T) {
	const n = 100
	h := &toy{}
	lane := heapPerStalledConnection(t, serveWatched(t, h, true), n)
	plain := heapPerStalledConnection(t, serveWatched(t, h, false), n)
	t.Logf("heap a stalled connection holds: lane %d KiB, net/http %d KiB", lane>>10, plain>>10)
	if lane > 2*plain+8<<10 {
		t.Errorf("a stalled lane connection holds %d KiB, net/http's %d KiB", lane>>10, plain>>10)
	}
}

// serveWatched serves h behind connwatch, as gridmap serve does, with the
// lane in front of net/http or not.
func serveWatched(t *testing.T, h *toy, lane bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var served net.Listener = connwatch.Listen(ln, 2*time.Minute, 0)
	var l *Listener
	if lane {
		l = Listen(served, Options{})
		l.Open(h)
		served = l
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(served) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if l != nil {
			_ = l.Shutdown(ctx)
		}
		_ = srv.Close()
	})
	return ln.Addr().String()
}

// heapPerStalledConnection asks addr for /shared on n connections that
// never read the answer, and returns the heap in use per connection while
// the server is stuck writing to them.
func heapPerStalledConnection(t *testing.T, addr string, n int) int64 {
	t.Helper()
	return heapPerConnection(t, addr, "GET /shared HTTP/1.1\r\n"+host+"\r\n", n, false, 500*time.Millisecond)
}

// heapPerConnection opens n connections to addr and sends head on each,
// reading the answer whole or never (read), and returns the heap in use per connection, settle after the
// last, while they are all open.
func heapPerConnection(t *testing.T, addr, head string, n int, read bool, settle time.Duration) int64 {
	t.Helper()
	before := heapInUse()
	conns := make([]net.Conn, 0, n)
	defer closeAll(&conns)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if !read {
			_ = c.(*net.TCPConn).SetReadBuffer(4 << 10) // a client that never reads takes little into its socket
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
		if read {
			readOK(t, c)
		}
	}
	time.Sleep(settle) // each server back to reading, or stuck writing as far as the socket takes it
	return (heapInUse() - before) / int64(n)
}

// readOK reads an answer from c whole and fails the test unless it is a 200.
func readOK(t *testing.T, c net.Conn) {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
}
