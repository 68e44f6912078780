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

	"github.com/jackc/pgx/v5"
)

const (
	// topologySQL takes the topology lock alone.
	topologySQL = `SELECT pg_advisory_xact_lock(hashtextextended('gridmap topology', 0))`
	// shareTopologySQL takes it shared.
	shareTopologySQL = `SELECT pg_advisory_xact_lock_shared(hashtextextended('gridmap topology', 0))`
)

// TakeTopology takes the topology lock alone, until tx ends: for a
// topology edit.
func TakeTopology(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, topologySQL)
	return err
}

// ShareTopology takes the topology lock shared, until tx ends: for every
// other write of units and enclaves.
func ShareTopology(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, shareTopologySQL)
	return err
}
