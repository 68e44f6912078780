package api

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/internal/connwatch"
	"github.com/gridmap-dev/gridmap/internal/logtest"
)

// floorForTest shortens the floor so that a test sees it act in a second:
// 200 ms of grace, 1 MiB/s, 64 KiB free, 10 ms of slack.
func floorForTest(t *testing.T) {
	grace, rate, free, slack := slowTransferGrace, minTransferRate, floorFreeBytes, floorSlack
	slowTransferGrace, minTransferRate, floorFreeBytes, floorSlack = 200*time.Millisecond, 1<<20, 64<<10, 10*time.Millisecond
	t.Cleanup(func() { slowTransferGrace, minTransferRate, floorFreeBytes, floorSlack = grace, rate, free, slack })
}

// serveWatched serves h as gridmap serves: on connwatch's listener, whose
// sockets queue little unsent, so that a client that stops reading blocks
// the server's writes after a few hundred KiB rather than after the
// megabytes loopback's buffers take.
func serveWatched(t *testing.T, h http.Handler) string {
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = connwatch.Listen(srv.Listener, time.Minute, 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// stalledRead sends a raw request, reads nothing for stall, then reads the
// whole answer, at most rate bytes a second (0: at once): its status, its
// body as far as it came and whether it ended as HTTP says it should.
func stalledRead(t *testing.T, addr, request string, stall time.Duration, rate int) (status int, body []byte, complete bool) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(32 << 10)
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	time.Sleep(stall)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var r io.Reader = conn
	if rate > 0 {
		r = &throttled{r: conn, rate: rate, start: time.Now()}
	}
	resp, err := http.ReadResponse(bufio.NewReader(r), nil)
	if err != nil {
		return 0, nil, false
	}
	body, err = io.ReadAll(resp.Body)
	return resp.StatusCode, body, err == nil
}

// throttled reads at most rate bytes a second.
type throttled struct {
	r     io.Reader
	rate  int
	start time.Time
	read  int
}

func (t *throttled) Read(p []byte) (int, error) {
	time.Sleep(time.Until(t.start.Add(time.Duration(t.read) * time.Second / time.Duration(t.rate))))
	n, err := t.r.Read(p[:min(len(p), t.rate/50)])
	t.read += n
	return n, err
}

// TestAnswerFloor: an answer whose client stops reading is cut once its
// waiting outlasts the floor, and the cut logged, unless it is an event
// stream; one read at
// once, or at twice the floor, arrives whole however it was written, and
// the time the handler itself takes between writes is not the client's.
func TestAnswerFloor(t *testing.T) {
	floorForTest(t)
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.Use(floorRates())
	engine.GET("/answer", func(c *gin.Context) {
		c.Header("Content-Type", c.Query("type"))
		size, _ := strconv.Atoi(c.Query("size"))
		piece, pause := 64<<10, time.Duration(0)
		switch c.Query("write") {
		case "whole":
			piece = size
		case "pausing": // the handler's own work between writes, longer than its pieces' credit
			piece, pause = size/4, 3*slowTransferGrace
		}
		chunk := bytes.Repeat([]byte("x"), piece)
		for n := 0; n < size; n += len(chunk) {
			if _, err := c.Writer.Write(chunk); err != nil {
				return
			}
			time.Sleep(pause)
		}
	})
	addr := serveWatched(t, engine)
	logs := logtest.Record(t)
	for _, tc := range []struct {
		name, contentType, write string
		size                     int
		stall                    time.Duration
		rate                     int // the client's, bytes a second; 0: at once
		wantWhole                bool
	}{
		{"read at once", "application/json", "pieces", 4 << 20, 0, 0, true},
		{"read at twice the floor, written whole", "application/json", "whole", 1 << 20, 0, 2 << 20, true},
		{"the handler pausing", "application/json", "pausing", 1 << 20, 0, 0, true},
		{"stalled", "application/json", "pieces", 4 << 20, 2 * time.Second, 0, false},
		{"stalled, written whole", "application/json", "whole", 4 << 20, 2 * time.Second, 0, false},
		{"stalled event stream", "text/event-stream", "pieces", 4 << 20, 2 * time.Second, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := fmt.Sprintf("GET /answer?type=%s&write=%s&size=%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
				tc.contentType, tc.write, tc.size)
			logged := len(logs.Records())
			status, body, complete := stalledRead(t, addr, req, tc.stall, tc.rate)
			whole := status == 200 && complete && len(body) == tc.size
			if whole != tc.wantWhole {
				t.Errorf("%d, %d of %d bytes, complete %v; want whole %v", status, len(body), tc.size, complete, tc.wantWhole)
			}
			if !tc.wantWhole && (len(body) == 0 || len(body) >= tc.size/2) {
				t.Errorf("cut after %d bytes: want it cut after the free bytes and the buffers, not before", len(body))
			}
			cuts := 0
			for _, r := range logs.Records()[logged:] {
				if strings.Contains(r, "answer cut") && strings.Contains(r, "path=/answer") {
					cuts++
				}
			}
			if want := map[bool]int{true: 0, false: 1}[tc.wantWhole]; cuts != want {
				t.Errorf("logged %d cuts, want %d", cuts, want)
			}
		})
	}
}

