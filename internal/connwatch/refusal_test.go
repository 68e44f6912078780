package connwatch

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// problemOf is the tests' RefusalBody: the status and the reason, as JSON.
func problemOf(status int, reason string) (string, []byte) {
	return "application/problem+json", fmt.Appendf(nil, `{"status":%d,"reason":%q}`, status, reason)
}

// TestRefusalsAreProblems sends requests net/http refuses before any
// handler runs to a real server on a Listener, raw: each comes back as
// the RefusalBody's answer; a handler's own text/plain 400 is untouched.
func TestRefusalsAreProblems(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Listen(ln, time.Minute, 0)
	l.AnswerRefusals(problemOf)
	srv := &http.Server{MaxHeaderBytes: 1 << 10, ConnState: l.ConnState, ConnContext: l.ConnContext,
		Handler: l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "400 Bad Request", http.StatusBadRequest) // what a refusal says, from a handler
		}))}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	cases := []struct {
		name, request string
		status        int
		body          string // "": the handler's answer, as it wrote it
	}{
		{"headers too large", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\n\r\n", 431, `{"status":431,"reason":""}`},
		{"no Host", "GET / HTTP/1.1\r\n\r\n", 400, `{"status":400,"reason":"missing required Host header"}`},
		{"a malformed request line", "GET /\r\n\r\n", 400, `{"status":400,"reason":""}`},
		{"an unknown transfer coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, `{"status":501,"reason":""}`},
		{"an unknown protocol version", "GET / HTTP/2.1\r\nHost: x\r\n\r\n", 505, `{"status":505,"reason":"unsupported protocol version"}`},
		{"a handler's own 400", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := rawRequest(t, ln.Addr().String(), c.request)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			ct := resp.Header.Get("Content-Type")
			switch {
			case resp.StatusCode != c.status:
				t.Errorf("status %d, want %d: %s", resp.StatusCode, c.status, body)
			case c.body == "" && (ct != "text/plain; charset=utf-8" || string(body) != "400 Bad Request\n"):
				t.Errorf("the handler's answer was changed: %s %q", ct, body)
			case c.body != "" && (ct != "application/problem+json" || string(body) != c.body || resp.ContentLength != int64(len(body))):
				t.Errorf("answer %s (length %d) %q, want the problem %q", ct, resp.ContentLength, body, c.body)
			}
		})
	}
}

// TestBodiesAreNeverRefusals: a handler's body whose bytes after a buffer's
// edge read as a refusal goes out as written. An attacker's review made a
// photo of such bytes: the first version, judging writes by their bytes
// alone, cut the answer short or crashed the process on a short status.
func TestBodiesAreNeverRefusals(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Listen(ln, time.Minute, 0)
	l.AnswerRefusals(problemOf)
	tails := []string{
		"HTTP/1.1 400 Bad Request" + refusalHeaders + "400 Bad Request",
		"HTTP/1.1 4" + refusalHeaders + "ZZZ",
	}
	srv := &http.Server{ConnState: l.ConnState, ConnContext: l.ConnContext,
		Handler: l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			pad, _ := strconv.Atoi(r.URL.Query().Get("pad"))
			tail := tails[len(r.URL.Query().Get("tail"))%len(tails)]
			http.ServeContent(w, r, "photo.png", time.Time{}, strings.NewReader(strings.Repeat("x", pad)+tail))
		}))}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	for i, tail := range tails {
		t.Run(strconv.Quote(tail[:12]), func(t *testing.T) {
			// Every padding from 3.5 to 4.5 KiB: one puts the tail at the edge
			// of net/http's 4 KiB buffer, whatever the head's length.
			for pad := 3500; pad < 4600; pad++ {
				resp, err := http.Get(fmt.Sprintf("http://%s/?pad=%d&tail=%s", ln.Addr(), pad, strings.Repeat("t", i)))
				if err != nil {
					t.Fatalf("pad %d: %v", pad, err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || string(body) != strings.Repeat("x", pad)+tail {
					t.Fatalf("pad %d: %d, %d bytes, %v: the body was changed", pad, resp.StatusCode, len(body), err)
				}
			}
		})
	}
}

func rawRequest(t *testing.T, addr, request string) *http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestRefusalRecognition(t *testing.T) {
	cases := []struct {
		name   string
		write  string
		status int
		reason string
		ok     bool
	}{
		{"431", "HTTP/1.1 431 Request Header Fields Too Large" + refusalHeaders + "431 Request Header Fields Too Large", 431, "", true},
		{"400 with a reason", "HTTP/1.1 400 Bad Request: malformed Host header" + refusalHeaders + "400 Bad Request: malformed Host header", 400, "malformed Host header", true},
		{"a handler's answer", "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nDate: x\r\n\r\n", 0, "", false},
		{"a 200", "HTTP/1.1 200 OK" + refusalHeaders + "ok", 0, "", false},
		{"a status text not its own", "HTTP/1.1 400 Not Bad" + refusalHeaders + "x", 0, "", false},
		{"a longer body", "HTTP/1.1 400 Bad Request" + refusalHeaders + "400\r\nmore", 0, "", false},
		{"too long", "HTTP/1.1 400 Bad Request" + refusalHeaders + strings.Repeat("x", maxRefusal), 0, "", false},
		{"a short status line", "HTTP/1.1 4" + refusalHeaders + "ZZZ", 0, "", false},
		{"a status line of three digits", "HTTP/1.1 400" + refusalHeaders + "400", 0, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, reason, ok := refusal([]byte(c.write))
			if status != c.status || reason != c.reason || ok != c.ok {
				t.Errorf("refusal = %d %q %v, want %d %q %v", status, reason, ok, c.status, c.reason, c.ok)
			}
		})
	}
}

// BenchmarkRefusalOnAnswers is what recognising refusals costs each write
// of an ordinary answer: a resolve's (200) and a 404's head.
func BenchmarkRefusalOnAnswers(b *testing.B) {
	for _, w := range []string{
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 667\r\nDate: Sat, 05 Dec 2026 10:00:00 GMT\r\n\r\n" + strings.Repeat("x", 667),
		"HTTP/1.1 404 Not Found\r\nContent-Type: application/problem+json\r\nDate: Sat, 05 Dec 2026 10:00:00 GMT\r\nContent-Length: 120\r\n\r\n",
	} {
		b.Run(w[9:12], func(b *testing.B) {
			p := []byte(w)
			for b.Loop() {
				if _, _, ok := refusal(p); ok {
					b.Fatal("an answer taken for a refusal")
				}
			}
		})
	}
}

// TestRefusalsNeedTheMarks: a server that does not mark its connections
// (no Handler, no ConnContext) has no write taken for a refusal: its
// handlers' bytes could not be told from one.
func TestRefusalsNeedTheMarks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Listen(ln, time.Minute, 0)
	l.AnswerRefusals(problemOf)
	srv := &http.Server{Handler: http.NotFoundHandler()}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	resp := rawRequest(t, ln.Addr().String(), "GET / HTTP/1.1\r\n\r\n")
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 400 || ct != "text/plain; charset=utf-8" {
		t.Errorf("%d %s, want net/http's own 400", resp.StatusCode, ct)
	}
}
