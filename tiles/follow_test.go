package tiles

import (
	"context"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/internal/metrictest"
)

// followed opens a tile service whose cache keys on a resolver index's
// applied versions, as serve wires it; follow says whether the index
// follows changes in the background.
func followed(t *testing.T, db *postgres.DB, follow bool) (*Service, *geo.Service) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	idx := geo.NewService(db, db)
	if err := idx.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if follow {
		go idx.Follow(ctx, geo.FollowOptions{Poll: 20 * time.Millisecond})
	}
	return newService(t, db, Config{Follower: idx}), idx
}

// demoGridTile returns a grid of the demo and the zoom-16 tile of its label.
func demoGridTile(t *testing.T, db *postgres.DB) (string, Coord) {
	t.Helper()
	var grid string
	if err := db.Pool.QueryRow(context.Background(), `SELECT min(code) FROM unit WHERE level = 'grid' AND parent_code = '120104002001' AND valid_to IS NULL`).Scan(&grid); err != nil {
		t.Fatal(err)
	}
	return grid, coordAt(labelOf(t, db, grid), 16)
}

// TestFollowedVersionsServeHitsWithoutQueries: with a follower, cached tiles
// are served without asking the database for versions; a request naming the
// version of an edit sees the edit — from the node once it has applied it,
// or, when the node is behind, from versions read in the database.
func TestFollowedVersionsServeHitsWithoutQueries(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	grid, at := demoGridTile(t, db)
	s, idx := followed(t, db, true)
	stale, _ := followed(t, db, false) // never moves on its own
	for _, svc := range []*Service{s, stale} {
		get(t, svc, "grid", at)
		reads := svc.clock.reads.Load()
		for i := 0; i < 50; i++ {
			if _, _, hit := get(t, svc, "grid", at); !hit {
				t.Fatal("a warm tile was not a hit")
			}
		}
		if n := svc.clock.reads.Load() - reads; n != 0 {
			t.Errorf("50 cache hits read the versions from the database %d times, want 0", n)
		}
	}
	before := feature(decodeGrid(t, s, at), "code", grid)
	mustExec(t, db, redrawGridSQL, grid)
	v, err := db.HeadVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, svc := range map[string]*Service{"a following node": s, "a node that is behind": stale} {
		t.Run(name, func(t *testing.T) {
			r := request(t, svc, "grid", at)
			r.MinVersion = v
			tile, hit, err := svc.Get(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			after := feature(decode(t, tile.Raw)["grid"], "code", grid)
			if hit || after == nil || after.Properties["name"] == before.Properties["name"] {
				t.Errorf("the tile asked at version %d does not show the edit (hit %v): %v", v, hit, after)
			}
		})
	}
	if idx.Version() < v {
		t.Errorf("the following node is at %d, behind %d", idx.Version(), v)
	}
}

// TestCachedAnswersFromMemoryOnly: Cached returns a tile only when the cache
// holds it at the versions the node has applied, asking nothing of the
// database: not before it is drawn, not at a version the node has not
// reached, not a tile drawn before an edit the node has applied, never
// without a follower or for a layer that is drawn fresh; and counts a hit
// for a tile found.
func TestCachedAnswersFromMemoryOnly(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	grid, at := demoGridTile(t, db)
	s, idx := followed(t, db, true)
	acquired := s.pool.Stat().AcquireCount()
	r := request(t, s, "grid", at)
	if _, ok := s.Cached(r); ok {
		t.Fatal("a tile never drawn is cached")
	}
	drawn, _, err := s.Get(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	acquired = s.pool.Stat().AcquireCount() // Get drew it
	hits := metrictest.Counter(t, "gridmap_tile_cache_hits_total", s.Collectors()...)
	if got, ok := s.Cached(r); !ok || got != drawn {
		t.Fatalf("the tile just drawn: cached %v", ok)
	}
	if n := metrictest.Counter(t, "gridmap_tile_cache_hits_total", s.Collectors()...) - hits; n != 1 {
		t.Errorf("%v hits counted for one tile found, want 1", n)
	}
	ahead := r
	ahead.MinVersion = idx.Version() + 1
	if _, ok := s.Cached(ahead); ok {
		t.Error("cached at a version the node has not applied")
	}
	if _, ok := s.Cached(request(t, s, "report", at)); ok {
		t.Error("a report tile, drawn fresh, is cached")
	}
	if n := s.pool.Stat().AcquireCount() - acquired; n != 0 {
		t.Errorf("asked the database %d times, want 0", n)
	}

	mustExec(t, db, redrawGridSQL, grid)
	v, err := db.HeadVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !idx.WaitVersion(ctx, v, 10*time.Second) {
		t.Fatalf("the node did not apply version %d", v)
	}
	if _, ok := s.Cached(r); ok {
		t.Error("the tile drawn before an edit the node has applied is still cached")
	}

	alone := newService(t, db, Config{})
	if _, _, err := alone.Get(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, ok := alone.Cached(r); ok {
		t.Error("cached without a follower, whose versions only the database knows")
	}
}
