package tiles

import (
	"bytes"
	"context"
	"testing"
)

// TestReportTilesShareDrawings: while the drawing of report_hex/0/0/0 (every
// report, read into Go) waits for the database, ten more requests for it
// wait for one more drawing, not ten, and all get the bytes a drawing after
// them gives. The wait is a lock on the report table held by the test.
func TestReportTilesShareDrawings(t *testing.T) {
	s, db := newDemoService(t)
	ctx := context.Background()
	r := request(t, s, "report_hex", Coord{Z: 0, X: 0, Y: 0})
	if r.cacheable() {
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
	waitFor(t, "the first drawing to wait for the lock", func() bool { return len(s.renders) == 1 })
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
	if n := s.uncached.drawn.Load(); n != 2 {
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
