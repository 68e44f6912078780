package tiles

import (
	"context"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgerr"
)

// Answering a tile request: at the data versions it is served at (the
// node's own, or the database's), from the cache when the tile is there,
// else drawn once for every request that asks for it meanwhile.

// Get returns the tile for r and whether it came from the cache. The tile
// reflects every edit committed before Get was called — or, with a
// Follower, every edit this node has applied and at least r.MinVersion.
func (s *Service) Get(ctx context.Context, r Request) (*Tile, bool, error) {
	if !r.Cacheable() {
		// Drawn fresh from the database, but not from one behind the
		// version asked (a standby that has not replayed an edit).
		if err := s.reached(ctx, r.MinVersion); err != nil {
			return nil, false, err
		}
		s.m.misses.Inc()
		t, err := s.drawFresh(ctx, r)
		return t, false, err
	}
	v, at, err := s.versions(ctx, r.MinVersion)
	if err != nil {
		return nil, false, pgerr.Classify(err)
	}
	t, key, ok := s.lookup(r, v, at)
	if ok {
		s.m.hits.Inc()
		return t, true, nil
	}
	s.m.misses.Inc()
	ch := s.flight.DoChan(key, func() (any, error) { return s.renderAndKeep(ctx, key, r) })
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, false, res.Err
		}
		return res.Val.(*Tile), false, nil
	case <-ctx.Done():
		return nil, false, ctx.Err() // the drawing goes on for the others who asked, and is kept
	}
}

// Cached returns r's tile if the cache holds it at the data versions this
// node has applied, without waiting or asking the database (for a caller
// that must not wait: internal/fastlane). It returns false, counting
// nothing, when r is not cacheable, the node follows no change record or
// has not applied r.MinVersion yet, or the tile is not drawn: Get then
// answers.
func (s *Service) Cached(r Request) (*Tile, bool) {
	f := s.cfg.Follower
	if f == nil || !r.Cacheable() {
		return nil, false
	}
	v, at := f.LayerVersions()
	if v == nil || at < r.MinVersion {
		return nil, false
	}
	t, _, ok := s.lookup(r, v, at)
	if !ok {
		return nil, false
	}
	s.m.hits.Inc()
	return t, true
}

// lookup returns r's tile at versions v from the cache, or the key its
// drawing goes by. at is the data version of the node's versions v, or
// fromDatabase: read in the database, where a node following the change
// record knows no key (the tile is drawn, and kept if the node knows the
// versions it was drawn at).
func (s *Service) lookup(r Request, v Versions, at int64) (t *Tile, key string, ok bool) {
	kb := keyBuffers.Get().(*[]byte)
	defer keyBuffers.Put(kb)
	if s.reach == nil {
		*kb = appendCacheKey((*kb)[:0], r, v)
	} else if at == fromDatabase {
		return nil, cacheKey(r, v), false
	} else if *kb, ok = s.reach.appendKey((*kb)[:0], r, v, at); !ok {
		return nil, cacheKey(r, v), false
	}
	if t, ok = s.cache.getBytes(*kb); ok {
		return t, "", true
	}
	return nil, string(*kb), false
}

// fromDatabase is the data version of versions read in the database.
const fromDatabase = -1

// versions returns the layers' data versions a request is served at, and
// the node's data version they are at: the node's own when it follows the
// database and is not behind min, else the database's (at fromDatabase),
// read after the request arrived; EUNAVAILABLE when the database too is
// behind min.
func (s *Service) versions(ctx context.Context, min int64) (Versions, int64, error) {
	if f := s.cfg.Follower; f != nil {
		v, at := f.LayerVersions()
		if v != nil && at >= min {
			return v, at, nil
		}
		if v != nil && f.WaitVersion(ctx, min, minVersionWait) {
			if v, at = f.LayerVersions(); v != nil {
				return v, at, nil
			}
		}
	}
	v, head, err := s.clock.Current(ctx)
	if err == nil && head < min {
		// A tile drawn now would not show every edit the caller has seen
		// (a standby behind, a version not committed yet): 503, as a
		// resolve asking for it gets, not a stale 200.
		return nil, 0, geo.Errorf(geo.EUNAVAILABLE, "min_version",
			"the tiles' database has not reached data version %d yet (it is at %d); retry shortly", min, head)
	}
	return v, fromDatabase, err
}

