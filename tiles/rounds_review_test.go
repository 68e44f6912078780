package tiles

import (
	"context"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

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
	defer func() { <-s.renders }()
	for _, layers := range []string{"district", "report_hex"} {
		r := request(t, s, layers, Coord{Z: 0, X: 0, Y: 0})
		_, _, err := s.Get(context.Background(), r)
		if code := geo.ErrorCodeOf(err); code != geo.EUNAVAILABLE {
			t.Errorf("%s (cacheable %v): a drawing that found no render slot in time failed with %v (%s), want %s",
				layers, r.cacheable(), err, code, geo.EUNAVAILABLE)
		}
	}
}

// TestRoundsSharedCountsAnswers: gridmap_tile_uncached_shared_total counts
// requests answered by a drawing another request started; a request that
// joined a round and hung up before it was drawn was answered by nothing.
func TestRoundsSharedCountsAnswers(t *testing.T) {
	var rs rounds
	d := newDrawer()
	ctx := context.Background()
	first := ask(&rs, ctx, "k", d)
	d.waitStarted(t)
	second := ask(&rs, ctx, "k", d) // starts the next round
	waitFor(t, "1 waiting", func() bool { return rs.waiting("k") == 1 })
	for range 3 { // join it, then hang up
		rctx, hangUp := context.WithCancel(ctx)
		gone := ask(&rs, rctx, "k", d)
		waitFor(t, "2 waiting", func() bool { return rs.waiting("k") == 2 })
		hangUp()
		<-gone
	}
	d.release <- struct{}{}
	<-first
	d.waitStarted(t)
	d.release <- struct{}{}
	if a := <-second; a.err != nil {
		t.Fatal(a.err)
	}
	if n := rs.shared.Load(); n != 0 {
		t.Errorf("shared %d: the only answers were by drawings their own request started, want 0", n)
	}
}
