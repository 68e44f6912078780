package geo

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/gridmap-dev/gridmap/internal/faillog"
)

// Following the database: applying its changes to the index as they are
// committed (Follow, CatchUpNow), rebuilding the index when a change cannot
// be applied, and checking now and then that it still equals the database.

// Changed asks the follower to look for changes now; it never blocks.
func (s *Service) Changed() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Deadlines of the follower's reads. None may hang: a connection gone dark
// without a reset (a host gone, a stalled proxy) held a read of the changes,
// and with it the index's lock, for as long as TCP kept trying (15 minutes)
// while the node went on answering from its old version (a ninth attacker).
// A read cut short is reported and tried again at the next poll, on a new
// connection.
const (
	changesReadTimeout = 30 * time.Second
	checkReadTimeout   = 2 * time.Minute
	loadTimeout        = 10 * time.Minute // a province's rows, on a slow database
)

// followStale is how long a following index's reads of its database's
// changes may keep failing before it says it is not ready (Ready): its
// answers may be behind edits it cannot see. A read that is slow or a
// rebuild that takes long does not count: the index serves meanwhile.
const followStale = changesReadTimeout + 30*time.Second

// noteRead records whether a read of the database succeeded (Ready).
func (s *Service) noteRead(err error) {
	if err == nil {
		s.failingSince.Store(0)
		return
	}
	s.failingSince.CompareAndSwap(0, time.Now().UnixNano())
}

// changesSince reads the changes after version within changesReadTimeout,
// and notes how it went (Ready).
func (s *Service) changesSince(ctx context.Context, version int64) (ChangeSet, error) {
	d := time.Duration(s.readTimeout.Load())
	if d <= 0 {
		d = changesReadTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	cs, err := s.Source.ChangesSince(ctx, version)
	s.noteRead(err)
	return cs, err
}

// releaseAfter is how long after the last applied change Follow returns
// freed memory to the system: once per burst of edits, not per edit, and
// at most once per releaseEvery. A release is a full collection, which
// costs with the index (0.15–0.3 s of CPU at province scale, against a few
// milliseconds to apply an edit): after every pause of a steady trickle of
// edits it was most of a node's work (a scale review).
const (
	releaseAfter = 2 * time.Second
	releaseEvery = time.Minute
)

// FollowOptions tunes Follow.
type FollowOptions struct {
	// Poll is how often the change record is read without a wake-up
	// (Changed); it bounds the delay on a standby, where nothing rings.
	Poll time.Duration
	// Verify is how often the index's checksums are compared with the
	// database's; 0 never.
	Verify time.Duration
	// ReadTimeout bounds each read of the changes (default
	// changesReadTimeout).
	ReadTimeout time.Duration
}

// Follow applies the changes of the source until ctx ends: at every
// Changed and every Poll. A change that cannot be applied, and an index
// found to differ from the database, are logged loudly and answered by a
// full rebuild; the previous snapshot serves until it is done.
func (s *Service) Follow(ctx context.Context, opt FollowOptions) {
	poll := time.NewTicker(max(opt.Poll, time.Millisecond))
	defer poll.Stop()
	var verify <-chan time.Time
	if opt.Verify > 0 {
		t := time.NewTicker(opt.Verify)
		defer t.Stop()
		verify = t.C
	}
	s.following.Add(1)
	defer s.following.Add(-1)
	s.readTimeout.Store(int64(opt.ReadTimeout))
	var released time.Time // the last release of memory
	release := time.NewTimer(time.Hour)
	release.Stop() // armed by the first applied change
	defer release.Stop()
	recheck := time.NewTimer(time.Hour)
	recheck.Stop() // armed while a version starts later (service_pending.go)
	defer recheck.Stop()
	arm := func(floor time.Duration) {
		if wait, ok := s.recheckWait(floor); ok {
			recheck.Reset(wait)
		}
	}
	arm(0)
	// Polled every second or so: a database that is away would otherwise
	// fill the log.
	reading := &faillog.Log{Failing: "resolver index cannot read changes; answering from the last version",
		Recovered: "resolver index reads changes again", Every: time.Minute, Level: slog.LevelWarn}
	for applied := s.applied.Load(); ; {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		case <-poll.C:
		case <-verify:
			s.verify(ctx)
			continue
		case <-release.C:
			// Edits have paused: hand the garbage of applying them back
			// to the system, so memory does not ratchet up with edits.
			if wait := releaseEvery - time.Since(released); wait > 0 {
				release.Reset(wait)
				continue
			}
			debug.FreeOSMemory()
			released = time.Now()
			continue
		case <-recheck.C:
			if err := s.Recheck(ctx); err != nil && ctx.Err() == nil {
				reading.Report(ctx, err, time.Now())
			}
			arm(recheckRetry)
			continue
		}
		if n := s.applied.Load(); n != applied {
			applied = n
			release.Reset(releaseAfter)
		}
		if err := s.CatchUpNow(ctx); ctx.Err() == nil {
			reading.Report(ctx, err, time.Now())
		}
		arm(0)
	}
}

