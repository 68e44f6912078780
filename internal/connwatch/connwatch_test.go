package connwatch

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/internal/fastlane"
)

// timeout is short so the tests run in a second; a sweep is every 50 ms.
const timeout = 200 * time.Millisecond

// listen returns a watched listener on a loopback port.
func listen(t *testing.T) *Listener {
	t.Helper()
	return listenFor(t, timeout)
}

// listenFor is listen with another timeout.
func listenFor(t *testing.T, timeout time.Duration) *Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Listen(ln, timeout, 0)
	t.Cleanup(func() { l.Close() })
	return l
}

// pair returns the two ends of one connection: the client's and the
// watched server side.
func pair(t *testing.T, l *Listener) (client, server net.Conn) {
	t.Helper()
	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return client, server
}

// closedWithin reports whether a read on c ends (the peer closed it, or it
// was closed under the read) within d.
func closedWithin(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

func TestStalledConnectionsAreClosed(t *testing.T) {
	tests := []struct {
		name string
		// stall makes the connection stall, on its server side s (and
		// client side c); it returns once the stall has begun.
		stall func(c, s net.Conn)
	}{
		{"idle after a request", func(c, s net.Conn) {
			c.Write([]byte("ping"))
			s.Read(make([]byte, 4))
		}},
		{"idle from the start", func(c, s net.Conn) {}},
		{"a client that stopped reading", func(c, s net.Conn) {
			// The server's write blocks once the socket buffers are full.
			go s.Write(make([]byte, 64<<20))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := listen(t)
			c, s := pair(t, l)
			tt.stall(c, s)
			if !closedWithin(s, 3*timeout) {
				t.Fatalf("the server side was not closed within %v of a %v timeout", 3*timeout, timeout)
			}
			if n := l.Watched(); n != 0 {
				t.Errorf("%d connections still watched after the close", n)
			}
		})
	}
}

func TestProgressKeepsAConnectionOpen(t *testing.T) {
	l := listen(t)
	c, s := pair(t, l)
	go io.Copy(s, s) // an echo: the client's writes are its progress
	buf := make([]byte, 1)
	for range 12 { // 12 × 50 ms: three timeouts
		if _, err := c.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatalf("a connection moving bytes every 50 ms was closed: %v", err)
		}
		time.Sleep(timeout / 4)
	}
	if n := l.Watched(); n != 1 {
		t.Errorf("watched %d connections, want 1", n)
	}
}

// TestLargeWriteToASlowReader is one write far larger than the socket's
// buffers to a client that reads slowly but without a pause: it takes
// several timeouts and must not be cut. Its timeout is longer than the
// others': under the race detector on a busy machine, a reader scheduled
// late by 200 ms has paused, which is not what this test is about.
func TestLargeWriteToASlowReader(t *testing.T) {
	const timeout = 600 * time.Millisecond
	l := listenFor(t, timeout)
	c, s := pair(t, l)
	const size = 8 << 20
	wrote := make(chan error, 1)
	go func() {
		_, err := s.Write(make([]byte, size))
		wrote <- err
	}()
	start := time.Now()
	buf := make([]byte, 64<<10)
	for got := 0; got < size; {
		n, err := io.ReadFull(c, buf[:min(len(buf), size-got)])
		if err != nil {
			t.Fatalf("after %d of %d bytes in %v: %v", got, size, time.Since(start), err)
		}
		got += n
		time.Sleep(12 * time.Millisecond)
	}
	if err := <-wrote; err != nil {
		t.Fatalf("the write failed: %v", err)
	}
	if took := time.Since(start); took < 2*timeout {
		t.Fatalf("the read took %v, under two timeouts: the test proves nothing", took)
	}
}

func TestCloseForgetsTheConnection(t *testing.T) {
	l := listen(t)
	_, s := pair(t, l)
	if n := l.Watched(); n != 1 {
		t.Fatalf("watched %d connections, want 1", n)
	}
	s.Close()
	s.Close() // net/http may close a connection the sweep closed
	if n := l.Watched(); n != 0 {
		t.Errorf("watched %d connections after Close, want 0", n)
	}
}

// TestHTTPServerKeepAlive is the use it is made for: an http.Server on a
// watched listener, with no IdleTimeout or WriteTimeout of its own, answers
// on a keep-alive connection and then closes it when left idle.
func TestHTTPServerKeepAlive(t *testing.T) {
	l := listen(t)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}), ReadHeaderTimeout: time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := range 3 { // three requests on one connection, a sweep apart
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "ok" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, body)
		}
		time.Sleep(timeout / 2)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * timeout))
	rest, err := br.ReadString('\n')
	if err != io.EOF || strings.TrimSpace(rest) != "" {
		t.Fatalf("an idle keep-alive connection: read %q, %v; want it closed (EOF)", rest, err)
	}
}

// TestHeaderTimeout: with a header timeout and the ConnState hook, a
// connection must deliver each request's headers in time, counted from
// their first byte (from its opening, for the first request), whatever
// else it does in time; what follows the headers is not counted. The same
// holds with internal/fastlane in front of net/http, for the requests it
// answers and for connections it hands on.
func TestHeaderTimeout(t *testing.T) {
	for _, lane := range []bool{false, true} {
		t.Run(map[bool]string{false: "net/http", true: "fast lane"}[lane], func(t *testing.T) { testHeaderTimeout(t, lane) })
	}
}

// answerPlain answers GET / on the fast lane.
type answerPlain struct{}

func (answerPlain) AnswerNow(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != "/" {
		return false
	}
	io.WriteString(w, "ok")
	return true
}

func testHeaderTimeout(t *testing.T, lane bool) {
	const header = 200 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Listen(ln, 10*header, header)
	srv := &http.Server{ConnState: l.ConnState, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(3 * header)
		}
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	})}
	var served net.Listener = l
	if lane {
		fl := fastlane.Listen(l, fastlane.Options{ConnState: l.ConnState})
		fl.Open(answerPlain{})
		served = fl
	}
	go srv.Serve(served)
	t.Cleanup(func() { srv.Close() })

	request := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, tc := range []struct {
		name     string
		steps    []string      // sent in turn, a pause apart
		pause    time.Duration // between steps
		answered int           // answers wanted before the connection ends
	}{
		{"silent", nil, 0, 0},
		{"headers a byte at a time", strings.Split("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaa", ""), header / 5, 0},
		{"idle between requests", []string{request, request}, 3 * header, 2},
		{"a slow answer", []string{"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n", request}, 0, 2},
		{"a slow body", []string{"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n", "a", "b", "c", "d", request}, header, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			answers := make(chan int, 1)
			go func() { answers <- countAnswers(c) }()
			for _, s := range tc.steps {
				if _, err := io.WriteString(c, s); err != nil {
					break // closed, as a test will tell
				}
				time.Sleep(tc.pause)
			}
			select {
			case n := <-answers:
				if n != tc.answered {
					t.Errorf("%d answers before the connection closed, want %d", n, tc.answered)
				}
			case <-time.After(4 * header):
				if tc.answered == 0 {
					t.Fatal("still open four header timeouts after the last step")
				}
				c.Close()
				if n := <-answers; n != tc.answered {
					t.Errorf("%d answers, want %d", n, tc.answered)
				}
			}
		})
	}
}

// countAnswers reads answers from c until it ends and counts them.
func countAnswers(c net.Conn) int {
	br := bufio.NewReader(c)
	n := 0
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return n
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		n++
	}
}
