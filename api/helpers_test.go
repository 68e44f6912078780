package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/internal/testbin"
)

// Helpers shared by the tests of this package: HTTP requests and processes.

// request sends method url with body (none when nil) and returns the whole
// answer. headers are name, value pairs, set in order.
func request(t testing.TB, method, url string, body []byte, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// authHeader is the Authorization header of token as a name, value pair; none
// when token is "".
func authHeader(token string) []string {
	if token == "" {
		return nil
	}
	return []string{"Authorization", "Bearer " + token}
}

// openDemoService opens a demo city and a resolver loaded from it.
func openDemoService(t testing.TB) (*postgres.DB, *geo.Service) {
	t.Helper()
	return demoService(t, demotest.Open(t))
}

// openPrimaryDemoService is openDemoService on the server the hot standby
// follows, for a test that also runs a node on the standby.
func openPrimaryDemoService(t testing.TB) (*postgres.DB, *geo.Service) {
	t.Helper()
	return demoService(t, demotest.OpenPrimary(t))
}

// demoService is a resolver service over db, loaded.
func demoService(t testing.TB, db *postgres.DB) (*postgres.DB, *geo.Service) {
	t.Helper()
	svc := geo.NewService(db, db)
	if err := svc.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, svc
}

// unlimitedAuth is the default access policy without the write rate limits.
func unlimitedAuth() *AuthConfig {
	a := DefaultAuthConfig
	a.WritesPerSecond, a.AddrWritesPerSecond = 0, 0
	return &a
}

// loadedService is a resolver loaded from db and a context that lives as
// long as the test (for the goroutines that follow the database).
func loadedService(t testing.TB, db *postgres.DB) (*geo.Service, context.Context) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	svc := geo.NewService(db, db)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	return svc, ctx
}

// createToken stores a token of db and returns its secret.
func createToken(t testing.TB, db *postgres.DB, role access.Role, scope, name string, exp time.Time) string {
	t.Helper()
	secret, hash := access.NewTokenSecret()
	if _, err := db.CreateToken(context.Background(), access.Token{Name: name, Role: role, Scope: scope,
		CreatedBy: "test", ExpiresAt: exp}, hash); err != nil {
		t.Fatal(err)
	}
	return secret
}

// revokeToken revokes the token whose secret is secret.
func revokeToken(t testing.TB, db *postgres.DB, secret string) {
	t.Helper()
	tok, err := db.TokenByHash(context.Background(), access.HashToken(secret))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RevokeToken(context.Background(), tok.ID); err != nil {
		t.Fatal(err)
	}
}

// gridmapBinary builds gridmap once per test process.
func gridmapBinary(t *testing.T) string {
	t.Helper()
	return testbin.Gridmap(t)
}

// startProcess starts cmd and returns the address it listens on, once
// addrOf finds it in a line cmd writes to pipe (cmd.StdoutPipe or
// cmd.StderrPipe). When the test ends the process is interrupted and given
// grace to stop before it is killed; with grace 0 it is killed at once. If
// no address comes within wait, the test fails: what did not start.
func startProcess(t *testing.T, cmd *exec.Cmd, pipe func() (io.ReadCloser, error), addrOf func(line []byte) (string, bool),
	grace, wait time.Duration, what string) string {
	t.Helper()
	out, err := pipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if grace == 0 {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return
		}
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(grace):
			_ = cmd.Process.Kill()
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := addrOf(sc.Bytes()); ok {
				addr <- a
			}
		}
	}()
	select {
	case a := <-addr:
		return a
	case <-time.After(wait):
		t.Fatalf("%s did not start within %s", what, wait)
		return ""
	}
}

// servingAddr reads the address from the log line of "gridmap serve" that
// says it is serving.
func servingAddr(line []byte) (string, bool) {
	var l struct {
		Msg  string `json:"msg"`
		Addr string `json:"addr"`
	}
	if json.Unmarshal(line, &l) == nil && l.Msg == "gridmap serving" {
		return l.Addr, true
	}
	return "", false
}