// TestBodyFloor: a body trickling in below the floor gets 400 naming it,
// sent chunked or with its length, and a body the handler refuses unread
// gets its answer (net/http discards such a body before answering); a body
// sent at once, however large, is read.
func TestBodyFloor(t *testing.T) {
	floorForTest(t)
	s := newFakeServer(t, nil)
	body := batchOf(20000)
	if r := s.req(t, "POST", "/v1/resolve", "", body); r.status != 200 {
		t.Fatalf("a batch sent at once: %d %.200s", r.status, r.body)
	}
	for _, tc := range []struct {
		name, path  string
		withLength  bool
		status      int
		field, says string
	}{
		{"chunked", "/v1/resolve", false, 400, "body", "slower than"},
		{"with its length", "/v1/resolve", true, 400, "body", "slower than"},
		{"refused unread", "/v1/imports", true, 401, "Authorization", "bearer token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, stop := trickle(body, 50*time.Millisecond)
			defer stop()
			req, _ := http.NewRequest("POST", s.srv.URL+tc.path, r)
			req.Header.Set("Content-Type", "application/json")
			if tc.withLength {
				req.ContentLength = int64(len(body))
			}
			started := time.Now()
			resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			wantProblem(t, response{status: resp.StatusCode, header: resp.Header, body: b}, tc.status, tc.field)
			if !strings.Contains(string(b), tc.says) {
				t.Errorf("the problem does not say why: %s", b)
			}
			if took := time.Since(started); took > 2*time.Second {
				t.Errorf("answered after %v", took)
			}
		})
	}
}

// TestUnreadBodyDuringAnswer: a handler that answers more than net/http
// holds back (the OpenAPI document) without reading the trickled body gets
// its answer out: net/http discards the body as the headers leave, under
// the floor (a reviewer's case: the handler was held inside its write).
func TestUnreadBodyDuringAnswer(t *testing.T) {
	floorForTest(t)
	s := newFakeServer(t, nil)
	body := batchOf(20000)
	r, stop := trickle(body, 50*time.Millisecond)
	defer stop()
	req, _ := http.NewRequest("GET", s.srv.URL+"/openapi.json", r)
	req.ContentLength = int64(len(body))
	started := time.Now()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || err != nil || n < 4<<10 {
		t.Errorf("%d, %d bytes, %v", resp.StatusCode, n, err)
	}
	if took := time.Since(started); took > 2*time.Second {
		t.Errorf("answered after %v", took)
	}
}

// trickle is body as a slow client sends it: its first 64 bytes, then a
// byte every pause, until stop.
func trickle(body []byte, pause time.Duration) (r io.Reader, stop func()) {
	pr, pw := io.Pipe()
	go func() {
		pw.Write(body[:64])
		for _, b := range body[64:] {
			time.Sleep(pause)
			if _, err := pw.Write([]byte{b}); err != nil {
				return
			}
		}
		pw.Close()
	}()
	return pr, func() { pw.CloseWithError(io.ErrClosedPipe) }
}

// batchOf is a batch request of n points in the fake city.
func batchOf(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"points":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%.6f,39.13]", 117.1+0.09*float64(i)/float64(n))
	}
	b.WriteString("]}")
	return []byte(b.String())
}
