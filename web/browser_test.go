package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"gridmap/api"
	"gridmap/geo"
	"gridmap/geo/postgres/pgtest"
	"gridmap/tiles"
)

// TestDashboardInBrowser serves the dashboard over the demo city and runs
// test/dashboard.test.mjs: headless Chromium (Debian's, driven by
// playwright-core) loads it, waits for the tiles to be drawn, clicks a grid,
// sees its name and saves test/out/dashboard.png. test/setup.sh installs
// Chromium and the npm packages when they are missing. Where they cannot be
// installed the test skips, except under CI.
func TestDashboardInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	setup := exec.Command("bash", "test/setup.sh")
	setup.Stdout, setup.Stderr = os.Stderr, os.Stderr
	if err := setup.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 2 && os.Getenv("CI") == "" {
			t.Skipf("the browser test cannot be set up here: %v", err)
		}
		t.Fatalf("test/setup.sh: %v", err)
	}

	url := serveDemo(t)
	shot, err := filepath.Abs("test/out/dashboard.png")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(shot), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "dashboard.test.mjs", url, shot)
	cmd.Dir = "test"
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	var result struct {
		OK       bool     `json:"ok"`
		Failures []string `json:"failures"`
		Tiles    int      `json:"tiles"`
	}
	if err := json.Unmarshal(lastLine(out.Bytes()), &result); err != nil || runErr != nil || !result.OK {
		t.Fatalf("browser test failed (%v):\n%s", runErr, out.String())
	}
	t.Logf("%s", lastLine(out.Bytes()))
}

// serveDemo runs the API (resolver, units, reports, tiles, dashboard) over
// a fresh database holding the demo city and returns its URL.
func serveDemo(t *testing.T) string {
	t.Helper()
	db := pgtest.OpenDemo(t)
	ctx := context.Background()
	svc := geo.NewService(db, db)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	tileSvc, err := tiles.New(ctx, db.Pool, tiles.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tileSvc.Close)
	srv := httptest.NewServer(api.New(api.Deps{Units: db, Resolver: svc, Reports: db, Patrols: db,
		Tiles: tileSvc, CORSOrigins: []string{"*"}}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}
