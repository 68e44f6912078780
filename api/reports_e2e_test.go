package api

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// These tests run the real binary as a separate process: durability is a
// property of the process and the database, not of a handler.

// serveProcess runs "gridmap serve" against url and returns the process and
// its base URL once it answers.
func serveProcess(t *testing.T, url string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(gridmapBinary(t), "serve", "--database-url", url, "--addr", "127.0.0.1:0",
		"--write-rate", "0", "--write-rate-addr", "0", "--escalate-every", "0")
	cmd.Env = append(os.Environ(), "GRIDMAP_LOG_LEVEL=info")
	addr := startProcess(t, cmd, cmd.StderrPipe, servingAddr, 0, 90*time.Second, "gridmap serve")
	return cmd, "http://" + addr
}

// reporterToken migrates the database at url and makes a reporter token.
func reporterToken(t *testing.T, url string) (*postgres.DB, string) {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db, createToken(t, db, access.RoleReporter, "", "e2e", time.Now().Add(time.Hour))
}

func postReport(base, token, id string, p orb.Point) (*http.Response, error) {
	b := fmt.Sprintf(`{"id":%q,"kind":"hazard","category":"E0506","severity":2,"point":[%.7f,%.7f]}`, id, p[0], p[1])
	req, err := http.NewRequest("POST", base+"/v1/reports", strings.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

// In 南开区 (a point of 长虹街道).
var e2ePoint = orb.Point{117.1530, 39.1290}

func TestAcceptedReportsSurviveSIGKILL(t *testing.T) {
	url := pgtest.NewDatabase(t)
	db, token := reporterToken(t, url)
	cmd, base := serveProcess(t, url)
	// 200 posts at once; the moment the 100th is answered 2xx, the process
	// is killed. Every report answered 2xx must be in the database.
	var mu sync.Mutex
	var accepted []string
	killed := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := uuid.NewString()
			resp, err := postReport(base, token, id, e2ePoint)
			if err != nil || resp.StatusCode/100 != 2 {
				return
			}
			mu.Lock()
			accepted = append(accepted, id)
			n := len(accepted)
			mu.Unlock()
			if n == 100 {
				once.Do(func() { _ = cmd.Process.Signal(syscall.SIGKILL); close(killed) })
			}
		}()
	}
	wg.Wait()
	select {
	case <-killed:
	default:
		t.Fatalf("only %d of 200 posts were accepted", len(accepted))
	}
	var stored, events int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*), (SELECT count(*) FROM report_event WHERE report_id::text = ANY($1))
		FROM report WHERE id::text = ANY($1)`, accepted).Scan(&stored, &events); err != nil {
		t.Fatal(err)
	}
	if stored != len(accepted) || events != len(accepted) {
		t.Errorf("%d reports answered 2xx before SIGKILL; %d stored with %d history entries", len(accepted), stored, events)
	}
}

// throwawayCluster starts a PostgreSQL cluster of its own (initdb) so that
// the test may stop it; it returns the URL of a database with PostGIS and
// the pg_ctl command line to stop and start it.
func throwawayCluster(t *testing.T) (url string, pgctl func(args ...string) error) {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Strings(bins)
	if len(bins) == 0 {
		t.Skip("initdb not found: cannot run a throwaway cluster")
	}
	bindir := filepath.Dir(bins[len(bins)-1])
	asOwner := func(name string, args ...string) *exec.Cmd {
		if os.Geteuid() == 0 { // PostgreSQL refuses to run as root
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(bindir, name)}, args...)...)
		}
		return exec.Command(filepath.Join(bindir, name), args...)
	}
	dir, err := os.MkdirTemp("", "gridmap-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	data := filepath.Join(dir, "data")
	if out, err := asOwner("initdb", "-D", data, "-U", "gridmap", "--auth=trust", "-E", "UTF8").CombinedOutput(); err != nil {
		t.Skipf("initdb failed (%v): %s", err, out)
	}
	pgctl = func(args ...string) error {
		base := []string{"-D", data, "-w", "-t", "60", "-l", filepath.Join(dir, "log"),
			"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=on", port, dir)}
		out, err := asOwner("pg_ctl", append(base, args...)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("pg_ctl %v: %v: %s", args, err, out)
		}
		return nil
	}
	if err := pgctl("start"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pgctl("stop", "-m", "immediate") })
	admin := fmt.Sprintf("postgres://gridmap@127.0.0.1:%d/postgres?sslmode=disable", port)
	for _, sql := range []string{"CREATE DATABASE gridmap"} {
		if out, err := exec.Command("psql", admin, "-qc", sql).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v %s", sql, err, out)
		}
	}
	url = fmt.Sprintf("postgres://gridmap@127.0.0.1:%d/gridmap?sslmode=disable", port)
	if out, err := exec.Command("psql", url, "-qc", "CREATE EXTENSION postgis; CREATE EXTENSION btree_gist").CombinedOutput(); err != nil {
		t.Fatalf("postgis: %v %s", err, out)
	}
	return url, pgctl
}

func TestDatabaseOutageIs503ThenRetrySucceeds(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not found")
	}
	url, pgctl := throwawayCluster(t)
	db, token := reporterToken(t, url)
	_, base := serveProcess(t, url)
	if resp, err := postReport(base, token, uuid.NewString(), e2ePoint); err != nil || resp.StatusCode != 201 {
		t.Fatalf("before the outage: %v %v", resp, err)
	}
	db.Close()
	if err := pgctl("stop", "-m", "fast"); err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	for i := 0; i < 3; i++ { // the first post may find a pooled connection the stop killed
		resp, err := postReport(base, token, id, e2ePoint)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("post %d during the outage: status %d, Retry-After %q, %s", i+1, resp.StatusCode,
				resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"))
		}
	}
	if err := pgctl("start"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := postReport(base, token, id, e2ePoint)
		if err == nil && resp.StatusCode == 201 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the retry never succeeded: %v %v", resp, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if resp, err := postReport(base, token, id, e2ePoint); err != nil || resp.StatusCode != 200 {
		t.Errorf("a further retry: %v %v", resp, err)
	}
	check, err := postgres.Open(context.Background(), url, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	var n int
	if err := check.Pool.QueryRow(context.Background(), `SELECT count(*) FROM report WHERE id = $1`, id).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d rows for the retried report (%v)", n, err)
	}
}
