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

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/api"
	"github.com/gridmap-dev/gridmap/audit"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/tiles"
)

// TestDashboardInBrowser serves the dashboard over the demo city and runs
// test/dashboard.test.mjs: headless Chromium (Debian's, driven by
// playwright-core) loads it, waits for the tiles to be drawn, clicks a grid,
// sees its name and saves test/out/dashboard.png. An editor's token, entered
// in edit mode, must redraw the clicked unit's panel.
func TestDashboardInBrowser(t *testing.T) {
	setupBrowser(t)
	url, db := serveDemo(t)
	shot, err := filepath.Abs("test/out/dashboard.png")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"GRIDMAP_TOKEN_EDITOR=" + createToken(t, db, access.RoleEditor, "dashboard-test-editor"),
		"GRIDMAP_TOKEN_SCOPED=" + createScopedToken(t, db, access.RoleEditor, "120104001", "dashboard-test-scoped")}
	runBrowserTest(t, 3*time.Minute, env, "dashboard.test.mjs", url, shot)
}

// TestDashboardDrawingInBrowser runs test/drawing.test.mjs, the dashboard's
// edit mode (web/edit.js) in headless Chromium: two editors and a viewer get
// tokens (as "gridmap token create" makes them); page A moves a vertex of a
// grid of 南开区 with the mouse and saves (200, warnings, the grid tile
// changes, the map reloads its tiles), page B saves its stale copy (429, 401
// and 403 messages, then 412 with A's version drawn, "reload theirs"), and A
// draws a new enclave (201). Screenshots go to test/out/edit-*.png.
func TestDashboardDrawingInBrowser(t *testing.T) {
	setupBrowser(t)
	url, db := serveDemo(t)
	env := []string{
		"GRIDMAP_TOKEN_A=" + createToken(t, db, access.RoleEditor, "drawing-test-A"),
		"GRIDMAP_TOKEN_A_NAME=drawing-test-A",
		"GRIDMAP_TOKEN_B=" + createToken(t, db, access.RoleEditor, "drawing-test-B"),
		"GRIDMAP_TOKEN_VIEWER=" + createToken(t, db, access.RoleViewer, "drawing-test-viewer"),
	}
	dir, err := filepath.Abs("test/out")
	if err != nil {
		t.Fatal(err)
	}
	runBrowserTest(t, 5*time.Minute, env, "drawing.test.mjs", url, dir)
}

// TestScreenInBrowser runs test/screen.test.mjs: headless Chromium opens the
// big screen at /screen?unit=120104 (1920×1080), which must draw the map,
// the key figures and the charts with no console error; a report posted
// during the test must appear in the live feed and flash on the map, and
// today's reports and the open cases must each move by one. Screenshots go
// to test/out/screen-1920x1080.png and test/out/screen-3840x2160.png. A
// viewer's token scoped to 长虹街道 opens the screen with no unit: it must
// show that street everywhere.
func TestScreenInBrowser(t *testing.T) {
	setupBrowser(t)
	url, db := serveDemo(t)
	env := []string{"GRIDMAP_TOKEN_REPORTER=" + createToken(t, db, access.RoleReporter, "screen-test-worker"),
		"GRIDMAP_TOKEN_SCOPED=" + createScopedToken(t, db, access.RoleViewer, "120104001", "screen-test-scoped")}
	dir, err := filepath.Abs("test/out")
	if err != nil {
		t.Fatal(err)
	}
	runBrowserTest(t, 4*time.Minute, env, "screen.test.mjs", url, dir)
}

// setupBrowser runs test/setup.sh, which installs Chromium and the npm
// packages when they are missing. Where they cannot be installed the test
// skips, except under CI.
func setupBrowser(t *testing.T) {
	t.Helper()
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
	if err := os.MkdirAll("test/out", 0o755); err != nil {
		t.Fatal(err)
	}
}

// runBrowserTest runs a node script of test/ with args (and env added to
// the environment). The script prints one JSON line of findings last, with
// "ok" and "failures".
func runBrowserTest(t *testing.T, timeout time.Duration, env []string, script string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Dir = "test"
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	var result struct {
		OK       bool     `json:"ok"`
		Failures []string `json:"failures"`
	}
	if err := json.Unmarshal(lastLine(out.Bytes()), &result); err != nil || runErr != nil || !result.OK {
		t.Fatalf("browser test %s failed (%v):\n%s", script, runErr, out.String())
	}
	t.Logf("%s", lastLine(out.Bytes()))
}

// createToken stores a token the way "gridmap token create" does and
// returns its secret.
func createToken(t *testing.T, db *postgres.DB, role access.Role, name string) string {
	t.Helper()
	return createScopedToken(t, db, role, "", name)
}

// serveDemo runs the API (resolver, units, reports, photos, events, tiles,
// the dashboard, the big screen and the app, tokens, boundary and topology
// edits with the default access policy; writes answer once the resolver
// index has applied them) over a fresh database holding the demo city and
// returns its URL and the database.
func serveDemo(t *testing.T) (string, *postgres.DB) {
	t.Helper()
	db := demotest.Open(t)
	ctx := context.Background()
	svc := geo.NewService(db, db)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	// As serve wires a node: the index follows the change record, writes
	// answer once it has applied them, cached tiles go by its versions.
	tileSvc, err := tiles.New(ctx, db.Pool, tiles.Config{Follower: svc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tileSvc.Close)
	bg, stop := context.WithCancel(ctx)
	go svc.Follow(bg, geo.FollowOptions{Poll: time.Second})
	go db.Listen(bg, func(postgres.Change) { svc.Changed() })
	hub := geo.NewEventHub(db, 100*time.Millisecond, 1024)
	go hub.Run(bg)
	srv := httptest.NewServer(api.New(api.Deps{Units: db, Resolver: svc, Index: svc, Reports: db, Patrols: db, Photos: db,
		Tiles: tileSvc, CORSOrigins: []string{"*"}, Tokens: db, Editor: db, Topology: db, Events: hub,
		Audit: &audit.Store{Pool: db.Pool}, Policy: casework.DefaultPolicy()}))
	t.Cleanup(srv.Close)
	t.Cleanup(stop) // first: the streams end, so the server can close
	return srv.URL, db
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}
