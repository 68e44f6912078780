package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
)

// TestFastTilesMatchRouter: for every tile request the fast path takes, its
// answer (status, headers but Date, body) is the router's; every request it
// declines, it leaves unanswered for the router.
func TestFastTilesMatchRouter(t *testing.T) {
	db := demotest.Open(t)
	svc := openTiles(t, db)
	deps := func() Deps {
		return Deps{Units: db, Tiles: svc, Tokens: db, CORSOrigins: []string{"https://dash.example"}, TileMaxAge: time.Minute,
			Registry: prometheus.NewRegistry()}
	}
	router := headAsGet(newEngine(deps()))
	fastDeps := deps()
	engine, fast := buildEngine(fastDeps)
	whole := fast.wrap(headAsGet(engine))
	const tile = "/tiles/district,street,community,grid,enclave/14/13522/6252.mvt"
	warm := httptest.NewRecorder()
	router.ServeHTTP(warm, httptest.NewRequest("GET", tile, nil))
	if warm.Code != http.StatusOK || warm.Header().Get("Etag") == "" {
		t.Fatalf("warming: %d %v", warm.Code, warm.Header())
	}
	etag := warm.Header().Get("Etag")
	screen := "Bearer " + createToken(t, db, access.RoleViewer, "", "wall screen", time.Now().Add(time.Hour))
	hedong := "Bearer " + createToken(t, db, access.RoleViewer, demo.HedongCode, "河东区 dashboard", time.Now().Add(time.Hour))
	const reports = "/tiles/report,report_hex/14/13522/6252.mvt"
	for _, tc := range tileFastCases(tile, etag, screen, hedong) {
		t.Run(tc.name, func(t *testing.T) {
			// Both sides answer from the tile cache, and have looked the
			// tokens up once.
			router.ServeHTTP(httptest.NewRecorder(), tc.request())
			whole.ServeHTTP(httptest.NewRecorder(), tc.request())
			checkFastCase(t, tc, fast, whole, router)
		})
	}
	t.Run("a tile not cached yet is rendered and then a hit", func(t *testing.T) {
		const fresh = "/tiles/grid/14/13522/6252.mvt"
		first := httptest.NewRecorder()
		if !fast.serve(first, httptest.NewRequest("GET", fresh, nil)) || first.Header().Get("X-Cache") != "miss" {
			t.Fatalf("first: %d %v", first.Code, first.Header())
		}
		again := httptest.NewRecorder()
		router.ServeHTTP(again, httptest.NewRequest("GET", fresh, nil))
		if again.Header().Get("X-Cache") != "hit" || again.Body.String() != first.Body.String() {
			t.Fatalf("the router's answer after the fast path's miss: %v", again.Header())
		}
	})
	t.Run("a scoped token's reports are its scope's", func(t *testing.T) {
		anonymous, scoped := httptest.NewRecorder(), httptest.NewRecorder()
		whole.ServeHTTP(anonymous, httptest.NewRequest("GET", reports, nil))
		req := httptest.NewRequest("GET", reports, nil)
		req.Header.Set("Authorization", hedong)
		whole.ServeHTTP(scoped, req)
		if anonymous.Code != 200 || scoped.Code != 200 || anonymous.Body.String() == scoped.Body.String() {
			t.Errorf("anonymous %d (%d bytes), 河东区's token %d (%d bytes): want two different tiles",
				anonymous.Code, anonymous.Body.Len(), scoped.Code, scoped.Body.Len())
		}
	})
	t.Run("no shared cache may hand a signed-in caller's tile to another", func(t *testing.T) {
		for _, c := range []struct {
			name, token, cacheControl string
		}{
			{"anonymous", "", "public, max-age=60"},
			{"signed in", screen, "private, max-age=60"},
			{"scoped", hedong, "private, max-age=60"},
		} {
			for _, side := range []struct {
				name string
				h    http.Handler
			}{{"router", router}, {"fast path", whole}} {
				req := httptest.NewRequest("GET", reports, nil)
				if c.token != "" {
					req.Header.Set("Authorization", c.token)
				}
				rec := httptest.NewRecorder()
				side.h.ServeHTTP(rec, req)
				vary := strings.Join(rec.Header().Values("Vary"), ", ")
				if got := rec.Header().Get("Cache-Control"); rec.Code != 200 || got != c.cacheControl || !strings.Contains(vary, "Authorization") {
					t.Errorf("%s, %s: %d, Cache-Control %q (want %q), Vary %q (want Authorization)", c.name, side.name, rec.Code, got, c.cacheControl, vary)
				}
			}
		}
	})
	t.Run("counted as the router counts", func(t *testing.T) {
		for _, status := range []string{"200", "304"} {
			if n := routeAnswers(t, fastDeps.Registry, tileRoute, status); n < 1 {
				t.Errorf("GET %s answered %s: counted %v", tileRoute, status, n)
			}
		}
	})
}

