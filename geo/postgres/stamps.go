package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// A version's stamps (valid_from, valid_to) are the moment its transaction
// commits (migration 031): an edit takes its clock from gridmap_stamp, and
// the commit moves every stamp so taken to the clock it reads once it
// holds the lock that orders commits. What an edit read back before that
// carries the stamps it wrote, which the commit then moves.

// settleSQL runs the commit's deferred work (the audit, the data version,
// the stamps) now rather than at COMMIT, so that what the transaction
// reads afterwards is what it commits. The transaction then holds the
// commits' lock until it ends: keep what follows short. (Not SET
// CONSTRAINTS ALL IMMEDIATE: that ran the work again inside itself for the
// rows the audit adds, and took two data versions.)
const settleSQL = `SELECT gridmap_commit_pending()`

// settle stamps tx's versions with the moment of its commit (settleSQL);
// an edit answers what it wrote only after it.
func settle(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, settleSQL); err != nil {
		return fmt.Errorf("stamp the versions at the commit: %w", err)
	}
	return nil
}
