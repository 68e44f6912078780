package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo"
)

// Channel is the NOTIFY channel the change record rings at every commit
// (gridmap_commit_changes). It is a doorbell only: nodes read the change
// rows, and a node on a standby, where LISTEN is refused, polls them.
const Channel = "gridmap_changes"

// Change is one announced change: the layers touched and the new version.
type Change struct {
	Layers  []string `json:"layers"`
	Version int64    `json:"version"`
}

// Listen calls onChange for every change announced on Channel until ctx
// ends. It holds its own connection (LISTEN blocks it) and reconnects after
// a failure; after every (re)connect it calls onChange with an empty Change,
// since changes may have been missed while it was away. On a standby,
// where LISTEN is refused, it waits for a promotion.
func (db *DB) Listen(ctx context.Context, onChange func(Change)) {
	backoff := time.Second
	lost := false // the last connection was lost: say when the listener is back
	for ctx.Err() == nil {
		if db.Standby() { // LISTEN is refused there: wait for a promotion
			select {
			case <-ctx.Done():
			case <-time.After(time.Second): // the flag is cheap to read; WatchRole sets it
			}
			continue
		}
		listening, err := db.listenOnce(ctx, onChange, lost)
		if ctx.Err() != nil {
			return
		}
		if listening {
			backoff = time.Second // a connection that was listening starts the count again
		}
		slog.WarnContext(ctx, "change listener lost its connection; reconnecting", "err", err, "in", backoff)
		lost = true
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// listenOnce listens on one connection until it fails; listening reports
// whether it got as far as LISTEN.
func (db *DB) listenOnce(ctx context.Context, onChange func(Change), lost bool) (listening bool, err error) {
	conn, err := db.connect(ctx, "gridmap listener")
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		return false, err
	}
	if lost {
		slog.InfoContext(ctx, "change listener reconnected")
	}
	onChange(Change{})
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		var ch Change
		if err := json.Unmarshal([]byte(n.Payload), &ch); err != nil {
			slog.WarnContext(ctx, "unreadable change notification", "payload", n.Payload, "err", err)
		}
		onChange(ch)
	}
}

// Standby reports whether the database is a hot standby (in recovery): a
// node on it serves reads and follows changes, and writes nothing. It is
// what Open found, kept current by WatchRole.
func (db *DB) Standby() bool { return db.standby.Load() }

// RoleCheck is how often WatchRole asks the database whether it is a
// standby: a failover is noticed within it.
const RoleCheck = 5 * time.Second

