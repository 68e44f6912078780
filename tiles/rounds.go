package tiles

import (
	"context"
	"sync"
	"sync/atomic"
)

// rounds coalesces the drawing of tiles that cannot be cached (the layers
// of reports and patrols, which have no data version): identical requests
// share a drawing, as the clock's requests share a version read, without
// one request ever being given a tile read before it arrived.
//
// A request for a key no one is drawing starts a round. A request that
// arrives while a round waits for a render slot joins it: nothing has been
// read yet. One that arrives after the round began reading does not — the
// round may have read the database before the request's report was
// committed — but waits for the next round of its key, which starts when
// the running one ends, after every request waiting for it arrived. So a
// key costs at most one drawing at a time, and one waiting, however many
// dashboards poll it: a flood of one costly tile (report_hex/0/0/0 reads
// every report) draws it about once per drawing time, not once per request.
//
// A round is drawn for as long as one of its requests waits: when the last
// hangs up, its drawing is cancelled (the tile is kept nowhere).
type rounds struct {
	mu   sync.Mutex
	keys map[string]*keyRounds

	drawn  atomic.Uint64 // rounds drawn
	shared atomic.Uint64 // requests answered by a round another request started (not those that hung up)
}

// keyRounds is the state of one key while a round of it runs: a chain of
// rounds, each started while the one before ran.
type keyRounds struct {
	running *drawRound
	next    *drawRound // the round later requests join; it starts when the running one ends
	release func()     // gives back the turn the chain's first request held (fair.go), when the chain ends; or nil
}

// drawFunc draws a tile under ctx, calling begin just before it first
// reads the database: until then, requests join its round.
type drawFunc func(ctx context.Context, begin func()) (*Tile, error)

// drawRound is one drawing and the requests waiting for it.
type drawRound struct {
	draw    drawFunc // the first request's
	ctx     context.Context
	cancel  context.CancelFunc
	waiters int  // guarded by rounds.mu
	begun   bool // guarded by rounds.mu: the drawing has begun reading
	done    chan struct{}
	tile    *Tile
	err     error
}

func newDrawRound(ctx context.Context, draw drawFunc) *drawRound {
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	return &drawRound{draw: draw, ctx: rctx, cancel: cancel, done: make(chan struct{})}
}

// start returns the tile of key drawn by a round that began reading after
// the call, with draw (or an identical request's draw) under a context
// that ends when every request waiting for the round has hung up; ctx
// ending returns its error at once. The request holds its client's turn
// (fair.go), which release (not nil) gives back: one that starts the key's
// chain of rounds hands the turn to the chain, which holds it until its
// last round ends (then release); one that finds a chain gives it back at
// once.
func (rs *rounds) start(ctx context.Context, key string, draw drawFunc, release func()) (*Tile, error) {
	r, own, chained := rs.join(ctx, key, draw, release)
	if !chained {
		release()
	}
	return rs.wait(ctx, key, r, own)
}

// share is start for a request that has not its client's turn: it waits
// for a round of key's chain, if one runs (ok), as start would; else it
// returns at once, ok false, and starts nothing. Identical requests so
// share a drawing whatever their turns, and a chain, holding its first
// request's turn, draws its rounds without waiting for another.
func (rs *rounds) share(ctx context.Context, key string, draw drawFunc) (t *Tile, ok bool, err error) {
	r, own, _ := rs.join(ctx, key, draw, nil)
	if r == nil {
		return nil, false, nil
	}
	t, err = rs.wait(ctx, key, r, own)
	return t, true, err
}

// wait waits for r's tile, or for ctx to end (the request leaves r).
func (rs *rounds) wait(ctx context.Context, key string, r *drawRound, own bool) (*Tile, error) {
	select {
	case <-r.done:
		if !own {
			rs.shared.Add(1)
		}
		return r.tile, r.err
	case <-ctx.Done():
		rs.leave(key, r)
		return nil, ctx.Err()
	}
}

// join returns the round a request for key waits for: the running one if
// it has not begun reading; else the key's next round (made with draw if
// none waits); when no round of key runs, a new chain started at once
// (chained) holding turn, or, with turn nil, nothing (r nil). own says
// the round draws with this request's draw.
func (rs *rounds) join(ctx context.Context, key string, draw drawFunc, turn func()) (r *drawRound, own, chained bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	k, running := rs.keys[key]
	switch {
	case !running && turn == nil:
		return nil, false, false
	case !running:
		if rs.keys == nil {
			rs.keys = map[string]*keyRounds{}
		}
		k = &keyRounds{running: newDrawRound(ctx, draw), release: turn}
		rs.keys[key] = k
		r, own, chained = k.running, true, true
		go rs.run(key, k)
	case !k.running.begun && k.running.waiters > 0: // (with none, it is cancelled)
		r = k.running
	case k.next == nil:
		k.next = newDrawRound(ctx, draw)
		r, own = k.next, true
	default:
		r = k.next
	}
	r.waiters++
	return r, own, chained
}

// begin marks r as reading: requests arriving from now on wait for the
// next round.
func (rs *rounds) begin(r *drawRound) {
	rs.mu.Lock()
	r.begun = true
	rs.mu.Unlock()
}

// leave takes a request that hung up off r. A round left by all its
// requests is cancelled; one that has not started is dropped.
func (rs *rounds) leave(key string, r *drawRound) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if r.waiters--; r.waiters > 0 {
		return
	}
	r.cancel()
	if k := rs.keys[key]; k != nil && k.next == r {
		k.next = nil
	}
}

// run draws the key's running round, then each round joined while the one
// before ran.
func (rs *rounds) run(key string, k *keyRounds) {
	for r := k.running; r != nil; r = k.running {
		r.tile, r.err = r.draw(r.ctx, func() { rs.begin(r) })
		r.cancel()
		rs.drawn.Add(1)
		close(r.done)
		rs.mu.Lock()
		k.running, k.next = k.next, nil
		ended := k.running == nil
		if ended {
			delete(rs.keys, key)
		}
		rs.mu.Unlock()
		if ended && k.release != nil {
			k.release() // the chain ended: its turn is given back
		}
	}
}
