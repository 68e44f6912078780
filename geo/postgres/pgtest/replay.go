package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// Replay pauses and resumes the shared standby's replay (a superuser's
// functions: the test role is one) and watches what it received. The
// standby is the whole test cluster's: tests of several packages run at
// once, and one resuming the replay another had paused made that one see
// its standby caught up (CI). So a Replay holds, for its test's length, a
// lock every Replay takes (an advisory lock in the primary's maintenance
// database, where a connection keeps no test from copying a template):
// such tests take turns.
type Replay struct {
	conn *pgxpool.Pool
}

// replayLockSQL takes the lock Replays take turns by.
const replayLockSQL = `SELECT pg_advisory_lock(hashtextextended('pgtest standby replay', 0))`

// ControlReplay returns a Replay of the standby sdb is on, once it holds
// the turn, and resumes the replay and gives the turn back at cleanup.
func ControlReplay(tb testing.TB, sdb *postgres.DB) *Replay {
	tb.Helper()
	ctx := context.Background()
	_, admin, err := primaryServer.configs()
	if err != nil {
		tb.Fatal(err)
	}
	turn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		primaryServer.unavailable(tb, err)
	}
	if _, err := turn.Exec(ctx, replayLockSQL); err != nil { // held by the session until it closes
		turn.Close(ctx)
		tb.Fatalf("wait for the standby's replay: %v", err)
	}
	conn, err := pgxpool.New(ctx, sdb.URL())
	if err != nil {
		turn.Close(ctx)
		tb.Fatal(err)
	}
	r := &Replay{conn: conn}
	tb.Cleanup(func() {
		r.Resume(tb) // never leave the shared standby paused
		conn.Close()
		turn.Close(ctx)
	})
	return r
}

// Pause pauses the standby's replay.
func (r *Replay) Pause(tb testing.TB) {
	tb.Helper()
	if _, err := r.conn.Exec(context.Background(), `SELECT pg_wal_replay_pause()`); err != nil {
		tb.Fatalf("pause replay: %v", err)
	}
}

// Resume resumes it.
func (r *Replay) Resume(tb testing.TB) {
	tb.Helper()
	if _, err := r.conn.Exec(context.Background(), `SELECT pg_wal_replay_resume()`); err != nil {
		tb.Errorf("resume replay: %v", err)
	}
}

// AwaitReceived waits until the standby has received the primary's log as
// far as it is written now.
func (r *Replay) AwaitReceived(tb testing.TB, primary *postgres.DB) {
	tb.Helper()
	ctx := context.Background()
	var lsn string
	if err := primary.Pool.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
		tb.Fatal(err)
	}
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(10 * time.Millisecond) {
		var got bool
		if err := r.conn.QueryRow(ctx, `SELECT pg_last_wal_receive_lsn() >= $1::pg_lsn`, lsn).Scan(&got); err != nil {
			tb.Fatal(err)
		}
		if got {
			return
		}
	}
	tb.Fatal("the standby did not receive the primary's log within 10 s")
}
