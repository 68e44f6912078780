package fastlane

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
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
	before := heapInUse()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
		time.Sleep(100 * time.Millisecond) // the server lets them go before the next measurement
	}()
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
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
	time.Sleep(50 * time.Millisecond) // each server back to reading
	return (heapInUse() - before) / int64(n)
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
