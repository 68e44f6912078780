package api

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// floorForTest shortens the floor so that a test sees it act in a second:
// 200 ms of grace, 1 MiB/s, 64 KiB free.
func floorForTest(t *testing.T) {
	grace, rate, free := slowTransferGrace, minTransferRate, floorFreeBytes
	slowTransferGrace, minTransferRate, floorFreeBytes = 200*time.Millisecond, 1<<20, 64<<10
	t.Cleanup(func() { slowTransferGrace, minTransferRate, floorFreeBytes = grace, rate, free })
}

// smallBuffers accepts connections with 32 KiB send buffers, so that a
// client that stops reading blocks the server's writes after a few hundred
// KiB rather than after the megabytes loopback's buffers take.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(32 << 10)
	}
	return c, err
}

// serveSmallBuffers serves h on a listener with small send buffers.
func serveSmallBuffers(t *testing.T, h http.Handler) string {
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// stalledRead sends a raw request, reads nothing for stall, then reads the
// whole answer: its status, its body as far as it came and whether it
// ended as HTTP says it should.
func stalledRead(t *testing.T, addr, request string, stall time.Duration) (status int, body []byte, complete bool) {
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
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, nil, false
	}
	body, err = io.ReadAll(resp.Body)
	return resp.StatusCode, body, err == nil
}

// TestAnswerFloor: an answer whose client stops reading is cut once its
// waiting outlasts the floor, unless it is an event stream; one read at
// once arrives whole, however large.
func TestAnswerFloor(t *testing.T) {
	floorForTest(t)
	const size = 4 << 20
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.Use(floorRates())
	engine.GET("/answer", func(c *gin.Context) {
		c.Header("Content-Type", c.Query("type"))
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for n := 0; n < size; n += len(chunk) {
			if _, err := c.Writer.Write(chunk); err != nil {
				return
			}
		}
	})
	addr := serveSmallBuffers(t, engine)
	for _, tc := range []struct {
		name, contentType string
		stall             time.Duration
		wantWhole         bool
	}{
		{"read at once", "application/json", 0, true},
		{"stalled", "application/json", 2 * time.Second, false},
		{"stalled event stream", "text/event-stream", 2 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := "GET /answer?type=" + tc.contentType + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
			status, body, complete := stalledRead(t, addr, req, tc.stall)
			whole := status == 200 && complete && len(body) == size
			if whole != tc.wantWhole {
				t.Errorf("%d, %d of %d bytes, complete %v; want whole %v", status, len(body), size, complete, tc.wantWhole)
			}
			if !tc.wantWhole && (len(body) == 0 || len(body) >= size/2) {
				t.Errorf("cut after %d bytes: want it cut after the free bytes and the buffers, not before", len(body))
			}
		})
	}
}

// TestAnswerFloorLifted: a connection that carried a floored answer takes
// its next request without the old deadline, however long after.
func TestAnswerFloorLifted(t *testing.T) {
	floorForTest(t)
	s := newFakeServer(t, nil)
	body := batchOf(4000)
	for i := range 2 {
		r := s.req(t, "POST", "/v1/resolve", "", body)
		if r.status != 200 || len(r.body) < 1<<20 || !bytes.HasSuffix(r.body, []byte("]}")) {
			t.Fatalf("batch %d: %d, %d bytes", i, r.status, len(r.body))
		}
		time.Sleep(3 * slowTransferGrace) // past any deadline the first one set
	}
}

// TestBodyFloor: a body trickling in below the floor gets 400 naming it; a
// body sent at once, however large, is read.
func TestBodyFloor(t *testing.T) {
	floorForTest(t)
	s := newFakeServer(t, nil)
	body := batchOf(20000)
	if r := s.req(t, "POST", "/v1/resolve", "", body); r.status != 200 {
		t.Fatalf("a batch sent at once: %d %.200s", r.status, r.body)
	}
	pr, pw := io.Pipe()
	go func() {
		pw.Write(body[:64])
		for _, b := range body[64:] {
			time.Sleep(50 * time.Millisecond)
			if _, err := pw.Write([]byte{b}); err != nil {
				return
			}
		}
		pw.Close()
	}()
	defer pw.CloseWithError(io.ErrClosedPipe)
	started := time.Now()
	resp, err := http.Post(s.srv.URL+"/v1/resolve", "application/json", pr)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantProblem(t, response{status: resp.StatusCode, header: resp.Header, body: b}, 400, "body")
	if !strings.Contains(string(b), "slower than") {
		t.Errorf("the problem does not say why: %s", b)
	}
	if took := time.Since(started); took > 5*time.Second {
		t.Errorf("refused after %v", took)
	}
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
