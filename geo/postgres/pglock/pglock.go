// Package pglock names the transaction-scoped advisory lock that every
// writer of boundaries takes, so that the stores (geo/postgres) and the
// importer, which write the same tables, agree on it.
//
// A topology edit (a move, a split, a merge, a recode) takes the topology
// lock alone: it reads units and enclaves, then locks and rewrites them in
// orders that depend on what it read, so nothing else may change them
// between its read and its write. Single edits, retirements and imports
// take it shared: they coordinate among themselves by code locks and row
// locks, and wait only for a topology edit under way (and it for them).
// A single edit between a topology edit's read and its lock was overwritten
// with the copy read before it (a stress test: dozens of edits answered 200
// and then lost), and one holding two codes (a unit it names and its own)
// could deadlock with it in any order. An import took no part until it
// took the lock shared too: one of the units a merge was rewriting
// deadlocked with it, and one committed between the merge's read and its
// write could be undone by it.
package pglock

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridmap-dev/gridmap/geo"
)

const (
	// topologySQL takes the topology lock alone.
	topologySQL = `SELECT pg_advisory_xact_lock(hashtextextended('gridmap topology', 0))`
	// shareTopologySQL takes it shared.
	shareTopologySQL = `SELECT pg_advisory_xact_lock_shared(hashtextextended('gridmap topology', 0))`
)

// TakeTopology takes the topology lock alone, until tx ends: for a
// topology edit. It never waits in PostgreSQL's queue for long: a request
// for the lock alone that waits holds back every shared request behind
// it, so a merge waiting for an import under way stalled every single edit
// of the city for the import's length (a review). It asks with a short
// lock_timeout (queueWait), steps out of the queue between tries so that
// shared holders come and go, and gives up after giveUpAfter (or when ctx
// ends) with geo.EUNAVAILABLE: the caller's retry is welcome.
func TakeTopology(ctx context.Context, tx pgx.Tx) error {
	deadline := time.Now().Add(giveUpAfter)
	for pause := 20 * time.Millisecond; ; pause = min(2*pause, time.Second) {
		took, err := tryTopology(ctx, tx)
		if err != nil || took {
			return err
		}
		if time.Now().After(deadline) {
			return geo.Errorf(geo.EUNAVAILABLE, "", "an import or another topology edit has held the boundaries for %s; nothing was changed: try again shortly", giveUpAfter)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

const (
	// queueWait is how long a topology edit waits in the lock's queue at
	// a time: single edits behind it wait at most as long.
	queueWait = 200 * time.Millisecond
	// giveUpAfter is how long a topology edit tries for the lock.
	giveUpAfter = 30 * time.Second
)

// tryTopology asks for the topology lock alone once, waiting at most
// queueWait, in a savepoint that a lock_timeout's failure rolls back.
func tryTopology(ctx context.Context, tx pgx.Tx) (bool, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return false, err
	}
	if _, err := sp.Exec(ctx, `SELECT set_config('lock_timeout', $1, true)`, queueWait.String()); err != nil {
		return false, err
	}
	if _, err := sp.Exec(ctx, topologySQL); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "55P03" { // lock_not_available
			return false, sp.Rollback(ctx)
		}
		return false, err
	}
	// The rest of the edit waits as the database's settings say.
	if _, err := sp.Exec(ctx, `SET LOCAL lock_timeout TO DEFAULT`); err != nil {
		return false, err
	}
	return true, sp.Commit(ctx)
}

// ShareTopology takes the topology lock shared, until tx ends: for every
// other write of units and enclaves.
func ShareTopology(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, shareTopologySQL)
	return err
}

// WaitLong lets tx wait for locks up to longWait, whatever lock_timeout
// the database URL or the role sets: for a transaction whose work is too
// costly to lose to a lock held a while — an import, which commits after
// minutes of checks, behind the audit's recompute of the city, or that
// recompute behind an import's commit (a review).
func WaitLong(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT set_config('lock_timeout', $1, true)`, strconv.FormatInt(longWait.Milliseconds(), 10)+"ms")
	return err
}

// longWait is how long WaitLong lets a transaction wait for a lock.
const longWait = 10 * time.Minute
