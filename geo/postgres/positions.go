package postgres

import (
	"context"
	"fmt"
	"time"

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
// commit record of every transaction committed before it is read.
const writePositionSQL = `SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint`

// WritePosition returns the WAL position of the database after the
// caller's last commit (0 on a standby, which writes nothing).
func (db *DB) WritePosition(ctx context.Context) (uint64, error) {
	if db.Standby() {
		return 0, nil
	}
	var pos int64
	if err := db.Pool.QueryRow(ctx, writePositionSQL).Scan(&pos); err != nil {
		return 0, fmt.Errorf("read the write position: %w", translate(err))
	}
	return uint64(pos), nil
}

// AwaitPosition returns once this node's database holds what the primary
// had written at WAL position pos: at once on a primary (a position it has
// not reached is one it lost: there is nothing to wait for); on a standby
// once its replay reaches pos, waiting at most PositionReplayWait, past
// which it is EUNAVAILABLE naming the header that asked.
func (db *DB) AwaitPosition(ctx context.Context, pos uint64, field string) error {
	if pos == 0 || !db.Standby() {
		return nil
	}
	return db.awaitReplay(ctx, lsnText(pos), PositionReplayWait, geo.Errorf(geo.EUNAVAILABLE, field,
		"this node's standby database has not yet replayed the write you made (position %d): retry shortly", pos))
}

// lsnText writes a WAL position as PostgreSQL's pg_lsn reads it.
func lsnText(pos uint64) string { return fmt.Sprintf("%X/%X", pos>>32, uint32(pos)) }
