package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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

// deskStreet is the street (华苑街道) whose duty officer gets more cases
// than the server answers in a page (test/mobile-desk.mjs): no other step
// of the test files cases there.
const deskStreet = "120104012"

// TestMobileAppInBrowser runs test/mobile.test.mjs: the grid worker's app
// in headless Chromium as a phone at a position inside the worker's grid —
// enrolment by link, the grid and the live answer, a report with a photo
// filed offline and sent once online, exactly once however often it is
// synced (the outbox counting and listing the report with its photo as
// one), the case handled with an after-photo, a patrol, English (category
// names too: the form, its search, the outbox, the case); a worker scoped
// to a community, a phone whose clock is fast and one set to New York's
// time (China time shown all the same); a token revoked while the app
// holds it; a patrol that starts where the worker stands; a duty officer
// with more cases than a page; two workers of one name sharing a phone,
// neither's saved work sent under the other; a re-issued token's worker
// sending, once they confirm, what their revoked token left; the next
// worker on a phone seeing none of the last one's cases, offline.
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
	desk := pointInGrid(t, db, firstGrid(t, db, deskStreet))
	env := []string{
		"GRIDMAP_WORKER_TOKEN=" + createScopedToken(t, db, access.RoleReporter, workerGrid, "网格员王五"),
		// A worker of the grid's community (its code is the grid's first 12 digits).
		"GRIDMAP_COMMUNITY_TOKEN=" + createScopedToken(t, db, access.RoleReporter, workerGrid[:12], "社区网格员赵六"),
		"GRIDMAP_ADMIN_TOKEN=" + createToken(t, db, access.RoleAdmin, "街道管理员"),
		// The street's command centre (its code is the grid's first 9 digits): a duty officer who moves
		// cases, and a viewer who may only look.
		"GRIDMAP_STREET_TOKEN=" + createScopedToken(t, db, access.RoleReporter, workerGrid[:9], "街道值班员李四"),
		"GRIDMAP_STREET_VIEWER_TOKEN=" + createScopedToken(t, db, access.RoleViewer, workerGrid[:9], "街道观察员"),
		// A second token of the worker (a new phone's, as a re-issue makes it), revoked while the app holds it.
		"GRIDMAP_WORKER_SPARE_TOKEN=" + createScopedToken(t, db, access.RoleReporter, workerGrid, "网格员王五"),
		// Another worker of the same name and scope (token names are not unique): what one
		// leaves on a shared phone must not be sent, or a patrol go on, under the other.
		"GRIDMAP_WORKER_TWIN_TOKEN=" + createScopedToken(t, db, access.RoleReporter, workerGrid, "网格员王五"),
		// A worker's token revoked with a report unsent, and the token re-issued (same name and scope,
		// a new id) whose worker may send it (step 36).
		"GRIDMAP_REISSUE_OLD_TOKEN=" + createScopedToken(t, db, access.RoleReporter, workerGrid, "网格员孙七"),
		"GRIDMAP_REISSUE_NEW_TOKEN=" + createScopedToken(t, db, access.RoleReporter, workerGrid, "网格员孙七"),
		// A worker's token that has expired long before the test opens the app with it.
		"GRIDMAP_EXPIRED_TOKEN=" + createTokenFor(t, db, access.RoleReporter, workerGrid, "网格员钱九", time.Second),
		// Another street's duty officer, and a point in one of its grids.
		"GRIDMAP_DESK_TOKEN=" + createScopedToken(t, db, access.RoleReporter, deskStreet, "华苑街道值班员周八"),
		"GRIDMAP_DESK_POINT=" + ftoa(desk[0]) + "," + ftoa(desk[1]),
		"GRIDMAP_CONTROL=" + operator(t, db),
	}
	runBrowserTest(t, 8*time.Minute, env, "mobile.test.mjs", url, out,
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

// firstGrid is the code of the first current grid under a unit.
func firstGrid(t *testing.T, db *postgres.DB, under string) string {
	t.Helper()
	var code string
	err := db.Pool.QueryRow(context.Background(), `SELECT code FROM unit WHERE level = 'grid' AND valid_to IS NULL
		AND code LIKE $1 || '%' ORDER BY code LIMIT 1`, under).Scan(&code)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// operator serves what the browser test asks of the server's operator
// mid-run, on the test's database: POST /revoke revokes the token whose
// secret is the body, as "gridmap token revoke" does (the server refuses it
// within its token cache's 10 s); POST /overdue puts the deadlines of the
// open reports whose ids the body lists (a JSON array) two days in the past,
// as two days' wait would, and answers how many it moved.
func operator(t *testing.T, db *postgres.DB) string {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /revoke", func(w http.ResponseWriter, r *http.Request) {
		secret, err := io.ReadAll(r.Body)
		var tok access.Token
		if err == nil {
			tok, err = db.TokenByHash(r.Context(), access.HashToken(string(secret)))
		}
		if err == nil {
			_, err = db.RevokeToken(r.Context(), tok.ID)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /overdue", func(w http.ResponseWriter, r *http.Request) {
		var ids []string
		if err := json.NewDecoder(r.Body).Decode(&ids); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		tag, err := db.Pool.Exec(r.Context(), `UPDATE report SET due_at = now() - interval '2 days',
			level_due_at = now() - interval '2 days' WHERE id = ANY($1::uuid[]) AND state NOT IN ('closed', 'rejected')`, ids)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, tag.RowsAffected())
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 7, 64) }

// createScopedToken stores a token limited to the unit scope ("" for
// everywhere) the way "gridmap token create" does and returns its secret.
func createScopedToken(t *testing.T, db *postgres.DB, role access.Role, scope, name string) string {
	t.Helper()
	return createTokenFor(t, db, role, scope, name, time.Hour)
}

// createTokenFor is createScopedToken with a token that expires after life.
func createTokenFor(t *testing.T, db *postgres.DB, role access.Role, scope, name string, life time.Duration) string {
	t.Helper()
	secret, hash := access.NewTokenSecret()
	tok := access.Token{Name: name, Role: role, Scope: scope, ExpiresAt: time.Now().Add(life), CreatedBy: "web test"}
	if err := tok.Validate(time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateToken(context.Background(), tok, hash); err != nil {
		t.Fatal(err)
	}
	return secret
}
