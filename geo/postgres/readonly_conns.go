package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// A primary set read-only for a while (ALTER DATABASE … SET
// default_transaction_read_only = on, for maintenance) and then set back
// left the pool's connections opened meanwhile read-only: a session keeps
// the setting it started with, and the node's writes were refused for as
// long as those connections lived (up to an hour; a ninth attacker). The
// server reports the setting on every connection (PostgreSQL ≥ 14), so a
// read-only connection about to be handed out on a node that takes its
// database for a primary is closed and another opened — a few a second at most, so that a
// database left read-only on purpose costs a trickle of reconnections,
// not one a request.

// readOnlyRecycleEvery is the least time between two such closings.
const readOnlyRecycleEvery = 200 * time.Millisecond

// keepConn is the pool's PrepareConn, asked before a connection is handed
// out: false closes c and hands out another. (Not AfterRelease: with one,
// pgxpool returns every released connection to the pool from a goroutine
// of its own, and a connection released was still counted as held.)
func (db *DB) keepConn(_ context.Context, c *pgx.Conn) (bool, error) {
	if c.PgConn().ParameterStatus("default_transaction_read_only") != "on" || db.Standby() {
		return true, nil
	}
	now := time.Now().UnixNano()
	last := db.readOnlyRecycled.Load()
	return now-last < int64(readOnlyRecycleEvery) || !db.readOnlyRecycled.CompareAndSwap(last, now), nil
}
