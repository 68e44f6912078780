package fastlane

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLaneAnswersAsNetHTTP sends the same bytes to the lane and to net/http
// alone and compares the answers: what the lane serves, it serves as
// net/http would; what it does not, net/http gets intact.
func TestLaneAnswersAsNetHTTP(t *testing.T) {
	h := &toy{release: make(chan struct{})}
	close(h.release)
	laneAddr, _ := serveLane(t, h, Options{})
	plainAddr := serveNetHTTP(t, h)
	bigHeader := "X-Big: " + strings.Repeat("b", headMax) + "\r\n"
	for _, tc := range []struct {
		name    string
		raw     string
		answers int
		onLane  int64 // of the answers, how many the lane gave
	}{
		{"a plain GET", "GET /echo?a=1&b=%20 HTTP/1.1\r\n" + host + "\r\n", 1, 1},
		{"headers in any case, repeated, padded", "GET /echo HTTP/1.1\r\nhost: gridmap.test\r\naccept-ENCODING: gzip\r\n" +
			"X-Odd_Name: \t a \t\r\nOrigin: https://a.example\r\norigin: https://b.example\r\nX-Empty:\r\n\r\n", 1, 1},
		{"an empty query", "GET /echo? HTTP/1.1\r\n" + host + "\r\n", 1, 1},
		{"Connection: close", "GET /echo HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n", 1, 1},
		{"Connection: keep-alive, Close", "GET /echo HTTP/1.1\r\n" + host + "Connection: keep-alive, Close\r\n\r\n", 1, 1},
		{"a sniffed type", "GET /sniff HTTP/1.1\r\n" + host + "\r\n", 1, 1},
		{"no body at all", "GET /empty HTTP/1.1\r\n" + host + "\r\n", 1, 1},
		{"a shared body", "GET /shared HTTP/1.1\r\n" + host + "\r\n", 1, 1},
		{"a shared body, then more", "GET /shared-then-more HTTP/1.1\r\n" + host + "\r\n", 1, 1},
		{"304", "GET /not-modified HTTP/1.1\r\n" + host + "\r\n", 1, 1},
		{"a status without a name in a header", "GET /teapot HTTP/1.1\r\n" + host + "\r\n", 1, 1},
		{"a reflected origin, a padded value", "GET /origin HTTP/1.1\r\n" + host + "Origin: https://o.example\r\n\r\n", 1, 1},
		{"three pipelined", strings.Repeat("GET /echo?n HTTP/1.1\r\n"+host+"\r\n", 3), 3, 3},
		{"served, then a POST", "GET /echo HTTP/1.1\r\n" + host + "\r\nPOST /post HTTP/1.1\r\n" + host +
			"Content-Length: 5\r\n\r\nhelloGET /echo HTTP/1.1\r\n" + host + "\r\n", 3, 1},
		{"declined", "GET /echo?decline=1 HTTP/1.1\r\n" + host + "\r\n", 1, 0},
		{"not the lane's path", "GET /elsewhere HTTP/1.1\r\n" + host + "\r\n", 1, 0},
		{"a body", "GET /echo HTTP/1.1\r\n" + host + "Content-Length: 4\r\n\r\nbody", 1, 0},
		{"an empty body", "GET /echo HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n", 1, 0},
		{"chunked", "GET /echo HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 1, 0},
		{"both lengths", "GET /echo HTTP/1.1\r\n" + host + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 1, 0},
		{"Expect", "GET /echo HTTP/1.1\r\n" + host + "Expect: 100-continue\r\n\r\n", 1, 0},
		{"Upgrade", "GET /echo HTTP/1.1\r\n" + host + "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n", 1, 0},
		{"HEAD", "HEAD /echo HTTP/1.1\r\n" + host + "\r\n", 1, 0},
		{"lower-case method", "get /echo HTTP/1.1\r\n" + host + "\r\n", 1, 0},
		{"HTTP/1.0", "GET /echo HTTP/1.0\r\n" + host + "\r\n", 1, 0},
		{"absolute form", "GET http://gridmap.test/echo HTTP/1.1\r\n" + host + "\r\n", 1, 0},
		{"an escaped path", "GET /%65cho HTTP/1.1\r\n" + host + "\r\n", 1, 0},
		{"a path net/url escapes", "GET /echo\"x HTTP/1.1\r\n" + host + "\r\n", 1, 0},
		{"a fragment", "GET /echo#x HTTP/1.1\r\n" + host + "\r\n", 1, 0},
		{"no Host", "GET /echo HTTP/1.1\r\n\r\n", 1, 0},
		{"two Hosts", "GET /echo HTTP/1.1\r\n" + host + host + "\r\n", 1, 0},
		{"a Host with a slash", "GET /echo HTTP/1.1\r\nHost: a/b\r\n\r\n", 1, 0},
		{"a space before the colon", "GET /echo HTTP/1.1\r\n" + host + "X-A : 1\r\n\r\n", 1, 0},
		{"a folded line", "GET /echo HTTP/1.1\r\n" + host + "X-A: 1\r\n 2\r\n\r\n", 1, 0},
		{"a control byte", "GET /echo HTTP/1.1\r\n" + host + "X-A: 1\x01\r\n\r\n", 1, 0},
		{"a byte above ASCII", "GET /echo HTTP/1.1\r\n" + host + "X-A: caf\xc3\xa9\r\n\r\n", 1, 0},
		{"bare LFs", "GET /echo HTTP/1.1\n" + host[:len(host)-2] + "\n\n", 1, 0},
		{"a bare LF inside", "GET /echo HTTP/1.1\r\n" + host + "X-A: 1\n\r\n", 1, 0},
		{"a head longer than the lane reads", "GET /echo HTTP/1.1\r\n" + host + bigHeader + "\r\n", 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := h.lane.Load()
			got := exchange(t, laneAddr, tc.raw, tc.answers)
			if served := h.lane.Load() - before; served != tc.onLane {
				t.Errorf("the lane answered %d, want %d", served, tc.onLane)
			}
			want := exchange(t, plainAddr, tc.raw, tc.answers)
			if !slices.Equal(got, want) {
				t.Errorf("through the lane:\n%s\nnet/http alone:\n%s", strings.Join(got, "\n--\n"), strings.Join(want, "\n--\n"))
			}
		})
	}
}

