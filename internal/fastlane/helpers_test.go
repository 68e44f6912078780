package fastlane

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// toy answers a few paths on the lane and, through net/http, everything
// else; its answers show what it was given.
type toy struct {
	lane    atomic.Int64  // requests answered on the lane
	release chan struct{} // /wait waits for it
	waiting chan struct{} // if not nil, /wait says here it is waiting
}

func (h *toy) answer(w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Path {
	case "/echo":
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range r.Header {
				if !yield(k) {
					return
				}
			}
		})
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "%s %q raw=%q force=%v host=%q close=%v uri=%q remote=%v\n", r.Method, r.URL.Path, r.URL.RawQuery,
			r.URL.ForceQuery, r.Host, r.Close, r.RequestURI, r.RemoteAddr != "")
		for _, k := range keys {
			fmt.Fprintf(w, "%s=%q\n", k, r.Header[k])
		}
	case "/sniff":
		_, _ = w.Write([]byte("<html><body>no type set</body></html>"))
	case "/empty":
	case "/big": // a large tile's size
		_, _ = w.Write(bytes.Repeat([]byte("x"), 100<<10))
	case "/shared": // a cached tile's bytes, not copied where the writer takes them
		w.Header().Set("Content-Length", strconv.Itoa(len(sharedBody)))
		writeShared(w, sharedBody)
	case "/tile": // a cached city tile's size: past the room an answer's head is built in
		w.Header().Set("Content-Length", strconv.Itoa(len(tileBody)))
		writeShared(w, tileBody)
	case "/shared-then-more":
		writeShared(w, sharedBody[:10])
		_, _ = w.Write([]byte(" and more"))
	case "/not-modified":
		w.Header().Set("Etag", `"v1"`)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotModified)
		_, _ = w.Write([]byte("never sent"))
	case "/origin":
		w.Header()["Access-Control-Allow-Origin"] = r.Header["Origin"]
		w.Header()["X-Spaced"] = []string{"  padded\r\nvalue  "}
		w.Header().Set("Content-Length", "2")
		_, _ = w.Write([]byte("ok"))
	case "/teapot":
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("short and stout"))
	case "/wait":
		if h.waiting != nil {
			h.waiting <- struct{}{}
		}
		<-h.release
		_, _ = w.Write([]byte("released"))
	default:
		return false
	}
	return true
}

// sharedBody is an answer's body that never changes, as a cached tile's.
var sharedBody = bytes.Repeat([]byte("s"), 240<<10)

// tileBody is a body as large as a cached city tile often is.
var tileBody = sharedBody[:10<<10]

// writeShared writes b without a copy where w takes it (SharedWriter).
func writeShared(w http.ResponseWriter, b []byte) {
	if sw, ok := w.(SharedWriter); ok {
		_, _ = sw.WriteShared(b)
	} else {
		_, _ = w.Write(b)
	}
}

// AnswerNow answers on the lane.
func (h *toy) AnswerNow(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Query().Get("decline") != "" || !h.answer(w, r) {
		return false
	}
	h.lane.Add(1)
	return true
}

// ServeHTTP answers through net/http: the same answers, and for other
// paths what it read of the body.
func (h *toy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/wait" || !h.answer(w, r) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "net/http: %s %s body=%q", r.Method, r.URL.RequestURI(), b)
	}
}

// serveLane serves h with the lane in front of net/http.
func serveLane(t *testing.T, h *toy, o Options) (string, *Listener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lane := Listen(ln, o)
	lane.Open(h)
	srv := &http.Server{Handler: h, ConnState: o.ConnState}
	go func() { _ = srv.Serve(lane) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = lane.Shutdown(ctx)
		_ = srv.Shutdown(ctx)
	})
	return ln.Addr().String(), lane
}

// serveNetHTTP serves h with net/http alone.
func serveNetHTTP(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// exchange sends raw on a new connection and reads n answers (fewer if the
// server closes), each as its status, its headers but Date, and its body.
func exchange(t *testing.T, addr, raw string, n int) []string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var asked *http.Request // GET
	if strings.HasPrefix(raw, "HEAD ") {
		asked = &http.Request{Method: http.MethodHead}
	}
	var out []string
	for range n {
		resp, err := http.ReadResponse(br, asked)
		if err != nil {
			out = append(out, "read: "+err.Error())
			break
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Header.Del("Date")
		var hd strings.Builder
		_ = resp.Header.Write(&hd)
		out = append(out, fmt.Sprintf("%s close=%v\n%s\n%s", resp.Status, resp.Close, hd.String(), body))
	}
	return out
}

const host = "Host: gridmap.test\r\n"
