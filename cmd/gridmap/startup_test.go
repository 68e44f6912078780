package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo/demotest"
)

// TestServeWaitsForTheDatabase starts serve before its database answers
// (its port refuses connections, as a database still starting does): the
// node answers /healthz and a 503 that says it is starting, and comes up,
// with no restart, once the database does; a stop ends it cleanly.
func TestServeWaitsForTheDatabase(t *testing.T) {
	db := demotest.Open(t)
	dbPort := freePort(t)
	u, err := url.Parse(db.URL())
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	u.Host = dbPort
	addr := freePort(t)
	cmd := exec.Command(binary(t), "serve", "--addr", addr, "--database-url", u.String(), "--demo=false")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	base := "http://" + addr

	waitFor(t, "/healthz while the database does not answer", func() bool {
		status, body := get(base + "/healthz")
		return status == http.StatusOK && strings.Contains(body, "starting")
	})
	for _, path := range []string{"/readyz", "/v1/resolve?lng=117.2&lat=39.13"} {
		if status, body := get(base + path); status != http.StatusServiceUnavailable || !strings.Contains(body, "connecting to the database") {
			t.Errorf("GET %s while starting: %d %s, want 503 saying it connects to the database", path, status, body)
		}
	}
	forward(t, dbPort, target) // the database answers now
	waitFor(t, "/readyz once the database answers", func() bool {
		status, _ := get(base + "/readyz")
		return status == http.StatusOK
	})
	if status, body := get(base + "/v1/resolve?lng=117.2&lat=39.13"); status != http.StatusOK {
		t.Errorf("resolve once up: %d %s", status, body)
	}
	// net/http's own refusals (before any handler, after the lane hands the
	// connection on) are problems too.
	for _, request := range []string{
		"GET /v1/resolve?lng=117.2&lat=39.13 HTTP/1.1\r\n\r\n",
		"GET /v1/resolve?lng=117.2&lat=39.13 HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2<<20) + "\r\n\r\n",
	} {
		if status, ct, body := rawAnswer(t, addr, request); status/100 != 4 || ct != "application/problem+json" || !strings.Contains(body, `"field"`) {
			t.Errorf("a request net/http refuses: %d %s %.200s", status, ct, body)
		}
	}
	// A resolve on a connection of its own is answered on the fast lane,
	// and /metrics counts it.
	alone := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := alone.Get(base + "/v1/resolve?lng=117.2&lat=39.13")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	_, metrics := get(base + "/metrics")
	for _, want := range []string{`(?m)^gridmap_fastlane_answered_total [1-9]`, `(?m)^gridmap_fastlane_connections_total [1-9]`,
		`(?m)^gridmap_fastlane_handed_over_total [0-9]`, `(?m)^gridmap_import_queue_places 5$`, `(?m)^gridmap_import_queue_places_held 0$`,
		`(?m)^gridmap_database_standby 0$`, `(?m)^gridmap_database_replay_lag_seconds 0$`, `(?m)^gridmap_database_version [1-9]`,
		`(?m)^gridmap_photo_uploads_under_way 0$`} {
		if !regexp.MustCompile(want).MatchString(metrics) {
			t.Errorf("/metrics has no line like %s", want)
		}
	}
	if !strings.Contains(stderr.String(), "waiting for the database") {
		t.Errorf("the log does not say it waited:\n%s", stderr.String())
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve stopped with %v:\n%s", err, stderr.String())
	}
}

// TestServeRefusesAWrongRoleAtOnce: a database that answers and refuses the
// login is a mistake to fix, not an outage to wait out.
func TestServeRefusesAWrongRoleAtOnce(t *testing.T) {
	db := demotest.Open(t)
	u, err := url.Parse(db.URL())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("no_such_role", "x")
	start := time.Now()
	exit, stderr := runBinary(t, binary(t), "serve", "--addr", "127.0.0.1:0", "--database-url", u.String())
	if exit != 1 || !strings.Contains(stderr, "no_such_role") || time.Since(start) > 20*time.Second {
		t.Errorf("exit %d after %v: %s; want 1 at once, naming the role", exit, time.Since(start), stderr)
	}
}

// freePort returns a local address no one listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// forward accepts connections on addr and relays them to target until the
// test ends.
func forward(t *testing.T, addr, target string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go relay(c, target)
		}
	}()
}

func relay(c net.Conn, target string) {
	defer c.Close()
	d, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer d.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(d, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, d); done <- struct{}{} }()
	<-done
}

// get returns a GET's status and body (0 when nothing answered).
func get(u string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitFor polls cond for up to 60 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestBrowseURL: the start-up line says where a browser on the machine
// opens the dashboard, whatever address the server listens on.
func TestBrowseURL(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{"[::]:8080", "http://localhost:8080/"},
		{"0.0.0.0:8080", "http://localhost:8080/"},
		{"127.0.0.1:18430", "http://127.0.0.1:18430/"},
		{"[::1]:8080", "http://[::1]:8080/"},
		{"10.1.2.3:80", "http://10.1.2.3:80/"},
	} {
		t.Run(c.addr, func(t *testing.T) {
			addr, err := net.ResolveTCPAddr("tcp", c.addr)
			if err != nil {
				t.Fatal(err)
			}
			if got := browseURL(addr); got != c.want {
				t.Errorf("browseURL(%s) = %q, want %q", c.addr, got, c.want)
			}
		})
	}
}

// rawAnswer sends request as written on a connection of its own and reads
// the answer's status, Content-Type and body.
func rawAnswer(t *testing.T, addr, request string) (int, string, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go io.WriteString(c, request) // a refusal may come before the request is all sent
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}
