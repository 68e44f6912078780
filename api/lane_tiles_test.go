package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/internal/fastlane"
	"github.com/gridmap-dev/gridmap/internal/metrictest"
	"github.com/gridmap-dev/gridmap/tiles"
)

// TestLaneAnswersTilesAsNetHTTP: on the fast lane, the handler New returns
// answers a tile request the fast path takes when the tile cache holds the
// tile at the versions the node has applied, and leaves the others (a tile
// to draw, report tiles, which are drawn fresh, a version the node has not
// reached) to net/http; every answer, on the lane or not, is what net/http
// alone sends: status, headers but Date, body.
func TestLaneAnswersTilesAsNetHTTP(t *testing.T) {
	db, svc := openDemoService(t)
	tileSvc, err := tiles.New(context.Background(), db.Pool, tiles.Config{Follower: svc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tileSvc.Close)
	whole := New(Deps{Units: db, Resolver: svc, Tiles: tileSvc, Tokens: db, CORSOrigins: []string{"https://dash.example"},
		TileMaxAge: time.Minute, Registry: prometheus.NewRegistry()})
	counted := &countingAnswerer{Answerer: whole.(fastlane.Answerer)}
	laneAddr := serveOnLane(t, whole, counted)
	plainAddr := serveOnNetHTTP(t, whole)
	const tile = "/tiles/district,street,community,grid,enclave/14/13522/6252.mvt"
	warm, err := http.Get("http://" + plainAddr + tile)
	if err != nil {
		t.Fatal(err)
	}
	warm.Body.Close()
	etag := warm.Header.Get("Etag")
	screen := "Bearer " + createToken(t, db, access.RoleViewer, "", "wall screen", time.Now().Add(time.Hour))
	hedong := "Bearer " + createToken(t, db, access.RoleViewer, demo.HedongCode, "河东区 dashboard", time.Now().Add(time.Hour))

	// onLane asks tc on the lane and returns the answer and whether the
	// lane gave it.
	onLane := func(t *testing.T, tc fastCase) (string, bool) {
		before := counted.answered.Load()
		got := askOnce(t, laneAddr, tc)
		return got, counted.answered.Load() > before
	}
	for _, tc := range tileFastCases(tile, etag, screen, hedong) {
		t.Run(tc.name, func(t *testing.T) {
			askOnce(t, plainAddr, tc) // the tile cached, the token looked up
			got, answered := onLane(t, tc)
			want := tc.fast && tc.method == http.MethodGet && !strings.Contains(tc.target, "report")
			if answered != want {
				t.Errorf("answered on the lane: %v, want %v", answered, want)
			}
			if plain := askOnce(t, plainAddr, tc); got != plain {
				t.Errorf("through the lane:\n%s\nnet/http alone:\n%s", got, plain)
			}
		})
	}
	t.Run("a tile not drawn yet goes to net/http, then is a hit on the lane", func(t *testing.T) {
		fresh := fastCase{method: "GET", target: "/tiles/grid/14/13523/6252.mvt"}
		for i, want := range []struct {
			lane  bool
			cache string
		}{{false, "X-Cache:[miss]"}, {true, "X-Cache:[hit]"}} {
			got, answered := onLane(t, fresh)
			if answered != want.lane || !strings.Contains(got, want.cache) {
				t.Errorf("ask %d: on the lane %v (want %v), answer:\n%s", i+1, answered, want.lane, got)
			}
		}
	})
	t.Run("a hit counted once, on the lane or not", func(t *testing.T) {
		for _, c := range []struct {
			name string
			tc   fastCase
			lane bool
		}{
			{"cached", fastCase{method: "GET", target: tile}, true},
			{"a 304", fastCase{method: "GET", target: tile, headers: []string{"If-None-Match", etag}}, true},
			{"through net/http", fastCase{method: "HEAD", target: tile}, false},
		} {
			hits := metrictest.Counter(t, "gridmap_tile_cache_hits_total", tileSvc.Collectors()...)
			_, answered := onLane(t, c.tc)
			if n := metrictest.Counter(t, "gridmap_tile_cache_hits_total", tileSvc.Collectors()...) - hits; answered != c.lane || n != 1 {
				t.Errorf("%s: on the lane %v (want %v), %v cache hits counted (want 1)", c.name, answered, c.lane, n)
			}
		}
	})
	t.Run("a version the node has applied, asked in the header", func(t *testing.T) {
		reached := fastCase{method: "GET", target: tile, headers: []string{MinVersionHeader, fmt.Sprint(svc.Version())}}
		if _, answered := onLane(t, reached); !answered {
			t.Error("not answered on the lane")
		}
	})
	t.Run("a version the node has not applied goes to net/http, which refuses it", func(t *testing.T) {
		for _, ahead := range []fastCase{
			{method: "GET", target: fmt.Sprintf("%s?min_version=%d", tile, svc.Version()+1)},
			{method: "GET", target: tile, headers: []string{MinVersionHeader, fmt.Sprint(svc.Version() + 1)}},
			// a layer set drawn fresh (reports: the console's own source)
			{method: "GET", target: fmt.Sprintf("/tiles/grid,report/14/13522/6252.mvt?min_version=%d", svc.Version()+1)},
			// the tileset's TileJSON: its bounds are the districts' at that version
			{method: "GET", target: fmt.Sprintf("/tiles/district,grid.json?min_version=%d", svc.Version()+1)},
		} {
			got, answered := onLane(t, ahead)
			if answered {
				t.Errorf("answered on the lane:\n%s", got)
			}
			// and not with a tile older than asked (a review's finding):
			// the database has not reached it either.
			if !strings.HasPrefix(got, "503 ") || !strings.Contains(got, "Retry-After:[2]") ||
				!strings.Contains(got, `"field":"min_version"`) {
				t.Errorf("a version no database has reached:\n%.600s\nwant 503 naming min_version, with Retry-After", got)
			}
		}
	})
}
