package geo

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
)

// CurrentData is everything the in-memory index is built from, read in one
// consistent database snapshot.
type CurrentData struct {
	Units    []Unit
	Enclaves []Enclave
	Version  int64            // the data version it reflects
	Since    time.Time        // the latest valid_from/valid_to up to now: the data hold from then on
	Until    time.Time        // the next valid_from/valid_to after now: the data hold until then (zero: for good)
	Layers   map[string]int64 // the data version of each tile layer (district, grid, enclave, gap, ...)
	Stamp    string           // the identity of Version (ChangeSet.Stamp)
}

// ChangeSource is the database a node follows: the current data for a
// full build, and the changes committed after a data version, read from
// the change record (which works on a hot standby too, where nothing can be
// listened for). HeadVersion is the latest committed data version;
// Checksums are those of the current rows, with the version they are at.
type ChangeSource interface {
	LoadCurrent(ctx context.Context) (CurrentData, error)
	ChangesSince(ctx context.Context, version int64) (ChangeSet, error)
	HeadVersion(ctx context.Context) (int64, error)
	Checksums(ctx context.Context) (Checksums, int64, error)
}

// PastResolver applies the resolution rules in PostGIS to the versions
// valid at at (zero: now) — a time before the index's data, or data at a
// version the index has not reached — once the data has reached minVersion
// (EUNAVAILABLE while it has not), naming the data version it read. p is
// WGS84.
type PastResolver interface {
	ResolveCurrent(ctx context.Context, p orb.Point, at time.Time, minVersion int64) (Resolution, error)
}

// Freshness bounds: how long a request naming a minimum version waits for
// the index before PostGIS answers it; how long a write waits for its own
// node to apply it; how many points a batch may resolve in PostGIS.
const (
	MinVersionWait   = 500 * time.Millisecond
	WriteApplyWait   = 10 * time.Second
	maxBehindInSQL   = 1000
	bigChangeShare   = 0.2  // a change touching this share of the polygons is rebuilt, not applied
	bigChangeMinimum = 5000 // ...if it touches at least this many
)

// Service is the Resolver: it answers from an immutable index snapshot and
// keeps it fresh by applying the changes of the database it follows, in
// version order, incrementally. Requests never wait for a change and never
// see half of one. Questions about the past go to Past.
type Service struct {
	Source ChangeSource
	Past   PastResolver
	// OnChange, when set, is called after the index has moved to a new
	// version, with the tile layers whose data changed (nil: all).
	OnChange func(layers []string)

	current atomic.Pointer[indexed]
	kick    chan struct{}
	// dropped: the index was let go because it held data the database
	// has lost (rebuildAfterLoss), and no rebuild has been published since:
	// PostGIS answers meanwhile.
	dropped atomic.Bool
	// failingSince is when the reads of the database's changes began to
	// fail (UnixNano; 0 while they succeed), and following how many
	// Follow loops run: Ready tells a follower whose reads fail or hang.
	failingSince atomic.Int64
	following    atomic.Int32
	readTimeout  atomic.Int64 // FollowOptions.ReadTimeout

	mu      sync.Mutex // held while the index is rebuilt or changed
	ix      *Index
	tileLog tileChangeLog // what the changes applied did where (TileChangesSince)

	waitMu sync.Mutex
	waitCh chan struct{} // closed at every publish

	// missed is the data version a wait last gave up on: requests for it
	// go to PostGIS at once instead of waiting in turn.
	missed MissedVersion

	// pendingFrom is the data version after which the changes hold a
	// version that starts later (-1: none), pendingAll that the last full
	// build did: Recheck reads them again then. Guarded by mu.
	pendingFrom int64
	pendingAll  bool

	applied, applyNanos, rebuilds, rebuildNanos atomic.Int64
	headSeen                                    atomic.Int64 // the source's data version at the last look
}

// FollowStats counts what a Service did to keep its index fresh.
type FollowStats struct {
	Applied      int64         // changes applied incrementally
	ApplyTime    time.Duration // wall time spent applying them (one goroutine: about their CPU time)
	Rebuilds     int64         // full builds, the first one included
	RebuildTime  time.Duration // wall time of the full builds (loading included)
	IndexVersion int64
	// DatabaseVersion is the latest data version the source held when the
	// index last looked: the index is that far behind its database.
	DatabaseVersion int64
}

// FollowStats returns the counts so far.
func (s *Service) FollowStats() FollowStats {
	return FollowStats{Applied: s.applied.Load(), ApplyTime: time.Duration(s.applyNanos.Load()),
		Rebuilds: s.rebuilds.Load(), RebuildTime: time.Duration(s.rebuildNanos.Load()), IndexVersion: s.Version(),
		DatabaseVersion: s.headSeen.Load()}
}

type indexed struct {
	snap *Snapshot
	// The index's data hold from since until until (zero: for good): a
	// version that starts later, and the one it ends, change them then.
	since, until time.Time
	layers       map[string]int64 // tile layers' versions at snap's version; never modified once published
	stamp        string           // the identity of snap's version (ChangeSet.Stamp)
}

// predates reports whether a query about time at (zero: now) asks about a
// moment the index's data do not hold for: before they took effect, or
// once a version that starts later has: PostGIS answers it.
func (c *indexed) predates(at time.Time) bool {
	if at.IsZero() {
		return !c.holdsNow()
	}
	return at.Before(c.since) || (!c.until.IsZero() && !at.Before(c.until))
}

// holdsNow reports whether the index's data hold now, by this node's clock:
// no version that starts later has begun. From its start until Recheck has
// read it (a few milliseconds later) the index still holds the version
// that ended, and questions about now go to PostGIS.
func (c *indexed) holdsNow() bool { return c.until.IsZero() || time.Now().Before(c.until) }

