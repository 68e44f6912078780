package tiles

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// TestReportTilesShareDrawings: while the drawing of report_hex/0/0/0 (every
// report, read into Go) waits for the database, ten more requests for it
// wait for one more drawing, not ten, and all get the bytes a drawing after
// them gives. The wait is a lock on the report table held by the test.
func TestReportTilesShareDrawings(t *testing.T) {
	s, db := newDemoService(t)
	// Within the process (no client), and from one client's address (a
	// command centre's screens behind one NAT): each turn of a client was
	// once taken before sharing, and one client's identical requests drew
	// one by one.
	for _, client := range []string{"", "203.0.113.7"} {
		t.Run("client "+client, func(t *testing.T) { testReportTilesShareDrawings(t, s, db, client) })
	}
}

func testReportTilesShareDrawings(t *testing.T, s *Service, db *postgres.DB, client string) {
	ctx := context.Background()
	r := request(t, s, "report_hex", Coord{Z: 0, X: 0, Y: 0})
	r.Client = client
	drawn := s.uncached.drawn.Load()
	if r.Cacheable() {
		t.Fatal("report_hex became cacheable; this test is about tiles that are not")
	}
	lock, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(ctx)
	if _, err := lock.Exec(ctx, `LOCK TABLE report IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		tile *Tile
		err  error
	}
	answers := make(chan answer, 11)
	get := func() {
		tile, _, err := s.Get(ctx, r)
		answers <- answer{tile, err}
	}
	go get()
	waitFor(t, "the first drawing to wait for the lock", func() bool { return len(s.fresh) == 1 })
	for range 10 {
		go get()
	}
	waitFor(t, "ten requests waiting", func() bool { return s.uncached.waiting(cacheKey(r, nil)) == 10 })
	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	var tiles []*Tile
	for range 11 {
		a := <-answers
		if a.err != nil {
			t.Fatal(a.err)
		}
		tiles = append(tiles, a.tile)
	}
	if n := s.uncached.drawn.Load() - drawn; n != 2 {
		t.Errorf("11 requests drew the tile %d times, want 2 (the first, and one for the ten)", n)
	}
	again, _, err := s.Get(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	for i, tile := range tiles {
		if !bytes.Equal(tile.Raw, again.Raw) {
			t.Errorf("request %d got %d bytes unlike the %d drawn after", i, len(tile.Raw), len(again.Raw))
		}
	}
}

// TestUncachedRenderSlotTimeoutIsUnavailable: a drawing of a report tile
// that waits for a render slot longer than RenderTimeout fails as the
// drawing of a cacheable tile does, with EUNAVAILABLE (503, Retry-After),
// not a bare context.DeadlineExceeded, which the API answers as a 500
// "internal error" and logs as a bug. The request itself is still there:
// its own context has no deadline.
func TestUncachedRenderSlotTimeoutIsUnavailable(t *testing.T) {
	db := demotest.Open(t)
	s := newService(t, db, Config{RenderTimeout: 200 * time.Millisecond, Renders: 1})
	s.renders <- struct{}{} // every slot busy
	fill(s.fresh)
	defer func() { <-s.renders; drain(s.fresh) }()
	for _, layers := range []string{"district", "report_hex"} {
		r := request(t, s, layers, Coord{Z: 0, X: 0, Y: 0})
		_, _, err := s.Get(context.Background(), r)
		if code := geo.ErrorCodeOf(err); code != geo.EUNAVAILABLE {
			t.Errorf("%s (cacheable %v): a drawing that found no render slot in time failed with %v (%s), want %s",
				layers, r.Cacheable(), err, code, geo.EUNAVAILABLE)
		}
	}
}

// TestReportTilesWaitingForASlotShareIt: while every render slot is busy,
// requests for one report tile join the drawing waiting for a slot (it has
// read nothing yet) and are all answered by it, not one after another.
func TestReportTilesWaitingForASlotShareIt(t *testing.T) {
	db := demotest.Open(t)
	s := newService(t, db, Config{Renders: 1})
	r := request(t, s, "report_hex", Coord{Z: 0, X: 0, Y: 0})
	fill(s.fresh) // every slot of uncached tiles busy
	answers := make(chan error, 5)
	for range 5 {
		go func() {
			_, _, err := s.Get(context.Background(), r)
			answers <- err
		}()
	}
	waitFor(t, "five requests waiting for one drawing", func() bool { return s.uncached.waitingNow(cacheKey(r, nil)) == 5 })
	drain(s.fresh)
	for range 5 {
		if err := <-answers; err != nil {
			t.Fatal(err)
		}
	}
	if n, shared := s.uncached.drawn.Load(), s.uncached.shared.Load(); n != 1 || shared != 4 {
		t.Errorf("drawn %d, shared %d; want 1 and 4", n, shared)
	}
}
