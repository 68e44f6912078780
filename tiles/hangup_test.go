package tiles

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestClientHangingUp: a request whose client goes away mid-tile returns
// context.Canceled at once (which the API does not treat as an error), and
// the drawing it started still completes and is cached for the next ask.
func TestClientHangingUp(t *testing.T) {
	s, db := newDemoService(t)
	r := request(t, s, allBoundaries, coordAt(labelOf(t, db, "120104"), 11))
	// The client hangs up once the drawing holds a render slot: mid-tile.
	// (A fixed 1 ms used to cancel, on a loaded machine, while the request
	// was still reading the data versions, before any drawing began.)
	ctx, cancel := context.WithCancel(context.Background())
	asked := make(chan struct{})
	go func() {
		defer cancel()
		for len(s.renders) == 0 {
			select {
			case <-asked:
				return
			case <-time.After(100 * time.Microsecond):
			}
		}
	}()
	_, _, err := s.Get(ctx, r)
	close(asked)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a request cancelled mid-tile got %v, want context.Canceled", err)
	}
	// Without asking again: the abandoned drawing itself must land in the
	// cache. It may take as long as any drawing may (RenderTimeout): on two
	// cores shared with every other test package, a district's tile can
	// take seconds.
	deadline := time.Now().Add(s.cfg.RenderTimeout + 5*time.Second)
	for {
		if n, _, _ := s.cache.stats(); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the drawing of the abandoned request was not kept")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, hit, err := s.Get(context.Background(), r); err != nil || !hit {
		t.Errorf("the next request: hit %v, %v", hit, err)
	}
}