// TestLaneBeforeOpen: until an Answerer is given, net/http answers all.
func TestLaneBeforeOpen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lane := Listen(ln, Options{})
	h := &toy{}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(lane) }()
	defer srv.Close()
	got := exchange(t, ln.Addr().String(), "GET /echo HTTP/1.1\r\n"+host+"\r\n", 1)
	if h.lane.Load() != 0 || len(got) != 1 || !strings.HasPrefix(got[0], "200 OK") {
		t.Errorf("before Open: lane answered %d; %q", h.lane.Load(), got)
	}
}

// TestLaneTellsConnStates: the hook hears of each request the lane answers
// as net/http would tell it (active, then idle), on the connection the
// listener underneath accepted.
func TestLaneTellsConnStates(t *testing.T) {
	var mu sync.Mutex
	var states []http.ConnState
	var conns = map[net.Conn]bool{}
	hook := func(c net.Conn, s http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		states = append(states, s)
		conns[c] = true
	}
	addr, _ := serveLane(t, &toy{}, Options{ConnState: hook})
	exchange(t, addr, strings.Repeat("GET /echo HTTP/1.1\r\n"+host+"\r\n", 2), 2)
	want := []http.ConnState{http.StateActive, http.StateIdle, http.StateActive, http.StateIdle}
	// The last idle comes after the answer has left: the client may have
	// read it first.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(states)
		mu.Unlock()
		if n >= len(want) {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(states, want) || len(conns) != 1 {
		t.Errorf("states %v on %d connections, want %v on one", states, len(conns), want)
	}
	for c := range conns {
		if _, ok := c.(*net.TCPConn); !ok {
			t.Errorf("the hook was given a %T, want the accepted *net.TCPConn", c)
		}
	}
}

// TestLaneShutdown: Shutdown closes idle connections at once and waits for
// an answer under way.
func TestLaneShutdown(t *testing.T) {
	h := &toy{release: make(chan struct{}), waiting: make(chan struct{}, 1)}
	addr, lane := serveLane(t, h, Options{})
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	answered := make(chan []string)
	go func() { answered <- exchange(t, addr, "GET /wait HTTP/1.1\r\n"+host+"\r\n", 1) }()
	<-h.waiting // the request is under way
	done := make(chan error)
	go func() { done <- lane.Shutdown(context.Background()) }()
	_ = idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := idle.Read(make([]byte, 1)); err == nil {
		t.Errorf("an idle connection read %d bytes, want it closed", n)
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v before the answer", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(h.release)
	if got := <-answered; len(got) != 1 || !strings.HasPrefix(got[0], "200 OK close=true") || !strings.HasSuffix(got[0], "released") {
		t.Errorf("the request under way got %q, want its answer with Connection: close", got)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Error("a new connection was accepted after Shutdown")
	}
}

// TestLaneClientGone: a client that hangs up before its answer, or after
// half a request, costs the lane nothing but the connection.
func TestLaneClientGone(t *testing.T) {
	addr, lane := serveLane(t, &toy{}, Options{})
	for _, raw := range []string{"GET /echo HTTP/1.1\r\n" + host + "\r\n", "GET /echo HTTP/1.1\r\nHo"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(c, raw)
		_ = c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		lane.mu.Lock()
		n := len(lane.conns)
		lane.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still served after their clients left", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLaneConcurrently: connections answered at once, some handed to
// net/http halfway, each get their own answers in order (run under -race
// by make test).
func TestLaneConcurrently(t *testing.T) {
	h := &toy{release: make(chan struct{})}
	close(h.release)
	addr, lane := serveLane(t, h, Options{})
	var wg sync.WaitGroup
	for conn := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var raw strings.Builder
			for i := range 50 {
				if conn%4 == 0 && i == 25 {
					raw.WriteString("POST /post HTTP/1.1\r\n" + host + "Content-Length: 2\r\n\r\nhi")
				}
				fmt.Fprintf(&raw, "GET /echo?c=%d&i=%d HTTP/1.1\r\n%s\r\n", conn, i, host)
			}
			want := 50 + map[bool]int{true: 1}[conn%4 == 0]
			answers := exchange(t, addr, raw.String(), want)
			for i, i2 := 0, 0; i < len(answers); i++ {
				if conn%4 == 0 && i == 25 {
					if !strings.Contains(answers[i], `net/http: POST /post body="hi"`) {
						t.Errorf("connection %d, answer %d: %q, want the POST's", conn, i, answers[i])
					}
					continue
				}
				if q := fmt.Sprintf(`raw="c=%d&i=%d"`, conn, i2); !strings.Contains(answers[i], q) {
					t.Errorf("connection %d, answer %d: %q, want %s", conn, i, answers[i], q)
				}
				i2++
			}
			if len(answers) != want {
				t.Errorf("connection %d: %d answers, want %d", conn, len(answers), want)
			}
		}()
	}
	wg.Wait()
	// Every GET of the 12 connections without a POST, and the 25 before the
	// POST of the 4 with one, which then go to net/http.
	if n := h.lane.Load(); n != 12*50+4*25 {
		t.Errorf("the lane answered %d, want %d", n, 12*50+4*25)
	}
	if got, want := lane.Stats(), (Stats{Connections: 16, Answered: uint64(h.lane.Load()), HandedOver: 4}); got != want {
		t.Errorf("the lane's counts: %+v, want %+v", got, want)
	}
}