// reached returns nil when the node or its database has reached data
// version min (0: any), so that what is then read from the database shows
// it; else why not (EUNAVAILABLE where neither has).
func (s *Service) reached(ctx context.Context, min int64) error {
	if min <= 0 {
		return nil
	}
	_, _, err := s.versions(ctx, min)
	return pgerr.Classify(err)
}

// drawFresh draws an uncached tile in a round shared with identical
// requests, in one of the slots of such tiles. Only a request that starts
// a chain of rounds (rounds.go) waits for its client's turn (fair.go), and
// the chain holds the turn until its last round ends; one that finds a
// chain of its tile shares it, turn or not. The turn was once taken before
// anything: a client's identical requests (a command centre's screens
// behind one address, polling one density tile) then waited for each
// other's drawings one by one and shared none (a bench's flood of one
// tile: 1.0 drawings a request). A request waiting for its turn looks
// again every turnPoll for a chain its tile has meanwhile.
func (s *Service) drawFresh(ctx context.Context, r Request) (*Tile, error) {
	key := cacheKey(r, nil)
	draw := func(ctx context.Context, begin func()) (*Tile, error) { return s.renderInSlot(ctx, s.fresh, r, begin) }
	wait, cancel := context.WithTimeout(ctx, s.cfg.RenderTimeout)
	defer cancel()
	for {
		if t, ok, err := s.uncached.share(ctx, key, draw); ok {
			return t, err
		}
		poll, stop := context.WithTimeout(wait, turnPoll)
		release, err := s.clients.wait(poll, r.Client)
		stop()
		switch {
		case err == nil:
			return s.uncached.start(ctx, key, draw, release)
		case ctx.Err() != nil:
			return nil, ctx.Err() // the client hung up
		case wait.Err() != nil:
			return nil, pgerr.Classify(wait.Err()) // RenderTimeout without a turn: unavailable
		}
	}
}

// turnPoll is how often a request waiting for its client's turn looks for
// an identical request's chain to share.
const turnPoll = 10 * time.Millisecond

// renderAndKeep draws the tile for one flight of identical requests. It
// runs detached from the first requester, who may hang up while others wait.
func (s *Service) renderAndKeep(ctx context.Context, key string, r Request) (*Tile, error) {
	if t, ok := s.cache.get(key); ok { // drawn by the flight that just ended
		return t, nil
	}
	t, err := s.renderInSlot(context.WithoutCancel(ctx), s.renders, r, func() {})
	if err != nil {
		return nil, err
	}
	s.keep(t, r)
	return t, nil
}

// keep caches a drawn tile under the key of the versions it was drawn at:
// with a Follower, the latest changes that reached it, when the node knows
// them (it has applied the versions drawn, and no change since reached the
// tile); else it is served to those who asked and not kept.
func (s *Service) keep(t *Tile, r Request) {
	t.coord, t.keyed = r.Coord, t.drawn
	if s.reach != nil {
		key, keyed, ok := s.reach.drawnKey(r, t.drawn)
		if !ok {
			s.m.unkept.Inc()
			return
		}
		t.key, t.keyed = key, keyed
	}
	s.cache.put(t)
}

// Cacheable reports whether every layer drawn at the zoom has a data
// version: a tile drawing an untracked layer is never cached.
func (r Request) Cacheable() bool {
	for _, l := range r.Layers {
		if l.drawnAt(r.Coord.Z) && l.drawnFresh() {
			return false
		}
	}
	return true
}

// renderInSlot draws a tile once it holds one of slots, all within
// RenderTimeout of ctx: for a flight of cacheable tiles (s.renders), or
// under the context of a round of uncacheable ones (s.fresh). It calls
// begin once it holds the slot, before it reads anything.
func (s *Service) renderInSlot(ctx context.Context, slots chan struct{}, r Request, begin func()) (*Tile, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.RenderTimeout)
	defer cancel()
	select {
	case slots <- struct{}{}:
		defer func() { <-slots }()
	case <-ctx.Done():
		return nil, pgerr.Classify(ctx.Err()) // RenderTimeout without a slot: unavailable
	}
	begin()
	start := time.Now()
	t, err := s.render(ctx, r)
	if err == nil {
		s.m.renderSeconds.WithLabelValues(zoomLabel(r.Coord.Z)).Observe(time.Since(start).Seconds())
	}
	return t, err
}
