package main

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestReadRESP(t *testing.T) {
	tests := []struct {
		name, reply string
		ok, fails   bool
	}{
		{"ids", "*2\r\n:0\r\n*2\r\n$6\r\n120101\r\n$9\r\n120101001\r\n", true, false},
		{"no ids", "*2\r\n:0\r\n*0\r\n", true, false},
		{"status", "+PONG\r\n", true, false},
		{"error", "-ERR invalid point\r\n", false, false},
		{"error inside an array", "*2\r\n:0\r\n-ERR x\r\n", false, false},
		{"null bulk", "$-1\r\n", true, false},
		{"cut short", "*2\r\n:0\r\n", false, true},
		{"unknown type", "?x\r\n", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tt.reply))
			ok, err := readRESP(r)
			if (err != nil) != tt.fails || ok != tt.ok {
				t.Fatalf("readRESP(%q) = %v, %v; want ok %v, failure %v", tt.reply, ok, err, tt.ok, tt.fails)
			}
			if err == nil && r.Buffered() != 0 {
				t.Errorf("left %d bytes unread", r.Buffered())
			}
		})
	}
}

func TestReadHTTP(t *testing.T) {
	tests := []struct {
		name, answer string
		ok, fails    bool
	}{
		{"ok", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", true, false},
		{"lower-case header", "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc", true, false},
		{"refused", "HTTP/1.1 400 Bad Request\r\nContent-Length: 1\r\n\r\nx", false, false},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", false, true},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", false, true},
		{"body cut short", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tt.answer))
			ok, err := readHTTP(r)
			if (err != nil) != tt.fails || (err == nil && ok != tt.ok) {
				t.Fatalf("readHTTP = %v, %v; want ok %v, failure %v", ok, err, tt.ok, tt.fails)
			}
		})
	}
}

// TestRunAsksEveryPointInTheBox runs the client against a real HTTP
// server: every request is a resolve inside the box, every answer read,
// and the refused ones counted as errors.
func TestRunAsksEveryPointInTheBox(t *testing.T) {
	b := box{117, 39, 117.5, 39.25}
	var asked, outside atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := asked.Add(1)
		lng, err1 := strconv.ParseFloat(r.URL.Query().Get("lng"), 64)
		lat, err2 := strconv.ParseFloat(r.URL.Query().Get("lat"), 64)
		if err1 != nil || err2 != nil || r.URL.Path != "/v1/resolve" ||
			lng < b.minLng || lng > b.maxLng || lat < b.minLat || lat > b.maxLat {
			outside.Add(1)
		}
		if n%10 == 0 {
			w.WriteHeader(http.StatusBadRequest)
		}
		w.Write([]byte(`{"status":"managed"}`))
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	tallies := run(host, 3, 200*time.Millisecond, b, func() asker { return askHTTP(host) })
	var answered, errors int
	for _, tl := range tallies {
		answered, errors = answered+len(tl.latencies), errors+tl.errors
	}
	if answered == 0 || int64(answered) != asked.Load() {
		t.Fatalf("answered %d of %d requests", answered, asked.Load())
	}
	if outside.Load() != 0 {
		t.Errorf("%d requests outside the box or malformed", outside.Load())
	}
	if want := answered / 10; errors != want {
		t.Errorf("counted %d errors, want %d (every tenth answer was a 400)", errors, want)
	}
}
