package tiles

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridmap-dev/gridmap/internal/faillog"
)

// Versions maps each data_version layer (district, grid, enclave, …) to
// its current version. A Versions value is never modified once published.
type Versions map[string]int64

// versionRead is one read of the versions: every layer's, and the data
// version they are all at (data_head), which a request's min_version is
// held to.
type versionRead struct {
	layers Versions
	head   int64
}

// clock tells every tile request the data versions as they are now, read
// from the database after the request arrived: a NOTIFY alone could still
// be on its way when a client that has just committed an edit asks for the
// tile (on this replica or another), and the tile would be stale.
//
// Reads are coalesced: one query is in flight at a time, and every request
// that arrives meanwhile waits for the next one, which starts after it
// arrived. Under load a single query per database round trip serves all
// requests, so cache hits cost a fraction of a query each.
type clock struct {
	read    func(ctx context.Context) (versionRead, error)
	timeout time.Duration

	mu      sync.Mutex
	running bool
	next    *round // the round requests join; starts when the running one ends

	last    atomic.Pointer[versionRead] // the latest successful read
	reading *faillog.Log
	reads   atomic.Uint64
}

type round struct {
	done chan struct{}
	v    versionRead
	err  error
}

func newClock(read func(ctx context.Context) (versionRead, error), timeout time.Duration) *clock {
	return &clock{read: read, timeout: timeout, reading: &faillog.Log{
		Failing:   "cannot read tile versions; serving cached tiles at the last known versions",
		Recovered: "tile versions readable again", Every: time.Minute, Level: slog.LevelWarn}}
}

// Current returns versions read by a query that started after the call,
// and the data version they are at. When the database cannot be read it
// returns the latest versions it knows (so cached tiles are still served
// while the database is away; no edit can be committed then anyway), or
// the error if it never read any.
func (c *clock) Current(ctx context.Context) (Versions, int64, error) {
	c.mu.Lock()
	if c.next == nil {
		c.next = &round{done: make(chan struct{})}
	}
	r := c.next
	if !c.running {
		c.running, c.next = true, nil
		go c.run(r)
	}
	c.mu.Unlock()
	select {
	case <-r.done:
		return r.v.layers, r.v.head, r.err
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
}

// run performs r and then every round that was joined while it ran.
func (c *clock) run(r *round) {
	for r != nil {
		c.perform(r)
		c.mu.Lock()
		r, c.next = c.next, nil
		c.running = r != nil
		c.mu.Unlock()
	}
}

func (c *clock) perform(r *round) {
	defer close(r.done)
	// The round serves many requests, so it runs under its own deadline
	// rather than any one request's context.
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	c.reads.Add(1)
	v, err := c.read(ctx)
	c.reading.Report(ctx, err, time.Now())
	if err == nil {
		c.last.Store(&v)
		r.v = v
		return
	}
	if last := c.last.Load(); last != nil {
		r.v = *last
		return
	}
	r.err = err
}

// Changed is told of every change notification (the layers changed; none
// after the listener reconnected). Cached tiles can never be served stale
// — every request reads the versions — so this only frees, in the
// background, the memory of tiles the change made obsolete.
func (s *Service) Changed(layers []string) {
	select {
	case s.sweeps <- struct{}{}:
	default: // a sweep is already due; it will see this change too
	}
}

// Follow runs the sweeps asked for by Changed until ctx ends.
func (s *Service) Follow(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.sweeps:
			s.sweep(ctx)
		}
	}
}

func (s *Service) sweep(ctx context.Context) {
	stale, err := s.staleness(ctx)
	if err != nil {
		return
	}
	n := s.cache.sweep(stale)
	if n > 0 {
		slog.DebugContext(ctx, "tile cache swept after a change", "dropped", n)
	}
}

func (s *Service) readVersions(ctx context.Context) (versionRead, error) {
	rows, err := s.pool.Query(ctx, versionsSQL)
	if err != nil {
		return versionRead{}, err
	}
	defer rows.Close()
	v := versionRead{layers: Versions{}}
	for rows.Next() {
		var layer *string
		var version *int64
		if err := rows.Scan(&v.head, &layer, &version); err != nil {
			return versionRead{}, err
		}
		if layer != nil && version != nil {
			v.layers[*layer] = *version
		}
	}
	return v, rows.Err()
}

// staleness returns the test of a cached tile no request will ask for
// again: with a Follower, one a change the node applied has reached since
// it was drawn; else one drawn at versions before the database's.
func (s *Service) staleness(ctx context.Context) (func(*Tile) bool, error) {
	if s.reach != nil {
		if _, at := s.cfg.Follower.LayerVersions(); at != 0 {
			s.reach.catchUp(at)
		}
		return func(t *Tile) bool { return !s.reach.current(t.coord, t.keyed) }, nil
	}
	v, _, err := s.clock.Current(ctx)
	if err != nil {
		return nil, err
	}
	return func(t *Tile) bool {
		for layer, drawn := range t.drawn {
			if v[layer] != drawn {
				return true
			}
		}
		return false
	}, nil
}
