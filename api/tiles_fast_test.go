package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/tiles"
)

// TestFastTilesMatchRouter: for every tile request the fast path takes, its
// answer (status, headers but Date, body) is the router's; every request it
// declines, it leaves unanswered for the router.
func TestFastTilesMatchRouter(t *testing.T) {
	db := demotest.Open(t)
	svc, err := tiles.New(context.Background(), db.Pool, tiles.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	deps := func() Deps {
		return Deps{Units: db, Tiles: svc, CORSOrigins: []string{"https://dash.example"}, TileMaxAge: time.Minute,
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
	for _, tc := range []struct {
		name    string
		method  string
		target  string
		headers []string
		fast    bool
	}{
		{"a cached tile", "GET", tile, nil, true},
		{"gzipped", "GET", tile, []string{"Accept-Encoding", "gzip"}, true},
		{"the client's copy is current", "GET", tile, []string{"If-None-Match", etag}, true},
		{"the client's copy is old", "GET", tile, []string{"If-None-Match", `"old"`}, true},
		{"reports, filtered, without personal data", "GET", "/tiles/report,report_hex/14/13522/6252.mvt?severity=3", nil, true},
		{"min_version reached", "GET", tile + "?min_version=1", nil, true},
		{"unknown layer", "GET", "/tiles/grids/3/0/1.mvt", nil, false},
		{"zoom out of range", "GET", "/tiles/grid/25/0/0.mvt", nil, false},
		{"not a tile format", "GET", "/tiles/grid/3/0/1.png", nil, false},
		{"unknown filter", "GET", "/tiles/grid/3/0/1.mvt?colour=red", nil, false},
		{"empty segment", "GET", "/tiles/grid//0/1.mvt", nil, false},
		{"one segment too many", "GET", "/tiles/grid/3/0/1/2.mvt", nil, false},
		{"trailing slash", "GET", tile + "/", nil, false},
		{"NUL in the path", "GET", "/tiles/grid/3/0/1%00.mvt", nil, false},
		{"TileJSON", "GET", "/tiles/grid.json", nil, false},
		{"catalog", "GET", "/tiles/catalog", nil, false},
		{"a token", "GET", tile, []string{"Authorization", "Bearer nope"}, false},
		{"cross-origin", "GET", tile, []string{"Origin", "https://dash.example"}, false},
		{"HEAD", "HEAD", tile, nil, false},
		{"escaped path", "GET", "/tiles/gri%64/3/0/1.mvt", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := func() *http.Request {
				r := httptest.NewRequest(tc.method, tc.target, nil)
				for i := 0; i+1 < len(tc.headers); i += 2 {
					r.Header.Set(tc.headers[i], tc.headers[i+1])
				}
				return r
			}
			router.ServeHTTP(httptest.NewRecorder(), req()) // both sides answer from the cache
			fastRec := httptest.NewRecorder()
			served := fast.plain(req()) && fast.serve(fastRec, req())
			if served != tc.fast {
				t.Fatalf("fast path served %v, want %v (%d %s)", served, tc.fast, fastRec.Code, fastRec.Body)
			}
			if !served {
				if fastRec.Code != 200 || len(fastRec.Header()) != 0 || fastRec.Body.Len() != 0 {
					t.Fatalf("declined but wrote: %d %v %q", fastRec.Code, fastRec.Header(), fastRec.Body)
				}
				fastRec = httptest.NewRecorder()
				whole.ServeHTTP(fastRec, req())
			}
			routerRec := httptest.NewRecorder()
			router.ServeHTTP(routerRec, req())
			if fastRec.Code != routerRec.Code || fastRec.Body.String() != routerRec.Body.String() {
				t.Fatalf("fast %d %q\nrouter %d %q", fastRec.Code, fastRec.Body, routerRec.Code, routerRec.Body)
			}
			fh, rh := fastRec.Header().Clone(), routerRec.Header().Clone()
			fh.Del("Date")
			rh.Del("Date")
			if fmt.Sprint(fh) != fmt.Sprint(rh) {
				t.Fatalf("headers: fast %v\nrouter %v", fh, rh)
			}
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
	t.Run("counted as the router counts", func(t *testing.T) {
		for _, status := range []string{"200", "304"} {
			if n := routeAnswers(t, fastDeps.Registry, tileRoute, status); n < 1 {
				t.Errorf("GET %s answered %s: counted %v", tileRoute, status, n)
			}
		}
	})
}
