package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestFastPathConcurrently: resolves and tiles answered from many
// goroutines at once — through the answers' encodings kept in memos and
// shared tables, the Date and version header caches, the tile cache — each
// get the router's answer. CI runs it under the race detector, which is
// what it is for: the fast path's caches are shared without locks.
func TestFastPathConcurrently(t *testing.T) {
	// The fast path's node and the router's are apart, each with its own
	// index and tile cache: the expected answers are worked out on the
	// router's, so the fast path's caches are empty when the goroutines
	// start, and they fill them at once.
	node := func() Deps {
		db, resolver := openDemoService(t)
		return Deps{Units: db, Resolver: resolver, Tiles: openTiles(t, db), CORSOrigins: []string{"*"}, Registry: prometheus.NewRegistry()}
	}
	engine, fast := buildEngine(node())
	whole := fast.wrap(headAsGet(engine))
	router := headAsGet(newEngine(node()))

	// Points over the demo's extent (managed, unmanaged, enclaves, outside),
	// some from another origin, and the tiles of a dashboard's view.
	var targets []string
	for i := range 12 {
		for j := range 8 {
			targets = append(targets, fmt.Sprintf("/v1/resolve?lng=%.5f&lat=%.5f", 117.08+float64(i)*0.035, 38.98+float64(j)*0.035))
		}
	}
	for x := 13520; x < 13525; x++ {
		targets = append(targets, fmt.Sprintf("/tiles/district,street,community,grid,enclave/14/%d/6252.mvt", x))
	}
	// Requests like these are the fast path's (asked of points and a tile
	// the goroutines do not ask for, to keep its caches empty for them).
	for _, target := range []string{"/v1/resolve?lng=117.2&lat=39.1", "/tiles/district,street,community,grid,enclave/13/6760/3126.mvt"} {
		if rec := httptest.NewRecorder(); !fast.plain(fastRequest(target, "")) || !fast.serve(rec, fastRequest(target, "")) {
			t.Fatalf("the fast path declines %s: this would test the router", target)
		}
	}
	origin := func(i int) string { return [2]string{"", "https://dash.example"}[i%2] }
	want := make([]string, 2*len(targets))
	for i := range want {
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, fastRequest(targets[i/2], origin(i)))
		want[i] = fmt.Sprint(rec.Code, rec.Header().Get("Access-Control-Allow-Origin"), rec.Body.String())
	}

	const workers, each = 8, 400
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range each {
				i := (w*97 + n*31) % len(want)
				rec := httptest.NewRecorder()
				whole.ServeHTTP(rec, fastRequest(targets[i/2], origin(i)))
				if got := fmt.Sprint(rec.Code, rec.Header().Get("Access-Control-Allow-Origin"), rec.Body.String()); got != want[i] {
					errs <- fmt.Sprintf("%s (origin %q): %.200s\nwant %.200s", targets[i/2], origin(i), got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// fastRequest is a GET of target, from origin unless it is "".
func fastRequest(target, origin string) *http.Request {
	r := httptest.NewRequest("GET", target, nil)
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	return r
}
