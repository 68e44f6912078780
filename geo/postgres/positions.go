package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/geo"
)

// Read-your-writes of what has no data version. A report, a case step, a
// patrol or a photo written through a node on the primary and read back
// through a node on a hot standby that has not replayed it yet was missing,
// with nothing to say so: unlike the boundaries, they move no data
// version a read could ask for. Their writes answer with the primary's
// WAL position after the commit, and a read may ask for it: a standby
// answers once its replay has reached it.

// PositionReplayWait is how long AwaitPosition waits on a standby.
const PositionReplayWait = 2 * time.Second

// writePositionSQL is the primary's WAL insert position, in bytes: past the
// commit record of every transaction committed before it is read. Where
// the last record ended at a page's end, the insert position is past the
// next page's header, which a standby's replay position (a record's end)
// never reaches until another record comes: the header is taken off (a
// review: one write in about a thousand on a quiet primary waited in vain).
const writePositionSQL = `SELECT CASE WHEN p % seg = 40 THEN p - 40 WHEN p % blk = 24 THEN p - 24 ELSE p END
FROM (SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint AS p,
             pg_size_bytes(current_setting('wal_segment_size')) AS seg,
             current_setting('wal_block_size')::bigint AS blk) x`

// replayedBytesSQL is how far a standby has replayed, in bytes (-1: it is not
// replaying, so nothing is on its way).
const replayedBytesSQL = `SELECT coalesce((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, -1)`

// positionKey is the context key of a positionSink.
type positionKey struct{}

// positionSink holds the write position a request's writes recorded.
type positionSink struct{ pos atomic.Int64 }

// TrackPosition returns ctx with a place for the write position of the
// writes made with it, and a function that reads it (0: none recorded). A
// write records it on its own connection right after its commit
// (writeConn), so that it costs a round trip on a connection it holds
// already: read on another, the position cost a second wait in the pool's
// queue, and a fifth of the ingestion rate under load (1,470–1,510 reports
// a second against 1,640–1,880).
func (db *DB) TrackPosition(ctx context.Context) (context.Context, func() int64) {
	sink := &positionSink{}
	return context.WithValue(ctx, positionKey{}, sink), sink.pos.Load
}

// writeConn runs write on a connection of the pool and, once it has
// succeeded (committed), records the write position on that connection
// when ctx tracks one (TrackPosition). A position that cannot be read
// leaves the answer without one: the write stands.
func (db *DB) writeConn(ctx context.Context, write func(conn *pgxpool.Conn) error) error {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if err := write(conn); err != nil {
		return err
	}
	if sink, ok := ctx.Value(positionKey{}).(*positionSink); ok {
		var pos int64
		if conn.QueryRow(ctx, writePositionSQL).Scan(&pos) == nil && pos > sink.pos.Load() {
			sink.pos.Store(pos)
		}
	}
	return nil
}

// WritePosition returns the WAL position of the database after the
// caller's last commit (0 on a standby, which writes nothing).
func (db *DB) WritePosition(ctx context.Context) (int64, error) {
	if db.Standby() {
		return 0, nil
	}
	var pos int64
	if err := db.Pool.QueryRow(ctx, writePositionSQL).Scan(&pos); err != nil {
		return 0, fmt.Errorf("read the write position: %w", translate(err))
	}
	return pos, nil
}

// AwaitPosition returns once this node's database holds what the primary
// had written at WAL position pos: at once on a primary (a position it has
// not reached is one it lost: there is nothing to wait for); on a standby
// once its replay reaches pos, waiting at most PositionReplayWait, past
// which it is EUNAVAILABLE naming field. A position waited for in vain
// lately is refused at once (geo.MissedVersion, as data versions are): a
// read naming one no database has cost a hundred queries and two seconds
// each (a review).
func (db *DB) AwaitPosition(ctx context.Context, pos int64, field string) error {
	if pos <= 0 || !db.Standby() {
		return nil
	}
	replayed, reached, err := db.replayTo(ctx, pos, 0)
	if err != nil || reached {
		return err
	}
	if !db.missedPosition.Recent(pos, replayed, time.Now()) {
		if replayed, reached, err = db.replayTo(ctx, pos, PositionReplayWait); err != nil || reached {
			return err
		}
	}
	db.missedPosition.Note(pos, time.Now())
	return geo.Errorf(geo.EUNAVAILABLE, field,
		"this node's standby database has not yet replayed the write you made (position %d; it is at %d): retry shortly", pos, replayed)
}

// replayTo waits until the standby has replayed its log up to pos (bytes),
// looking every 20 ms, at most within (0: one look). It returns how far
// the replay was at its last look, and whether it had reached pos: a
// database replaying nothing (not a standby) has nothing on its way.
func (db *DB) replayTo(ctx context.Context, pos int64, within time.Duration) (replayed int64, reached bool, err error) {
	deadline := time.Now().Add(within)
	for {
		if err := db.Pool.QueryRow(ctx, replayedBytesSQL).Scan(&replayed); err != nil {
			return 0, false, fmt.Errorf("ask what the standby replayed: %w", translate(err))
		}
		if replayed < 0 || replayed >= pos {
			return replayed, true, nil
		}
		if !time.Now().Before(deadline) {
			return replayed, false, nil
		}
		select {
		case <-ctx.Done():
			return replayed, false, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
