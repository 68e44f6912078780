package api

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/tiles"
)

// tileProcessEnv tells the test binary to act as a tile server process.
const tileProcessEnv = "GRIDMAP_TILE_PROCESS_DB"

// TestTwoProcessesSeeAnEditAtOnce runs two service processes on one
// database, warms their tile caches, edits a grid (a new version, as every
// edit) and at once asks both for the tile: each returns the new geometry.
func TestTwoProcessesSeeAnEditAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	db := demotest.Open(t)
	ctx := context.Background()
	var grid string
	var at orb.Point
	err := db.Pool.QueryRow(ctx, `SELECT code, ST_X(p), ST_Y(p) FROM (SELECT code, ST_PointOnSurface(geom) p FROM unit
		WHERE level = 'grid' AND parent_code = '120104003002' AND valid_to IS NULL ORDER BY code LIMIT 1) s`).Scan(&grid, &at[0], &at[1])
	if err != nil {
		t.Fatal(err)
	}
	mt := maptile.At(at, 16)
	path := fmt.Sprintf("/tiles/grid,community/16/%d/%d.mvt", mt.X, mt.Y)
	procs := []string{startTileProcess(t, db.URL()), startTileProcess(t, db.URL())}
	before := map[string]orb.Geometry{}
	for _, base := range procs {
		for i, want := range []string{"miss", "hit"} {
			f, cache := gridFeature(t, base+path, grid)
			if cache != want && !(i == 0 && cache == "hit") {
				t.Fatalf("%s request %d: X-Cache %s, want %s", base, i+1, cache, want)
			}
			before[base] = f.Geometry
		}
	}
	if _, err := db.Pool.Exec(ctx, `
		WITH old AS (UPDATE unit SET valid_to = now() WHERE code = $1 AND valid_to IS NULL RETURNING *)
		INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
		SELECT code, level, name || '（重划）', parent_code, ST_Multi(ST_Translate(geom, 0.0005, 0)), properties,
		       version + 1, valid_to, 'test' FROM old`, grid); err != nil {
		t.Fatal(err)
	}
	for i, base := range procs {
		f, cache := gridFeature(t, base+path, grid)
		if cache != "miss" || !strings.HasSuffix(f.Properties.MustString("name"), "（重划）") || orb.Equal(f.Geometry, before[base]) {
			t.Errorf("process %d right after the edit: X-Cache %s, name %v, geometry changed %v",
				i+1, cache, f.Properties["name"], !orb.Equal(f.Geometry, before[base]))
		}
	}
}

// gridFeature fetches a tile and returns the feature of grid and X-Cache.
func gridFeature(t *testing.T, url, grid string) (*geojson.Feature, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: %d %v", url, resp.StatusCode, err)
	}
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		if l.Name != "grid" {
			continue
		}
		for _, f := range l.Features {
			if f.Properties["code"] == grid {
				return f, resp.Header.Get("X-Cache")
			}
		}
	}
	t.Fatalf("%s has no grid %s", url, grid)
	return nil, ""
}

// startTileProcess starts this test binary as a tile server on dbURL and
// returns its base URL; the process is killed when the test ends.
func startTileProcess(t *testing.T, dbURL string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTileServerProcess$")
	cmd.Env = append(os.Environ(), tileProcessEnv+"="+dbURL)
	cmd.Stderr = os.Stderr
	addr := startProcess(t, cmd, cmd.StdoutPipe, func(line []byte) (string, bool) {
		a, ok := strings.CutPrefix(string(line), "listening ")
		return a, ok
	}, 0, 60*time.Second, "the tile process")
	return "http://" + addr
}

// TestTileServerProcess is the server process of the test above, wired as
// serve wires it (the change listener fans out to the tile cache). It does
// nothing in a normal test run.
func TestTileServerProcess(t *testing.T) {
	url := os.Getenv(tileProcessEnv)
	if url == "" {
		t.Skip("runs only as the helper process of TestTwoProcessesSeeAnEditAtOnce")
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, url, 8)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := tiles.New(ctx, db.Pool, tiles.Config{})
	if err != nil {
		t.Fatal(err)
	}
	go svc.Follow(ctx)
	go db.Listen(ctx, func(ch postgres.Change) { svc.Changed(ch.Layers) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("listening %s\n", ln.Addr())
	t.Fatal(http.Serve(ln, New(Deps{Units: db, Tiles: svc}))) // until killed
}