// WatchRole asks the database at once and then every RoleCheck whether it
// is a standby, until ctx ends, and calls changed when the answer differs
// from Standby's: a standby promoted to primary (the node may write,
// listen and lead), or a database that has become a standby of another
// (writes would be refused with SQLSTATE 25006 for ever).
func (db *DB) WatchRole(ctx context.Context, changed func(standby bool)) {
	tick := time.NewTicker(RoleCheck)
	defer tick.Stop()
	for {
		// The first look is at once: a node started on a standby whose
		// replay is paused said it was caught up (a lag of 0) until it.
		// Within a deadline: a connection gone dark would hold the check,
		// and a promotion would go unnoticed.
		ask, cancel := context.WithTimeout(ctx, RoleCheck)
		role, err := db.RoleNow(ask)
		cancel()
		if err == nil { // else an outage: the follower and the requests say so
			db.noteRole(role, time.Now())
			if db.standby.Swap(role.Standby) != role.Standby {
				slog.WarnContext(ctx, "the database changed role", "standby", role.Standby, "role", roleName(role.Standby))
				changed(role.Standby)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// roleSQL asks whether the database is a standby, how far it has received
// and replayed the primary's log (bytes; 0 where it has not), and whether
// it has a WAL receiver, its stream from a primary (a row of
// pg_stat_wal_receiver, which any role sees, if not its details).
const roleSQL = `SELECT pg_is_in_recovery(),
  coalesce((pg_last_wal_receive_lsn() - '0/0'::pg_lsn)::bigint, 0),
  coalesce((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, 0),
  NOT pg_is_in_recovery() OR EXISTS (SELECT 1 FROM pg_stat_wal_receiver)`

// Role is what the database says of its role (RoleNow).
type Role struct {
	Standby bool // a hot standby (in recovery)
	// Received and Replayed are how far a standby has received and
	// replayed its primary's log.
	Received, Replayed int64
	// Receiving: a primary, or a standby streaming from one.
	Receiving bool
}

// RoleNow asks the database whether it is a standby, how far it has
// received and replayed, and whether it receives (see roleSQL).
func (db *DB) RoleNow(ctx context.Context) (Role, error) {
	var r Role
	if err := db.follow.QueryRow(ctx, roleSQL).Scan(&r.Standby, &r.Received, &r.Replayed, &r.Receiving); err != nil {
		return Role{}, fmt.Errorf("ask the database's role: %w", translate(err))
	}
	return r, nil
}

// noteRole keeps what WatchRole found at now for ReplayLag and Behind. The
// lag is how long the replay has been short of a position it had
// received: at each look short of what it had received, the look's
// received position is the target, kept until the replay reaches it. (The
// age of the last replayed commit, used before, read a minute or more for
// a standby replaying in step while a long transaction streamed after a
// quiet minute: every standby node went unready during an import; a
// review.) Called by WatchRole alone.
func (db *DB) noteRole(r Role, now time.Time) {
	switch {
	case !r.Standby || r.Replayed >= r.Received:
		db.replaySince = time.Time{}
	case db.replaySince.IsZero() || r.Replayed >= db.replayTarget:
		db.replaySince, db.replayTarget = now, r.Received
	}
	var lag time.Duration
	if !db.replaySince.IsZero() {
		lag = now.Sub(db.replaySince)
	}
	db.lag.Store(int64(lag))
	if r.Receiving {
		db.cutSince.Store(0)
	} else {
		db.cutSince.CompareAndSwap(0, now.UnixNano())
	}
}

// ReplayLag is how long a standby's replay had been short of a position it
// had received, at WatchRole's last look (noteRole; 0 when it had replayed
// all it received, on a primary, and before the first look).
func (db *DB) ReplayLag() time.Duration { return time.Duration(db.lag.Load()) }

// Behind returns an EUNAVAILABLE error when the database is a standby
// whose answers may be more than limit behind its primary's, at
// WatchRole's last look: its replay that far behind what it received, or
// nothing received from a primary for longer (a standby cut off from its
// primary replays all it has, and its lag reads 0 however old its data).
// A limit of 0 or less sets none. A node on such a standby answered from
// data as old as its replay, and said it was ready (a ninth attacker).
func (db *DB) Behind(limit time.Duration) error {
	var cut time.Duration
	if since := db.cutSince.Load(); since != 0 {
		cut = time.Since(time.Unix(0, since))
	}
	return behind(db.Standby(), db.ReplayLag(), cut, limit)
}

// behind is Behind's rule: a standby whose replay lag, or time without a
// stream from its primary (cut), is over limit is behind.
func behind(standby bool, lag, cut, limit time.Duration) error {
	switch {
	case !standby || limit <= 0:
		return nil
	case lag > limit:
		return geo.Errorf(geo.EUNAVAILABLE, "", "the standby's replay has been short of what it received for %s (the limit is %s)", lag.Round(time.Second), limit)
	case cut > limit:
		return geo.Errorf(geo.EUNAVAILABLE, "", "the standby has received nothing from a primary for %s (the limit is %s): its data may be that old", cut.Round(time.Second), limit)
	}
	return nil
}

// roleName names a database's role in the log.
func roleName(standby bool) string {
	if standby {
		return "standby"
	}
	return "primary"
}

// inRecovery asks the server whether it is a standby.
func inRecovery(ctx context.Context, conn *pgx.Conn) (bool, error) {
	var in bool
	err := conn.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&in)
	return in, err
}

// leaderLockSQL takes the session lock that elects one leader per job.
const leaderLockSQL = `SELECT pg_try_advisory_lock(hashtextextended($1, 0))`

// LeaderRetry is how often a node that is not the leader tries again, and
// how often the leader checks that it still holds its lock.
const LeaderRetry = 3 * time.Second

// Lead runs fn while this node is the leader for name: the one node of the
// primary holding the session advisory lock "gridmap leader/name" on a
// connection of its own. When that connection is lost, fn's context is
// cancelled (another node takes over within LeaderRetry) and this node
// tries again. A node on a standby does not try (jobs write) until the
// standby is promoted, and a leader whose database becomes a standby stops.
func (db *DB) Lead(ctx context.Context, name string, fn func(ctx context.Context)) {
	for ctx.Err() == nil {
		if !db.Standby() {
			if err := db.leadOnce(ctx, name, fn); err != nil && ctx.Err() == nil {
				slog.DebugContext(ctx, "leader lock unavailable", "job", name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(LeaderRetry):
		}
	}
}

// leadOnce takes the lock if it is free and runs fn until the lock's
// connection fails or ctx ends.
func (db *DB) leadOnce(ctx context.Context, name string, fn func(ctx context.Context)) error {
	conn, err := db.connect(ctx, "gridmap leader "+name)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// A standby grants advisory locks too: a node whose database has just
	// become one (before WatchRole says so) must not lead beside the new
	// primary's leader.
	if standby, err := inRecovery(ctx, conn); err != nil || standby {
		return err
	}
	var got bool
	if err := conn.QueryRow(ctx, leaderLockSQL, "gridmap leader/"+name).Scan(&got); err != nil || !got {
		return err
	}
	slog.InfoContext(ctx, "this node leads a background job", "job", name)
	jobCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); fn(jobCtx) }()
	defer func() { stop(); <-done }()
	tick := time.NewTicker(LeaderRetry)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-done:
			return nil
		case <-tick.C:
			if err := conn.Ping(ctx); err != nil {
				return fmt.Errorf("leader connection lost: %w", err)
			}
			if db.Standby() {
				slog.InfoContext(ctx, "this node stops leading a background job: its database is now a standby", "job", name)
				return nil
			}
		}
	}
}

// ChangeRetention is how long change rows are kept: a node that was away
// longer rebuilds its index from the current rows when it returns.
const ChangeRetention = 7 * 24 * time.Hour

const pruneChangesSQL = `WITH gone AS (
  DELETE FROM data_change WHERE version IS NOT NULL AND at < now() - make_interval(secs => $1) RETURNING version)
UPDATE data_head SET pruned_through = greatest(pruned_through, (SELECT max(version) FROM gone))
WHERE EXISTS (SELECT 1 FROM gone) RETURNING (SELECT count(*) FROM gone)`

// PruneChanges deletes change rows older than keep and records how far the
// record now reaches back; it returns how many rows went.
func (db *DB) PruneChanges(ctx context.Context, keep time.Duration) (int64, error) {
	var n int64
	err := db.Pool.QueryRow(ctx, pruneChangesSQL, keep.Seconds()).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("prune change record: %w", translate(err))
	}
	return n, nil
}
