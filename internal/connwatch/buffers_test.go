package connwatch

import (
	"bytes"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/internal/fastlane"
)

// The lane writes an answer's head and body with one call through a
// watched connection.
var _ fastlane.BuffersWriter = (*conn)(nil)

// TestWriteBuffers: a head and a body within a piece leave in one system
// call (a vectored write to the TCP connection underneath, not a write
// each); past a piece they leave piece by piece. Either way the peer reads
// them whole and in order, and the write counts as progress.
func TestWriteBuffers(t *testing.T) {
	for _, tc := range []struct {
		name     string
		body     int
		syscalls int64 // write system calls of this process the write makes; 0: not counted
	}{
		{"a tile's size", 10 << 10, 1},
		{"the most one call carries", writePiece - 300, 1},
		{"past a piece", 200 << 10, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := listen(t)
			c, s := pair(t, l)
			head, body := bytes.Repeat([]byte("h"), 300), bytes.Repeat([]byte("b"), tc.body)
			got := make(chan []byte, 1)
			go func() {
				b, _ := io.ReadAll(io.LimitReader(c, int64(len(head)+len(body))))
				got <- b
			}()
			watched := s.(*conn)
			watched.last.Store(-1)
			before, counted := writeSyscalls(t)
			v := net.Buffers{head, body}
			n, err := watched.WriteBuffers(&v)
			after, _ := writeSyscalls(t)
			if err != nil || n != int64(len(head)+len(body)) || len(v) != 0 {
				t.Fatalf("WriteBuffers: %d, %v, %d buffers left; want %d, nil, 0", n, err, len(v), len(head)+len(body))
			}
			if calls := after - before; counted && tc.syscalls > 0 && calls != tc.syscalls {
				t.Errorf("%d write system calls; want %d", calls, tc.syscalls)
			}
			if watched.last.Load() == -1 {
				t.Error("the write was not noted as progress")
			}
			if b := <-got; !bytes.Equal(b, append(head, body...)) {
				t.Errorf("the peer read %d bytes, not the head and the body", len(b))
			}
		})
	}
}

// writeSyscalls returns how many write system calls (write, writev, …)
// this process has made; ok is false where the count is not kept (it is
// Linux's /proc/self/io).
func writeSyscalls(t *testing.T) (n int64, ok bool) {
	t.Helper()
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "syscw: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
