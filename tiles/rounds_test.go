package tiles

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// drawer is a drawing the test lets finish: each call announces itself on
// started and returns a new tile when released (or ctx's error). With a
// gate, a call begins reading only once the gate opens (a drawing waiting
// for a render slot); without, at once.
type drawer struct {
	started chan int // the call's number, from 1
	gate    chan struct{}
	release chan struct{}
	mu      sync.Mutex
	calls   int
}

func newDrawer() *drawer {
	return &drawer{started: make(chan int, 16), release: make(chan struct{})}
}

func (d *drawer) draw(ctx context.Context, begin func()) (*Tile, error) {
	d.mu.Lock()
	d.calls++
	n := d.calls
	d.mu.Unlock()
	if d.gate == nil {
		begin()
	}
	d.started <- n
	if d.gate != nil {
		<-d.gate // deaf to ctx: a cancelled drawing stays in its round until the gate opens
		begin()
	}
	select {
	case <-d.release:
		return &Tile{ETag: string(rune('0' + n))}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// waitStarted returns the number of the next drawing to start.
func (d *drawer) waitStarted(t *testing.T) int {
	t.Helper()
	select {
	case n := <-d.started:
		return n
	case <-time.After(10 * time.Second):
		t.Fatal("no drawing started")
		return 0
	}
}

// answer is what one start call returned.
type answer struct {
	tile *Tile
	err  error
}

// ask calls start in the background, as a request holding no turn.
func ask(rs *rounds, ctx context.Context, key string, d *drawer) <-chan answer {
	out := make(chan answer, 1)
	go func() {
		t, err := rs.start(ctx, key, d.draw, func() {})
		out <- answer{t, err}
	}()
	return out
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// waiting counts the requests waiting for key's next round.
func (rs *rounds) waiting(key string) int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if k := rs.keys[key]; k != nil && k.next != nil {
		return k.next.waiters
	}
	return 0
}

// waitingNow counts the requests waiting for key's running round.
func (rs *rounds) waitingNow(key string) int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if k := rs.keys[key]; k != nil {
		return k.running.waiters
	}
	return 0
}

func TestRoundsShareOnlyLaterDrawings(t *testing.T) {
	ctx := context.Background()
	t.Run("requests during a drawing share the next one", func(t *testing.T) {
		var rs rounds
		d := newDrawer()
		first := ask(&rs, ctx, "k", d)
		if n := d.waitStarted(t); n != 1 {
			t.Fatalf("drawing %d started first", n)
		}
		var later []<-chan answer
		for range 5 {
			later = append(later, ask(&rs, ctx, "k", d))
		}
		waitFor(t, "5 waiting", func() bool { return rs.waiting("k") == 5 })
		d.release <- struct{}{}
		if a := <-first; a.err != nil || a.tile.ETag != "1" {
			t.Fatalf("the first request got %v, %v; want drawing 1", a.tile, a.err)
		}
		if n := d.waitStarted(t); n != 2 {
			t.Fatalf("drawing %d started second", n)
		}
		d.release <- struct{}{}
		for i, ch := range later {
			if a := <-ch; a.err != nil || a.tile.ETag != "2" {
				t.Fatalf("request %d, which arrived during drawing 1, got %v, %v; want drawing 2", i, a.tile, a.err)
			}
		}
		if got, shared := rs.drawn.Load(), rs.shared.Load(); got != 2 || shared != 4 {
			t.Errorf("drawn %d, shared %d; want 2 and 4", got, shared)
		}
		waitFor(t, "the key forgotten", func() bool { rs.mu.Lock(); defer rs.mu.Unlock(); return len(rs.keys) == 0 })
	})
	t.Run("keys draw apart", func(t *testing.T) {
		var rs rounds
		d := newDrawer()
		a, b := ask(&rs, ctx, "a", d), ask(&rs, ctx, "b", d)
		d.waitStarted(t)
		d.waitStarted(t) // both at once: b did not wait for a
		close(d.release)
		for _, ch := range []<-chan answer{a, b} {
			if r := <-ch; r.err != nil {
				t.Fatal(r.err)
			}
		}
	})
	t.Run("the last request hanging up cancels its drawing", func(t *testing.T) {
		var rs rounds
		d := newDrawer()
		rctx, hangUp := context.WithCancel(ctx)
		ch := ask(&rs, rctx, "k", d)
		d.waitStarted(t)
		hangUp()
		if a := <-ch; !errors.Is(a.err, context.Canceled) {
			t.Fatalf("the request got %v, want context.Canceled", a.err)
		}
		waitFor(t, "the drawing cancelled", func() bool { return rs.drawn.Load() == 1 })
	})
	t.Run("a drawing another request waits for goes on", func(t *testing.T) {
		var rs rounds
		d := newDrawer()
		ask(&rs, ctx, "k", d)
		d.waitStarted(t)
		rctx, hangUp := context.WithCancel(ctx)
		gone, stays := ask(&rs, rctx, "k", d), ask(&rs, ctx, "k", d)
		waitFor(t, "2 waiting", func() bool { return rs.waiting("k") == 2 })
		hangUp()
		if a := <-gone; !errors.Is(a.err, context.Canceled) {
			t.Fatalf("the request that hung up got %v", a.err)
		}
		d.release <- struct{}{}
		d.waitStarted(t)
		d.release <- struct{}{}
		if a := <-stays; a.err != nil || a.tile.ETag != "2" {
			t.Fatalf("the request still waiting got %v, %v; want drawing 2", a.tile, a.err)
		}
	})
	t.Run("a round everyone left is not drawn", func(t *testing.T) {
		var rs rounds
		d := newDrawer()
		first := ask(&rs, ctx, "k", d)
		d.waitStarted(t)
		rctx, hangUp := context.WithCancel(ctx)
		gone := ask(&rs, rctx, "k", d)
		waitFor(t, "1 waiting", func() bool { return rs.waiting("k") == 1 })
		hangUp()
		<-gone
		d.release <- struct{}{}
		<-first
		waitFor(t, "the key forgotten", func() bool { rs.mu.Lock(); defer rs.mu.Unlock(); return len(rs.keys) == 0 })
		if n := rs.drawn.Load(); n != 1 {
			t.Errorf("%d drawings, want 1: the abandoned round was drawn", n)
		}
	})
	t.Run("requests join a drawing that has not begun reading", func(t *testing.T) {
		var rs rounds
		d := newDrawer()
		d.gate = make(chan struct{})
		first := ask(&rs, ctx, "k", d)
		d.waitStarted(t) // waiting for its slot
		second := ask(&rs, ctx, "k", d)
		waitFor(t, "2 waiting for the first drawing", func() bool { return rs.waitingNow("k") == 2 })
		close(d.gate)
		d.release <- struct{}{}
		for _, ch := range []<-chan answer{first, second} {
			if a := <-ch; a.err != nil || a.tile.ETag != "1" {
				t.Fatalf("got %v, %v; want drawing 1", a.tile, a.err)
			}
		}
		if n, shared := rs.drawn.Load(), rs.shared.Load(); n != 1 || shared != 1 {
			t.Errorf("drawn %d, shared %d; want 1 and 1", n, shared)
		}
	})
	t.Run("a request does not join a drawing everyone left", func(t *testing.T) {
		var rs rounds
		d := newDrawer()
		d.gate = make(chan struct{})
		rctx, hangUp := context.WithCancel(ctx)
		gone := ask(&rs, rctx, "k", d)
		d.waitStarted(t)
		hangUp()
		if a := <-gone; !errors.Is(a.err, context.Canceled) {
			t.Fatalf("the request that hung up got %v", a.err)
		}
		// The cancelled drawing has not ended yet (it waits at the gate).
		later := ask(&rs, ctx, "k", d)
		waitFor(t, "the later request waiting", func() bool { return rs.waiting("k")+rs.waitingNow("k") == 1 })
		close(d.gate)
		d.waitStarted(t) // the later request's own drawing
		close(d.release)
		if a := <-later; a.err != nil || a.tile.ETag != "2" {
			t.Fatalf("a request after the last one left got %v, %v; want drawing 2", a.tile, a.err)
		}
	})
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
