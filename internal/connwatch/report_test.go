package connwatch

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// records is a slog.Handler keeping what is logged.
type records struct {
	mu   sync.Mutex
	list []slog.Record
}

func (h *records) Enabled(context.Context, slog.Level) bool { return true }
func (h *records) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *records) WithGroup(string) slog.Handler            { return h }
func (h *records) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.list = append(h.list, r)
	return nil
}

// reasons returns the level and count logged per reason.
func (h *records) reasons() map[string][2]int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string][2]int64{}
	for _, r := range h.list {
		var why string
		var n int64
		r.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "reason":
				why = a.Value.String()
			case "count":
				n = a.Value.Int64()
			}
			return true
		})
		got := out[why]
		out[why] = [2]int64{int64(r.Level), got[1] + n}
	}
	return out
}

// TestCutsAreReported: what the sweep closes is logged a line per reason,
// a warning when a request was under way and debug for an idle keep-alive.
func TestCutsAreReported(t *testing.T) {
	log := &records{}
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(log))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Listen(ln, timeout, timeout/2)
	t.Cleanup(func() { l.Close() })
	pairs := func(n int) []net.Conn {
		var servers []net.Conn
		for range n {
			_, s := pair(t, l)
			servers = append(servers, s)
		}
		return servers
	}
	for _, s := range pairs(2) { // the server has read their headers; nothing moves
		l.ConnState(s, http.StateActive)
	}
	for _, s := range pairs(3) { // answered a request, waiting for the next
		l.ConnState(s, http.StateActive)
		l.ConnState(s, http.StateIdle)
	}
	slow, s := pair(t, l) // half a request's headers
	go s.Read(make([]byte, 64))
	if _, err := slow.Write([]byte("GET / HT")); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(10 * timeout)
	for l.Watched() > 0 && time.Now().Before(deadline) {
		time.Sleep(timeout / 8)
	}
	if n := l.Watched(); n != 0 {
		t.Fatalf("%d connections still open", n)
	}
	want := map[string][2]int64{
		reasonText[stalledRequest]: {int64(slog.LevelWarn), 2},
		reasonText[idle]:           {int64(slog.LevelDebug), 3},
		reasonText[slowHeaders]:    {int64(slog.LevelWarn), 1},
	}
	got := log.reasons()
	for why, w := range want {
		if got[why] != w {
			t.Errorf("%q: logged (level, count) %v, want %v", why, got[why], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("logged %v, want %v", got, want)
	}
}
