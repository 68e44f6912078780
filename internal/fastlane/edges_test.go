package fastlane

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/internal/logtest"
)

// A test for each way the lane once parted from net/http (found in
// review): each failed before its fix.

// flakyListener fails its first Accept as a listener out of file
// descriptors does.
type flakyListener struct {
	net.Listener
	failed atomic.Bool
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if !l.failed.Swap(true) {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// TestLaneOutlivesAnAcceptError: running out of file descriptors for a
// moment does not stop the lane accepting (it stopped for good).
func TestLaneOutlivesAnAcceptError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lane := Listen(&flakyListener{Listener: ln}, Options{})
	h := &toy{}
	lane.Open(h)
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(lane) }()
	defer srv.Close()
	got := exchange(t, ln.Addr().String(), "GET /echo HTTP/1.1\r\n"+host+"\r\n", 1)
	if len(got) != 1 || !strings.HasPrefix(got[0], "200 OK") || h.lane.Load() != 1 {
		t.Errorf("after an EMFILE: %q, %d on the lane; want one answer on the lane", got, h.lane.Load())
	}
}

// framer is an Answerer that sets framing headers of its own.
type framer struct{}

func (framer) AnswerNow(w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Path {
	case "/wrong-length":
		w.Header().Set("Content-Length", "10")
		w.Header().Set("Transfer-Encoding", "chunked")
		_, _ = io.WriteString(w, "ok")
	case "/close":
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, "bye")
	case "/panic":
		panic("boom")
	default:
		_, _ = io.WriteString(w, "next")
	}
	return true
}

func (framer) ServeHTTP(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }

// TestLaneFramesItsAnswers: a handler's own Content-Length or
// Transfer-Encoding cannot make the next answer part of this one's body;
// a handler's Connection: close closes; a panic closes the connection
// and the lane goes on.
func TestLaneFramesItsAnswers(t *testing.T) {
	logs := logtest.Record(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lane := Listen(ln, Options{})
	lane.Open(framer{})
	srv := &http.Server{Handler: framer{}}
	go func() { _ = srv.Serve(lane) }()
	defer srv.Close()
	addr := ln.Addr().String()
	next := "GET /next HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n"
	for _, tc := range []struct {
		name, raw string
		want      []string // each answer's body; then the connection ends
	}{
		{"a wrong length", "GET /wrong-length HTTP/1.1\r\n" + host + "\r\n" + next, []string{"ok", "next"}},
		{"Connection: close from the handler", "GET /close HTTP/1.1\r\n" + host + "\r\n" + next, []string{"bye"}},
		{"a panic", "GET /panic HTTP/1.1\r\n" + host + "\r\n" + next, nil},
		{"after the panic", next, []string{"next"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := exchange(t, addr, tc.raw, len(tc.want)+1)
			if len(got) != len(tc.want)+1 || !strings.HasPrefix(got[len(got)-1], "read: ") {
				t.Fatalf("answers %q, want %d and the end", got, len(tc.want))
			}
			for i, body := range tc.want {
				if !strings.HasPrefix(got[i], "200 OK") || !strings.HasSuffix(got[i], "\n"+body) {
					t.Errorf("answer %d: %q, want 200 with %q", i, got[i], body)
				}
			}
		})
	}
	if recs := logs.Records(); len(recs) != 1 || !strings.Contains(recs[0], "panic=boom") || !strings.Contains(recs[0], "path=/panic") {
		t.Errorf("logged %q, want the panic once", recs)
	}
}

// TestLaneHeadCutShort: a client that sends part of a head and stops
// sending gets net/http's 400, not a silent close.
func TestLaneHeadCutShort(t *testing.T) {
	h := &toy{}
	laneAddr, _ := serveLane(t, h, Options{})
	plainAddr := serveNetHTTP(t, h)
	answer := func(addr string) string {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.WriteString(c, "GET /echo HTTP/1.1\r\nHo")
		_ = c.(*net.TCPConn).CloseWrite()
		b, _ := io.ReadAll(c)
		line, _, _ := strings.Cut(string(b), "\r\n")
		return line
	}
	if got, want := answer(laneAddr), answer(plainAddr); got != want || want == "" {
		t.Errorf("through the lane %q, net/http alone %q", got, want)
	}
}

// TestLaneWritesNetHTTPsBytes: an answer's bytes are net/http's but for
// the Date: the same header lines in the same order.
func TestLaneWritesNetHTTPsBytes(t *testing.T) {
	h := &toy{release: make(chan struct{})}
	laneAddr, _ := serveLane(t, h, Options{})
	plainAddr := serveNetHTTP(t, h)
	date := regexp.MustCompile(`(?m)^Date: .*\r\n`)
	for _, raw := range []string{
		"GET /echo?x HTTP/1.1\r\n" + host + "Origin: o\r\n\r\n",
		"GET /origin HTTP/1.1\r\n" + host + "Origin: https://o.example\r\nConnection: close\r\n\r\n",
		"GET /not-modified HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n",
		"GET /sniff HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n",
		"GET /shared HTTP/1.1\r\n" + host + "\r\n",
		"GET /tile HTTP/1.1\r\n" + host + "\r\n",
		"GET /shared-then-more HTTP/1.1\r\n" + host + "\r\n",
	} {
		raw += "GET /echo HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n" // the server closes after it
		bytesOf := func(addr string) []byte {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			_, _ = io.WriteString(c, raw)
			b, _ := io.ReadAll(bufio.NewReader(c))
			return date.ReplaceAll(b, nil)
		}
		if got, want := bytesOf(laneAddr), bytesOf(plainAddr); !bytes.Equal(got, want) {
			t.Errorf("%q:\nthrough the lane %q\nnet/http alone  %q", raw, got, want)
		}
	}
}