// tileFastCases are tile requests and whether the fast path answers them,
// tile being a tile the cache holds (its ETag etag), screen and hedong the
// headers of two tokens looked up, the second scoped to 河东区.
func tileFastCases(tile, etag, screen, hedong string) []fastCase {
	const reports = "/tiles/report,report_hex/14/13522/6252.mvt"
	return []fastCase{
		{name: "a cached tile", method: "GET", target: tile, fast: true},
		{name: "gzipped", method: "GET", target: tile, headers: []string{"Accept-Encoding", "gzip"}, fast: true},
		{name: "the client's copy is current", method: "GET", target: tile, headers: []string{"If-None-Match", etag}, fast: true},
		{name: "the client's copy is old", method: "GET", target: tile, headers: []string{"If-None-Match", `"old"`}, fast: true},
		// Uncached tiles go to the router, which keeps each client's turn
		// by the address it knows (tiles/fair.go).
		{name: "reports, filtered, without personal data", method: "GET", target: "/tiles/report,report_hex/14/13522/6252.mvt?severity=3", fast: false},
		{name: "min_version reached", method: "GET", target: tile + "?min_version=1", fast: true},
		{name: "unknown layer", method: "GET", target: "/tiles/grids/3/0/1.mvt", fast: false},
		{name: "zoom out of range", method: "GET", target: "/tiles/grid/25/0/0.mvt", fast: false},
		{name: "not a tile format", method: "GET", target: "/tiles/grid/3/0/1.png", fast: false},
		{name: "unknown filter", method: "GET", target: "/tiles/grid/3/0/1.mvt?colour=red", fast: false},
		{name: "empty segment", method: "GET", target: "/tiles/grid//0/1.mvt", fast: false},
		{name: "one segment too many", method: "GET", target: "/tiles/grid/3/0/1/2.mvt", fast: false},
		{name: "trailing slash", method: "GET", target: tile + "/", fast: false},
		{name: "NUL in the path", method: "GET", target: "/tiles/grid/3/0/1%00.mvt", fast: false},
		{name: "TileJSON", method: "GET", target: "/tiles/grid.json", fast: false},
		{name: "catalog", method: "GET", target: "/tiles/catalog", fast: false},
		{name: "an unknown token", method: "GET", target: tile, headers: []string{"Authorization", "Bearer nope"}, fast: false},
		{name: "a token the router has looked up", method: "GET", target: tile, headers: []string{"Authorization", screen}, fast: true},
		{name: "reports for a scoped token", method: "GET", target: reports, headers: []string{"Authorization", hedong}, fast: false},
		{name: "an empty Authorization header", method: "GET", target: tile, headers: []string{"Authorization", ""}, fast: true},
		{name: "not a bearer token", method: "GET", target: tile, headers: []string{"Authorization", "Basic eDp5"}, fast: false},
		{name: "two tokens", method: "GET", target: tile, headers: []string{"Authorization", screen, "Authorization", hedong}, fast: false},
		{name: "cross-origin", method: "GET", target: tile, headers: []string{"Origin", "https://dash.example"}, fast: true},
		{name: "cross-origin, gzipped, signed in", method: "GET", target: tile,
			headers: []string{"Origin", "https://dash.example", "Accept-Encoding", "gzip", "Authorization", screen}, fast: true},
		{name: "an origin not allowed", method: "GET", target: tile, headers: []string{"Origin", "https://evil.example"}, fast: true},
		{name: "HEAD", method: "HEAD", target: tile, fast: false},
		{name: "escaped path", method: "GET", target: "/tiles/gri%64/3/0/1.mvt", fast: false},
	}
}
