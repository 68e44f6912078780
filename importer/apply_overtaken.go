package importer

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// applyOvertaken applies the import, again from a savepoint when a version
// it closes begins after the import's instant. A unit created under one the
// import retires, in the milliseconds between the instant and the
// retirement's statement, is seen by that statement but cannot end before
// it began: the whole import failed on the table's check (valid_to >
// valid_from), 2 of about 600 imports in a stress test. Taken again, the
// instant follows that version's start. A version dated in the future
// (one the import would retire before it begins) fails every attempt, and
// the import with the check's refusal, as before.
func (r *run) applyOvertaken(ctx context.Context, job int64) error {
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		sp, err := r.tx.Begin(ctx)
		if err != nil {
			return err
		}
		before, issues, retired := *r.report, len(r.report.Issues), r.retired
		err = r.apply(ctx, job)
		if err == nil {
			return sp.Commit(ctx)
		}
		if !closesBeforeItBegan(err) || attempt == maxApplyAttempts {
			return err
		}
		if err := sp.Rollback(ctx); err != nil {
			return err
		}
		*r.report = before
		r.report.Issues, r.retired = r.report.Issues[:issues], retired
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// maxApplyAttempts bounds applyOvertaken: four waits, 1.5 s in all.
const maxApplyAttempts = 5

// closesBeforeItBegan tells the failure of the unit and enclave tables'
// check that a version ends after it begins (migration 025 names it).
func closesBeforeItBegan(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23514" &&
		(pe.ConstraintName == "unit_ends_after_it_begins" || pe.ConstraintName == "enclave_ends_after_it_begins")
}
