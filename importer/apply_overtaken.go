package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgerr"
)

// applyOvertaken applies the import, again from a savepoint when another
// writer overtook it (overtaken): the import locks the current versions it
// may close, but what it creates has no row to lock. A unit created under
// one the import retires, in the milliseconds between the import's instant
// and the retirement's statement, cannot end before it began: the whole
// import failed on the table's check (valid_to > valid_from), 2 of about
// 600 imports in a stress test. A code the file creates, created by a
// single edit meanwhile, made the import's version the second current one
// (an attacker: three imports of three failed, "see the server log").
// Taken again, the instant follows the other writer's and the file is
// compared with what it wrote. A deadlock the database broke by failing
// the import (its locks of the rows it closes against an edit holding one
// and waiting for another) is taken again the same way: the savepoint's
// rollback lets the edit go first. An import overtaken every time fails
// with a conflict that says to run it again.
func (r *run) applyOvertaken(ctx context.Context, job int64) error {
	before, issues, retired := *r.report, len(r.report.Issues), r.retired
	err := retryInSavepoint(ctx, r.tx, 100*time.Millisecond, func(err error) bool { return overtaken(err) || pgerr.LostRace(err) },
		func() error {
			*r.report = before // what an attempt rolled back added to the report goes with it
			r.report.Issues, r.retired = r.report.Issues[:issues], retired
			return r.apply(ctx, job)
		})
	switch {
	case overtaken(err): // every attempt
		return geo.Errorf(geo.ECONFLICT, "", "other writers changed units of the file while it was applied, %d times; nothing was changed: run the import again", maxApplyAttempts)
	case pgerr.LostRace(err):
		return fmt.Errorf("apply the file, %d times: %w", maxApplyAttempts, err) // a 503 to retry
	}
	return err
}

// maxApplyAttempts bounds applyOvertaken and settle (retryInSavepoint):
// four waits, 1.5 s in all for an apply.
const maxApplyAttempts = 5

// overtakenBy are the constraints another writer's version breaks when it
// overtook the import (named in migrations 001 and 025): a version ending
// before it began, and two current versions of one code (the unique index
// of current versions, the unique version numbers, the exclusion of
// overlapping periods).
var overtakenBy = map[string][]string{
	"23514": {"unit_ends_after_it_begins", "enclave_ends_after_it_begins"},
	"23505": {"unit_one_current", "enclave_one_current", "unit_version_numbers_unique", "enclave_version_numbers_unique"},
	"23P01": {"unit_periods_apart", "enclave_periods_apart"},
}

// overtaken tells the failures of overtakenBy.
func overtaken(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && slices.Contains(overtakenBy[pe.Code], pe.ConstraintName)
}

// settle runs the commit's work (immediateSQL: the audit of the parents the
// import left to it, the data version, the stamps) in a savepoint, again
// when it lost a race: its audit met an overlap across a parent whose lock
// it had not foreseen and found taken (migration 032). The savepoint's
// rollback releases what the attempt took; the next foresees the overlap
// and waits for the lock in order.
func settle(ctx context.Context, tx pgx.Tx) error {
	err := retryInSavepoint(ctx, tx, 50*time.Millisecond, pgerr.LostRace, func() error {
		_, err := tx.Exec(ctx, immediateSQL)
		return err
	})
	if err != nil {
		return fmt.Errorf("the commit's audit and version: %w", err)
	}
	return nil
}

// retryInSavepoint runs do in a savepoint of tx, and again, after rolling
// the savepoint back and waiting (from wait, doubling), while again says
// its error may pass on another try, up to maxApplyAttempts times. It
// returns do's last error (nil once an attempt succeeded).
func retryInSavepoint(ctx context.Context, tx pgx.Tx, wait time.Duration, again func(error) bool, do func() error) error {
	for attempt := 1; ; attempt++ {
		sp, err := tx.Begin(ctx)
		if err != nil {
			return err
		}
		if err = do(); err == nil {
			return sp.Commit(ctx)
		}
		if !again(err) || attempt == maxApplyAttempts {
			return err
		}
		if err := sp.Rollback(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}
