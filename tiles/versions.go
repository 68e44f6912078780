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
	read    func(ctx context.Context) (Versions, error)
	timeout time.Duration

	mu      sync.Mutex
	running bool
	next    *round // the round requests join; starts when the running one ends

	last    atomic.Pointer[Versions] // the latest successful read
	reading *faillog.Log
	reads   atomic.Uint64
}

type round struct {
	done chan struct{}
	v    Versions
	err  error
}

func newClock(read func(ctx context.Context) (Versions, error), timeout time.Duration) *clock {
	return &clock{read: read, timeout: timeout, reading: &faillog.Log{
		Failing:   "cannot read tile versions; serving cached tiles at the last known versions",
		Recovered: "tile versions readable again", Every: time.Minute, Level: slog.LevelWarn}}
}

// Current returns versions read by a query that started after the call.
// When the database cannot be read it returns the latest versions it knows
// (so cached tiles are still served while the database is away; no edit can
// be committed then anyway), or the error if it never read any.
func (c *clock) Current(ctx context.Context) (Versions, error) {
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
		return r.v, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
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
