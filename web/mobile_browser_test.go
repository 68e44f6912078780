package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework/phototest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// workerGrid is the grid of the app's test worker (光明路社区第1网格).
const workerGrid = "120104001001001"

// TestMobileAppInBrowser runs test/mobile.test.mjs: the grid worker's app
// in headless Chromium as a phone at a position inside the worker's grid —
// enrolment by link, the grid and the live answer, a report with a photo
// filed offline and sent once online, exactly once however often it is
// synced (the outbox counting and listing the report with its photo as
// one), the case handled with an after-photo, a patrol, English (category
// names too: the form, its search, the outbox, the case); a worker scoped
// to a community, and a phone whose clock is fast.
// Screenshots go to test/out/m-*.png.
func TestMobileAppInBrowser(t *testing.T) {
	setupBrowser(t)
	url, db := serveDemo(t)
	at := pointInGrid(t, db, workerGrid)
	dir := t.TempDir()
	photo, after := filepath.Join(dir, "IMG_0001.jpg"), filepath.Join(dir, "IMG_0002.jpg")
	// A camera-sized photo (the app makes it smaller) and a small one (kept as it is).
	if err := os.WriteFile(photo, phototest.JPEG(t, 2400, 1800, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(after, phototest.JPEG(t, 1200, 900, 4), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := filepath.Abs("test/out")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{
		"GRIDMAP_WORKER_TOKEN=" + createScopedToken(t, db, access.RoleReporter, workerGrid, "网格员王五"),
		// A worker of the grid's community (its code is the grid's first 12 digits).
		"GRIDMAP_COMMUNITY_TOKEN=" + createScopedToken(t, db, access.RoleReporter, workerGrid[:12], "社区网格员赵六"),
		"GRIDMAP_ADMIN_TOKEN=" + createToken(t, db, access.RoleAdmin, "街道管理员"),
		// The street's command centre (its code is the grid's first 9 digits): a duty officer who moves
		// cases, and a viewer who may only look.
		"GRIDMAP_STREET_TOKEN=" + createScopedToken(t, db, access.RoleReporter, workerGrid[:9], "街道值班员李四"),
		"GRIDMAP_STREET_VIEWER_TOKEN=" + createScopedToken(t, db, access.RoleViewer, workerGrid[:9], "街道观察员"),
	}
	runBrowserTest(t, 5*time.Minute, env, "mobile.test.mjs", url, out,
		ftoa(at[0]), ftoa(at[1]), workerGrid, photo, after)

	// What the database holds after it: one report of the worker, its photo
	// and the after-photo linked to it.
	var reports, links int
	err = db.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM report WHERE reporter = '网格员王五' AND kind = 'hazard'),
		(SELECT count(*) FROM report_attachment a JOIN report r ON r.id = a.report_id WHERE r.reporter = '网格员王五')`).Scan(&reports, &links)
	if err != nil || reports != 1 || links != 2 {
		t.Errorf("the worker's reports %d, linked photos %d (%v); want 1 and 2", reports, links, err)
	}
}

// pointInGrid is a point well inside a grid, where the resolver answers it.
func pointInGrid(t *testing.T, db *postgres.DB, code string) orb.Point {
	t.Helper()
	var p orb.Point
	err := db.Pool.QueryRow(context.Background(), `SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c FROM unit
		WHERE code = $1 AND valid_to IS NULL) s`, code).Scan(&p[0], &p[1])
	if err != nil {
		t.Fatal(err)
	}
	svc := geo.NewService(db, db)
	if err := svc.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res, err := svc.Resolve(context.Background(), geo.ResolveQuery{Point: p}); err != nil || res.Grid == nil || res.Grid.Code != code {
		t.Fatalf("the point %v inside %s resolves to %+v (%v)", p, code, res.Grid, err)
	}
	return p
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 7, 64) }

// createScopedToken stores a token limited to the unit scope ("" for
// everywhere) the way "gridmap token create" does and returns its secret.
func createScopedToken(t *testing.T, db *postgres.DB, role access.Role, scope, name string) string {
	t.Helper()
	secret, hash := access.NewTokenSecret()
	tok := access.Token{Name: name, Role: role, Scope: scope, ExpiresAt: time.Now().Add(time.Hour), CreatedBy: "web test"}
	if err := tok.Validate(time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateToken(context.Background(), tok, hash); err != nil {
		t.Fatal(err)
	}
	return secret
}
