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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/api"
	"github.com/gridmap-dev/gridmap/audit"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/importer"
	"github.com/gridmap-dev/gridmap/tiles"
)

// TestDashboardInBrowser serves the dashboard over the demo city and runs
// test/dashboard.test.mjs: headless Chromium (Debian's, driven by
// playwright-core) loads it, waits for the tiles to be drawn, clicks a grid,
// sees its name and saves test/out/dashboard.png. An editor's token, entered
// in edit mode, must redraw the clicked unit's panel. The panel's chain
// selects the units above the grid, its properties are rows, and tokens are
// checked as they are entered (a wrong one, a revoked one and an expired
// one, each said as such; a viewer's, editors'). The console opens on the
// data's district with the density cells off and a note on the rounding of
// an anonymous reader's hazards; a scoped token opens on its scope and asks
// for its statistics first.
func TestDashboardInBrowser(t *testing.T) {
	setupBrowser(t)
	url, db := serveDemo(t)
	shot, err := filepath.Abs("test/out/dashboard.png")
	if err != nil {
		t.Fatal(err)
	}
	revoked, expired, expiredAt := refusedTokens(t, db)
	env := []string{"GRIDMAP_TOKEN_EDITOR=" + createToken(t, db, access.RoleEditor, "dashboard-test-editor"),
		"GRIDMAP_TOKEN_SCOPED=" + createScopedToken(t, db, access.RoleEditor, "120104001", "dashboard-test-scoped"),
		"GRIDMAP_TOKEN_VIEWER=" + createToken(t, db, access.RoleViewer, "dashboard-test-viewer"),
		"GRIDMAP_TOKEN_REVOKED=" + revoked, "GRIDMAP_TOKEN_EXPIRED=" + expired,
		"GRIDMAP_TOKEN_EXPIRED_AT=" + expiredAt.UTC().Format(time.RFC3339)}
	runBrowserTest(t, 4*time.Minute, env, "dashboard.test.mjs", url, shot)
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
// show that street everywhere. A grid an editor saves meanwhile makes it
// fetch its boundary tiles again at the save's data version. A second
// worker checks and closes the case the first handled (监管分离). A viewer's
// token that expires while the run goes on must be refused by the server
// as a revoked one is: the screen opened with it forgets it and asks for
// another. A case with photos (seedCase) opens in a card from its point on
// the map and from its feed line, its photos fetched with the screen's
// token; an anonymous screen's card has neither photos nor names.
func TestScreenInBrowser(t *testing.T) {
	setupBrowser(t)
	url, db := serveDemo(t)
	// Long enough for its screen to open, short enough to expire well before
	// the run's last checks (some two minutes on).
	expires := time.Now().Add(80 * time.Second)
	worker := createToken(t, db, access.RoleReporter, "screen-test-worker")
	env := []string{"GRIDMAP_TOKEN_REPORTER=" + worker, "GRIDMAP_CASE=" + seedCase(t, url, worker),
		"GRIDMAP_TOKEN_CHECKER=" + createToken(t, db, access.RoleReporter, "screen-test-checker"),
		"GRIDMAP_TOKEN_SCOPED=" + createScopedToken(t, db, access.RoleViewer, "120104001", "screen-test-scoped"),
		"GRIDMAP_TOKEN_EDITOR=" + createToken(t, db, access.RoleEditor, "screen-test-editor"),
		"GRIDMAP_TOKEN_EXPIRING=" + createExpiringToken(t, db, "screen-test-expiring", expires),
		"GRIDMAP_TOKEN_EXPIRES_AT=" + expires.UTC().Format(time.RFC3339Nano)}
	dir, err := filepath.Abs("test/out")
	if err != nil {
		t.Fatal(err)
	}
	runBrowserTest(t, 8*time.Minute, env, "screen.test.mjs", url, dir)
}

// refusedTokens stores two editors' tokens the server refuses, as it
// refuses them after "gridmap token revoke" and once they expire: one
// revoked, one that expired a day ago (at a whole minute, returned).
func refusedTokens(t *testing.T, db *postgres.DB) (revoked, expired string, expiredAt time.Time) {
	t.Helper()
	ctx := context.Background()
	store := func(name string) (string, int64) {
		secret, hash := access.NewTokenSecret()
		tok, err := db.CreateToken(ctx, access.Token{Name: name, Role: access.RoleEditor, ExpiresAt: time.Now().Add(time.Hour),
			CreatedBy: "web test"}, hash)
		if err != nil {
			t.Fatal(err)
		}
		return secret, tok.ID
	}
	revoked, id := store("dashboard-test-revoked")
	if _, err := db.RevokeToken(ctx, id); err != nil {
		t.Fatal(err)
	}
	expired, id = store("dashboard-test-expired")
	expiredAt = time.Now().Add(-26 * time.Hour).Truncate(time.Minute)
	if _, err := db.Pool.Exec(ctx, `UPDATE api_token SET created_at = $2::timestamptz - interval '1 day', expires_at = $2 WHERE id = $1`,
		id, expiredAt); err != nil {
		t.Fatal(err)
	}
	return revoked, expired, expiredAt
}

// createExpiringToken stores a viewer's token, as "gridmap token create"
// does, that expires at until, and returns its secret.
func createExpiringToken(t *testing.T, db *postgres.DB, name string, until time.Time) string {
	t.Helper()
	secret, hash := access.NewTokenSecret()
	tok := access.Token{Name: name, Role: access.RoleViewer, ExpiresAt: until, CreatedBy: "web test"}
	if err := tok.Validate(time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateToken(context.Background(), tok, hash); err != nil {
		t.Fatal(err)
	}
	return secret
}

// TestDashboardImportInBrowser runs test/import.test.mjs, importing a file
// from the console (web/import.js) in headless Chromium on the demo city:
// the panel is hidden from an anonymous reader and a viewer and shown to an
// editor, who checks a GeoJSON with an error (a grid whose community does
// not exist: rejected, the finding listed with its code, no import
// offered), is told in Chinese that a truncated GeoJSON and a CSV named
// .geojson cannot be read (no counts, no "no problems"), is told the
// server's detail and field for a bad option (400)
// and for a 413, 429 and 503 (the last two hold the button for
// Retry-After), then drops a GeoJSON of a new grid of 南开区 on the panel,
// checks it (a dry run: 1 to create, its overlap with the grid it lies in
// listed and marked on the map) and imports it for real: the job succeeds, the map reloads its
// tiles at the import's data version and draws the grid, and the API has
// it. Screenshots go to test/out/import-*.png.
func TestDashboardImportInBrowser(t *testing.T) {
	setupBrowser(t)
	url, db := serveDemo(t)
	fixture, err := json.Marshal(importFixture(t, db))
	if err != nil {
		t.Fatal(err)
	}
	env := []string{
		"GRIDMAP_TOKEN_EDITOR=" + createToken(t, db, access.RoleEditor, "import-test-editor"),
		"GRIDMAP_TOKEN_VIEWER=" + createToken(t, db, access.RoleViewer, "import-test-viewer"),
		"GRIDMAP_IMPORT=" + string(fixture),
	}
	dir, err := filepath.Abs("test/out")
	if err != nil {
		t.Fatal(err)
	}
	runBrowserTest(t, 4*time.Minute, env, "import.test.mjs", url, dir)
}

// importFixture writes two GeoJSON files of grids of the demo city's first
// community of 南开区: good, a new grid (the next free code) drawn as a box
// around a point of the community's first grid, clipped to the community,
// with attributes (props) the import keeps as its properties — more than
// the console lists before "more", a phone an anonymous reader may not see,
// a long value; bad, that grid and one of a community that does not exist;
// truncated, good's file cut short; notjson, a CSV named .geojson.
func importFixture(t *testing.T, db *postgres.DB) map[string]any {
	t.Helper()
	const community = "120104001001"
	var geom, last, overlaps string
	err := db.Pool.QueryRow(context.Background(), `
		SELECT ST_AsGeoJSON(ST_CollectionExtract(ST_Intersection(ST_Expand(ST_PointOnSurface(g.geom), 0.0005), c.geom), 3), 7),
		       (SELECT max(code) FROM unit WHERE parent_code = $1 AND level = 'grid'), g.code
		FROM unit g JOIN unit c ON c.code = g.parent_code AND c.valid_to IS NULL
		WHERE g.parent_code = $1 AND g.level = 'grid' AND g.valid_to IS NULL
		ORDER BY g.code LIMIT 1`, community).Scan(&geom, &last, &overlaps)
	if err != nil {
		t.Fatalf("import fixture: %v", err)
	}
	n, err := strconv.ParseInt(last, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	code, orphan := strconv.FormatInt(n+1, 10), "120104999999001"
	feature := func(code, name, parent string) map[string]any {
		return map[string]any{"type": "Feature", "geometry": json.RawMessage(geom),
			"properties": map[string]any{"code": code, "name": name, "parent_code": parent}}
	}
	dir := t.TempDir()
	write := func(name string, features ...map[string]any) string {
		b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": features})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := feature(code, "导入测试网格", community)
	attrs := map[string]any{"网格员": "赵六", "户数": 412, "电话": "13912345678", "常住人口": 1203, "网格类型": "住宅小区",
		"物业公司": "天津市南开区向阳物业管理有限公司", "党员人数": 35, "老旧小区": true, "建成年份": 1998, "楼长": "钱七",
		"楼栋": "1-12号楼", "备注": strings.Repeat("网格内有老旧住宅楼十二栋，其中三栋无物业管理，需每周巡查；", 12),
		"来源": map[string]any{"普查": 2024}}
	for k, v := range attrs {
		good["properties"].(map[string]any)[k] = v
	}
	goodFile := write("新网格.geojson", good)
	whole, err := os.ReadFile(goodFile)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "坏文件.geojson")
	notJSON := filepath.Join(dir, "不是json.geojson")
	if os.WriteFile(cut, whole[:len(whole)/2], 0o644) != nil || os.WriteFile(notJSON, []byte("code,name\n1,2\n"), 0o644) != nil {
		t.Fatal("cannot write the unreadable fixtures")
	}
	return map[string]any{"code": code, "name": "导入测试网格", "overlaps": overlaps, "orphan": orphan, "props": attrs,
		"good": goodFile, "bad": write("新网格-有错.geojson", good, feature(orphan, "无上级网格", "120104999999")),
		"truncated": cut, "notjson": notJSON}
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
// edits and uploaded imports with the default access policy; writes answer once the resolver
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
	// Uploaded imports run under bg, answering once this node has applied them.
	jobs := &importer.Jobs{Pool: db.Pool, Base: bg, Applied: svc.CatchUp, Space: &importer.Space{Dir: t.TempDir()}}
	srv := httptest.NewServer(api.New(api.Deps{Units: db, Resolver: svc, Index: svc, Positions: db, Reports: db, Patrols: db, Photos: db,
		Tiles: tileSvc, CORSOrigins: []string{"*"}, Tokens: db, Editor: db, Topology: db, Events: hub, Imports: jobs,
		Audit: &audit.Store{Pool: db.Pool}, Policy: casework.DefaultPolicy()}))
	t.Cleanup(srv.Close)
	t.Cleanup(jobs.Wait) // after stop: a running import is rolled back
	t.Cleanup(stop)      // first: the streams end, so the server can close
	return srv.URL, db
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}
