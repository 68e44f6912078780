package geo

import (
	"context"
	"time"
)

// Versions that start later. A version may be stored with a start still to
// come (its valid_from ahead of the database's clock: written so, or read
// on a standby whose clock runs behind its primary's), closing the one it
// replaces then. No change is recorded when that time comes, so following
// the change record alone would keep answering from the version that
// ended. The index holds what is valid now, knows when that next changes
// (indexed.until), and reads the codes concerned again then.

// Recheck reads again what changes at the index's until, once that time
// has come (on the database's clock: before then it changes nothing, and
// the index stays as it is); it does nothing before.
func (s *Service) Recheck(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.current.Load()
	if cur == nil || cur.until.IsZero() || time.Now().Before(cur.until) {
		return nil
	}
	if s.pendingAll || s.pendingFrom < 0 {
		return s.reloadLocked(ctx)
	}
	// The changes are read from pendingFrom, before the index's version,
	// so the stamp of that version is checked first: applied after lost
	// commits, they would stamp the index as the database's again.
	now, err := s.changesSince(ctx, cur.snap.version)
	if err != nil {
		return err
	}
	if lostCommits(ctx, cur, now) {
		return s.rebuildAfterLoss(ctx)
	}
	cs, err := s.changesSince(ctx, s.pendingFrom)
	if err != nil {
		return err
	}
	if cs.Reset || cs.Version < cur.snap.version {
		return s.reloadLocked(ctx)
	}
	s.headSeen.Store(cs.Version)
	if cs.Until.IsZero() {
		s.pendingFrom = -1
	}
	// Every code changed since pendingFrom is read again, those applied
	// already included (applying a row again changes nothing): the codes
	// whose version starts later are among them, so cs.Until is the
	// index's next until.
	return s.applyLocked(ctx, cur, cs, cs.Until)
}

// until is when the index's data next change without a recorded change
// (zero: never).
func (s *Service) until() time.Time {
	if cur := s.current.Load(); cur != nil {
		return cur.until
	}
	return time.Time{}
}

// recheckWait is how long Follow waits before Recheck: until the index's
// until, and at least floor (a database whose clock is behind this node's
// has not reached it yet when this node has; the recheck is tried again).
func (s *Service) recheckWait(floor time.Duration) (time.Duration, bool) {
	u := s.until()
	if u.IsZero() {
		return 0, false
	}
	return max(time.Until(u)+time.Millisecond, floor), true
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