// lostCommits reports, and logs, whether the database no longer has the
// data the index cur holds: cs, read since cur's version, says the
// database is behind it, or gave its version number to other commits.
func lostCommits(ctx context.Context, cur *indexed, cs ChangeSet) bool {
	if cs.Version >= cur.snap.version && (!cs.FromKnown || cs.FromStamp == cur.stamp) {
		return false
	}
	slog.WarnContext(ctx, "the database no longer has the data version the resolver index is at (commits lost: a failover or a crash); rebuilding the index",
		"version", cur.snap.version, "database_version", cs.Version, "stamp", cur.stamp, "database_stamp", cs.FromStamp)
	return true
}

// recheckRetry is the least Follow waits to recheck again when the
// database had not reached a version's start yet (its clock behind).
const recheckRetry = 100 * time.Millisecond

// CatchUpNow applies whatever has been committed since the index's version.
func (s *Service) CatchUpNow(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.current.Load()
	if cur == nil {
		return s.reloadLocked(ctx)
	}
	cs, err := s.changesSince(ctx, cur.snap.version)
	if err != nil {
		return err
	}
	s.headSeen.Store(cs.Version)
	if lostCommits(ctx, cur, cs) {
		return s.rebuildAfterLoss(ctx)
	}
	if cs.Version == cur.snap.version && !cs.Reset {
		return nil
	}
	n := cur.snap.stats.Units + cur.snap.stats.Enclaves
	if cs.Reset || (cs.Size() >= bigChangeMinimum && float64(cs.Size()) > bigChangeShare*float64(n)) {
		slog.InfoContext(ctx, "rebuilding the resolver index for a large change", "from", cs.From, "to", cs.Version, "codes", cs.Size(), "reset", cs.Reset)
		return s.reloadLocked(ctx)
	}
	if !cs.Until.IsZero() && s.pendingFrom < 0 && !s.pendingAll {
		s.pendingFrom = cs.From // its codes are read again when their version starts (Recheck)
	}
	return s.applyLocked(ctx, cur, cs, earliest(cur.until, cs.Until))
}

// applyLocked applies cs to the index cur was built from and publishes the
// result, whose data next change without a recorded change at until; a
// change that cannot be applied is logged loudly and answered by a full
// rebuild. s.mu is held.
func (s *Service) applyLocked(ctx context.Context, cur *indexed, cs ChangeSet, until time.Time) error {
	start := time.Now()
	boxes := s.ix.changeBoxes(cs)
	if !cs.Until.IsZero() {
		// A version that starts (or ends) later: the tiles show it then,
		// from rows the index does not hold yet, so no box says where.
		// Its layers are reached whole (TileChange.Boxes).
		boxes = nil
	}
	snap, err := s.ix.Apply(cs)
	if err != nil {
		slog.ErrorContext(ctx, "resolver index could not apply a change; rebuilding it", "from", cs.From, "to", cs.Version, "err", err)
		return s.reloadLocked(ctx)
	}
	next := &indexed{snap: snap, since: later(cur.since, cs.Since), until: until, layers: cs.LayerVersions, stamp: cs.Stamp}
	if next.layers == nil {
		next.layers = cur.layers
	}
	if snap.version != cur.snap.version {
		// Recorded before it is published: a tile cache that sees the
		// new versions finds their change.
		s.tileLog.add(TileChange{From: cur.snap.version, Version: snap.version, Layers: next.layers, Boxes: boxes})
	}
	s.publish(next)
	s.applied.Add(1)
	s.applyNanos.Add(int64(time.Since(start)))
	slog.DebugContext(ctx, "resolver index changed", "from", cs.From, "to", cs.Version, "codes", cs.Size(),
		"took", time.Since(start))
	if s.OnChange != nil {
		s.OnChange(cs.Layers)
	}
	return nil
}

// verify compares the index's checksums with the database's at the same
// version; a difference means the index drifted, which must never happen:
// it is logged as an error and the index is rebuilt.
func (s *Service) verify(ctx context.Context) {
	read, cancel := context.WithTimeout(ctx, checkReadTimeout)
	sums, v, err := s.Source.Checksums(read)
	cancel()
	if err != nil {
		if ctx.Err() == nil { // a check cut short by the node stopping did not fail
			slog.WarnContext(ctx, "resolver index check could not read the database", "err", err)
		}
		return
	}
	cur := s.current.Load()
	if cur == nil || cur.snap.version != v {
		return // not at the same version: compare next time
	}
	if got := cur.snap.Checksums(); got != sums {
		slog.ErrorContext(ctx, "resolver index differs from the database; rebuilding it", "version", v,
			"index", fmt.Sprintf("%+v", got), "database", fmt.Sprintf("%+v", sums))
		if err := s.Reload(ctx); err != nil && ctx.Err() == nil {
			slog.ErrorContext(ctx, "resolver index rebuild failed", "err", err)
		}
	}
}
