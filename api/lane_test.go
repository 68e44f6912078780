package api

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/internal/fastlane"
)

// countingAnswerer counts the requests its Answerer answered.
type countingAnswerer struct {
	fastlane.Answerer
	answered atomic.Int64
}

func (c *countingAnswerer) AnswerNow(w http.ResponseWriter, r *http.Request) bool {
	ok := c.Answerer.AnswerNow(w, r)
	if ok {
		c.answered.Add(1)
	}
	return ok
}

// TestLaneAnswersAsNetHTTP: the handler New returns answers on the fast
// lane (internal/fastlane) exactly the resolves its fast path takes, and
// every resolve, answered on the lane or handed to net/http, gets over the
// wire what net/http alone sends for it: status, headers but Date, body.
func TestLaneAnswersAsNetHTTP(t *testing.T) {
	db, svc := openDemoService(t)
	whole := New(Deps{Units: db, Resolver: svc, CORSOrigins: []string{"*"}, Registry: prometheus.NewRegistry(),
		Ready: func(ctx context.Context) error { return svc.Ready() }})
	answerer, ok := whole.(fastlane.Answerer)
	if !ok {
		t.Fatalf("New returns a %T, not a fastlane.Answerer", whole)
	}
	counted := &countingAnswerer{Answerer: answerer}
	laneAddr := serveOnLane(t, whole, counted)
	plainAddr := serveOnNetHTTP(t, whole)
	enc, err := db.GetEnclave(context.Background(), demo.EnclaveCode, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	in := enc.Geom.Bound().Center()
	for _, tc := range resolveFastCases(fmt.Sprintf("lng=%v&lat=%v", in[0], in[1]), svc.Version()) {
		t.Run(tc.name, func(t *testing.T) {
			before := counted.answered.Load()
			got := askOnce(t, laneAddr, tc)
			onLane := counted.answered.Load() - before
			if tc.method == http.MethodHead || tc.target == "/v1/%72esolve?lng=117.15&lat=39.11" || tc.body != "" {
				tc.fast = false // the lane leaves these to net/http before asking the fast path
			}
			if onLane != map[bool]int64{true: 1}[tc.fast] {
				t.Errorf("answered on the lane: %d, want the fast path's %v", onLane, tc.fast)
			}
			if want := askOnce(t, plainAddr, tc); got != want {
				t.Errorf("through the lane:\n%s\nnet/http alone:\n%s", got, want)
			}
		})
	}
}

// serveOnLane serves h with the lane (answering through a) in front of
// net/http.
func serveOnLane(t *testing.T, h http.Handler, a fastlane.Answerer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lane := fastlane.Listen(ln, fastlane.Options{})
	lane.Open(a)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(lane) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = lane.Shutdown(ctx)
		_ = srv.Shutdown(ctx)
	})
	return ln.Addr().String()
}

// serveOnNetHTTP serves h with net/http alone.
func serveOnNetHTTP(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// askOnce sends tc's request on a new connection to addr and returns the
// answer's status, headers but Date, and body.
func askOnce(t *testing.T, addr string, tc fastCase) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	req := tc.request()
	if err := req.Write(c); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Header.Del("Date")
	return fmt.Sprintf("%s %v\n%s", resp.Status, resp.Header, body)
}