var _ Resolver = (*Service)(nil)

// NewService returns a service; call Reload (and Follow) before use.
func NewService(src ChangeSource, past PastResolver) *Service {
	return &Service{Source: src, Past: past, kick: make(chan struct{}, 1), waitCh: make(chan struct{}), pendingFrom: -1}
}

// Reload builds a new index from the source's current data and publishes it.
func (s *Service) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reloadLocked(ctx)
}

func (s *Service) reloadLocked(ctx context.Context) error {
	start := time.Now()
	load, cancel := context.WithTimeout(ctx, loadTimeout)
	data, err := s.Source.LoadCurrent(load)
	cancel()
	s.noteRead(err)
	if err != nil {
		return fmt.Errorf("load index data: %w", err)
	}
	loaded := time.Since(start)
	ix, err := NewIndex(data.Units, data.Enclaves, data.Version)
	if err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	s.ix = ix
	s.headSeen.Store(data.Version)
	s.pendingFrom, s.pendingAll = -1, !data.Until.IsZero()
	s.publish(&indexed{snap: ix.Snapshot(), since: data.Since, until: data.Until, layers: data.Layers, stamp: data.Stamp})
	s.dropped.Store(false)
	// After the publish: a tile cache that sees the new epoch starts again
	// from the new index's versions.
	s.tileLog.restart(data.Version)
	s.rebuilds.Add(1)
	s.rebuildNanos.Add(int64(time.Since(start)))
	st := ix.Snapshot().Stats()
	slog.InfoContext(ctx, "resolver index built", "version", data.Version, "units", len(data.Units),
		"enclaves", len(data.Enclaves), "load", loaded, "build", time.Since(start)-loaded,
		"index_mb", float64(st.ApproxBytes)/(1<<20), "quick_clear_share", st.QuickClearShare())
	if s.OnChange != nil {
		s.OnChange(nil)
	}
	// The rows read from the database are garbage now and outweigh the
	// index several times; hand their pages back rather than keep the peak.
	data = CurrentData{}
	debug.FreeOSMemory()
	return nil
}

// rebuildAfterLoss lets the index go, so that nothing is answered from
// data the database has lost, and builds it again from what the database
// has. Until the build is published (0.3 s at demo scale, ~20 s at
// province; longer while the database is away), PostGIS answers what the
// index would have, as for a node behind its data (a batch of more than
// maxBehindInSQL points is a 503): a node kept answering the lost data for
// the 1–3.5 s of its rebuild (a ninth attacker's scripts, run again), and
// refusing instead failed every report and sync meanwhile, on every node
// at once (a review). s.mu is held.
func (s *Service) rebuildAfterLoss(ctx context.Context) error {
	s.dropped.Store(true)
	s.current.Store(nil)
	s.ix = nil // and its memory with it, before the new one is built
	return s.reloadLocked(ctx)
}

// publish makes cur the index requests use and wakes the waiters.
func (s *Service) publish(cur *indexed) {
	s.current.Store(cur)
	s.waitMu.Lock()
	close(s.waitCh)
	s.waitCh = make(chan struct{})
	s.waitMu.Unlock()
}

// WaitVersion waits until the index reflects data version v, for at most
// d; it reports whether it does.
func (s *Service) WaitVersion(ctx context.Context, v int64, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		s.waitMu.Lock()
		ch := s.waitCh
		s.waitMu.Unlock()
		if cur := s.current.Load(); cur != nil && cur.snap.version >= v {
			return true
		}
		s.Changed()
		select {
		case <-ch:
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// CatchUp waits until the index reflects everything committed before the
// call (a write's own change, for read-your-writes) and returns that data
// version. It fails with EUNAVAILABLE when that takes longer than
// WriteApplyWait.
func (s *Service) CatchUp(ctx context.Context) (int64, error) {
	v, err := s.Source.HeadVersion(ctx)
	if err != nil {
		return 0, err
	}
	if !s.WaitVersion(ctx, v, WriteApplyWait) {
		return v, Errorf(EUNAVAILABLE, "", "the resolver index has not reached data version %d yet", v)
	}
	return v, nil
}

// Version returns the data version the index reflects (0 before the first
// build).
func (s *Service) Version() int64 {
	if cur := s.current.Load(); cur != nil {
		return cur.snap.version
	}
	return 0
}

// LayerVersions returns the data version of every tile layer as this node
// has applied them, and the data version they are at: what its tile cache
// keys on, known without asking the database. The map must not be modified.
func (s *Service) LayerVersions() (map[string]int64, int64) {
	if cur := s.current.Load(); cur != nil {
		return cur.layers, cur.snap.version
	}
	return nil, 0
}

// Snapshot returns the index in use, or nil before the first Reload.
func (s *Service) Snapshot() *Snapshot {
	if cur := s.current.Load(); cur != nil {
		return cur.snap
	}
	return nil
}

// Ready reports whether an index is loaded and, while it follows its
// database, whether its reads of the changes have not kept failing for
// followStale.
func (s *Service) Ready() error {
	if s.current.Load() == nil && !s.dropped.Load() { // a dropped index's queries go to PostGIS
		return Errorf(EUNAVAILABLE, "", "the resolver index is still loading")
	}
	if failing := s.failingSince.Load(); failing != 0 && s.following.Load() > 0 {
		if since := time.Since(time.Unix(0, failing)); since > followStale {
			return Errorf(EUNAVAILABLE, "", "the resolver index has failed to read the database's changes for %s: its answers may be behind", since.Round(time.Second))
		}
	}
	return nil
}
