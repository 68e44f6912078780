package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// The workflow writes: each locks the report row, lets the domain decide
// (casework.Report.Apply, Reattribute, Policy.Escalate), and writes the new row,
// its history entry and its statistics delta in the same transaction.

const lockReportSQL = `SELECT ` + reportColumns + ` FROM report WHERE id = $1 FOR UPDATE`

// updateReportSQL writes every mutable column of a report from the domain
// value, so that all workflow writes share one statement.
const updateReportSQL = `
UPDATE report SET resolution = $2, res_status = $3, flags = $4, unit_code = $5, index_version = $6,
  state = $7, level = $8, assigned_code = $9, assignee = $10, level_due_at = $11, escalations = $12,
  closed_at = $13, closed_on_time = $14, updated_at = $15, events = $16
WHERE id = $1`

const insertEventSQL = `
INSERT INTO report_event (report_id, seq, client_id, action, from_state, to_state, level, assigned_code,
  assignee, actor, recorded_by, at, note, detail, attachments)
VALUES ($1, $2, $3, $4, nullif($5, ''), $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`

// insertStepPhotosSQL links the photos of a step to its report, so that
// whoever may see the report may see them.
const insertStepPhotosSQL = `
INSERT INTO report_attachment (checksum, report_id, seq)
SELECT unnest($3::text[]), $1, $2`

const insertDeltaSQL = `
INSERT INTO report_stat_delta (day, unit, category, state, n, on_time)
SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[])`

// recordedStepSQL reads the step a client id names on a report.
const recordedStepSQL = `SELECT ` + eventColumns + ` FROM report_event WHERE report_id = $1 AND client_id = $2`

// Transition applies a person's request under the row lock. A request
// carrying a client id already recorded for this report is decided by
// casework's Admit, in the same transaction: the same actor's retry of the
// same step returns the report as it is now, with replayed true (even if
// q.Authorize would now refuse it); another body is ECONFLICT; everything
// else must pass q.Authorize.
func (db *DB) Transition(ctx context.Context, id string, q casework.TransitionRequest, p casework.Policy) (casework.Report, bool, error) {
	if err := q.Validate(); err != nil {
		return casework.Report{}, false, err
	}
	return db.step(ctx, id, &q, func(_ pgx.Tx, r *casework.Report) (casework.Transition, error) {
		return r.Apply(q, p, time.Now().UTC().Truncate(time.Microsecond))
	})
}

// Reresolve re-runs resolve on the report's point under the row lock and
// records the previous answer in the history. q is admitted as a step is
// (Transition): the same actor's retry of a recorded re-resolution returns
// the report as it is, replayed, without resolving again. The answer passes
// the gate a new report's does (migration 031), and is resolved again from
// the version an edit's commit made if it does not.
func (db *DB) Reresolve(ctx context.Context, id string, q casework.TransitionRequest, resolve func(r casework.Report, floor int64) (geo.Resolution, error)) (casework.Report, bool, error) {
	if err := q.ValidateReresolve(); err != nil {
		return casework.Report{}, false, err
	}
	return db.step(ctx, id, &q, func(tx pgx.Tx, r *casework.Report) (casework.Transition, error) {
		var floor int64
		for attempt := 1; ; attempt++ {
			res, err := resolve(*r, floor)
			if err != nil {
				return casework.Transition{}, err
			}
			now := time.Now().UTC().Truncate(time.Microsecond)
			err = gate(ctx, tx, res.IndexVersion, now)
			moved, overtaken := geo.MovedTo(err)
			if overtaken && attempt < resolveAttempts {
				floor = moved
				continue
			}
			if err != nil {
				return casework.Transition{}, err
			}
			return r.Reattribute(res, &q, now)
		}
	})
}

// resolveAttempts bounds the resolutions of one re-resolve overtaken by
// edits' commits, each of which moves the version to resolve from.
const resolveAttempts = 3

// gateSQL is gridmap_reports_gate (migration 031) for one answer.
const gateSQL = `SELECT gridmap_reports_gate($1, $2)`

// gate checks, in a savepoint of tx, that no version after version began
// by observed, and holds the commits' lock to tx's end if none did. One
// that did rolls the savepoint back, and with it the lock, so that the
// answer is resolved again without holding back every commit meanwhile.
func gate(ctx context.Context, tx pgx.Tx, version int64, observed time.Time) error {
	err := pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
		_, err := sp.Exec(ctx, gateSQL, version, observed)
		return err
	})
	return translate(err)
}

// step moves report id under its row lock by move, which changes r and
// returns the step to record, unless q is a replay of a recorded step
// (admit): then the report is answered as it is, with true.
func (db *DB) step(ctx context.Context, id string, q *casework.TransitionRequest, move func(pgx.Tx, *casework.Report) (casework.Transition, error)) (casework.Report, bool, error) {
	var out casework.Report
	replayed := false
	err := db.withReport(ctx, id, func(tx pgx.Tx, r *casework.Report) error {
		var err error
		if replayed, err = admit(ctx, tx, r, q); err != nil || replayed {
			return err
		}
		before := *r
		t, err := move(tx, r)
		if err != nil {
			return err
		}
		return writeStep(ctx, tx, &before, r, t)
	}, &out)
	return out, replayed, err
}

// admit reads the step q's client id names on locked report r, if any, and
// lets casework decide (TransitionRequest.Admit): true for a replay.
func admit(ctx context.Context, tx pgx.Tx, r *casework.Report, q *casework.TransitionRequest) (bool, error) {
	if q.ClientID == "" {
		return q.Admit(r, nil)
	}
	rows, err := tx.Query(ctx, recordedStepSQL, pgUUID(r.ID), pgUUID(q.ClientID))
	if err != nil {
		return false, err
	}
	t, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (casework.Transition, error) {
		_, t, err := scanEvent(row)
		return t, err
	})
	switch {
	case err == pgx.ErrNoRows:
		return q.Admit(r, nil)
	case err != nil:
		return false, err
	}
	return q.Admit(r, &t)
}

// withReport locks report id in a transaction, reads its history, runs fn
// on it, and puts the report into out once fn succeeded, with the steps fn
// recorded read back after the ones already held.
func (db *DB) withReport(ctx context.Context, id string, fn func(pgx.Tx, *casework.Report) error, out *casework.Report) error {
	uid := pgUUID(id)
	if !uid.Valid {
		return geo.Invalid("id", "%q is not a UUID", id)
	}
	err := db.writeConn(ctx, func(conn *pgxpool.Conn) error {
		return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return lockedReport(ctx, tx, uid, id, fn, out) })
	})
	if err != nil {
		return fmt.Errorf("report %s: %w", id, translate(err))
	}
	return nil
}

// lockedReport is withReport's transaction: the report locked, its
// history read, fn run, the steps it recorded read back into out.
func lockedReport(ctx context.Context, tx pgx.Tx, uid pgtype.UUID, id string, fn func(pgx.Tx, *casework.Report) error, out *casework.Report) error {
	rows, err := tx.Query(ctx, lockReportSQL, uid)
	if err != nil {
		return err
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanReport)
	if err == pgx.ErrNoRows {
		return geo.Errorf(geo.ENOTFOUND, "id", "no report has id %s", id)
	}
	if err != nil {
		return err
	}
	// The rules read the case's history (who handled it: 监管分离).
	reports := []casework.Report{r}
	if err := attachHistory(ctx, tx, reports, []pgtype.UUID{uid}); err != nil {
		return err
	}
	r = reports[0]
	held := len(r.History)
	if err := fn(tx, &r); err != nil {
		return err
	}
	if r.Events > held { // a replay recorded nothing
		if err := attachStepsAfter(ctx, tx, &r, uid, held); err != nil {
			return err
		}
	}
	*out = r
	return nil
}

// attachStepsAfter appends to r's history its steps after the first held,
// as stored: what a step wrote is answered as a later read shows it.
func attachStepsAfter(ctx context.Context, tx pgx.Tx, r *casework.Report, uid pgtype.UUID, held int) error {
	rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM report_event WHERE report_id = $1 AND seq > $2 ORDER BY seq`, uid, held)
	if err != nil {
		return err
	}
	steps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (casework.Transition, error) {
		_, t, err := scanEvent(row)
		return t, err
	})
	r.History = append(r.History[:held:held], steps...)
	return err
}

// writeStep writes the report after a step, the step, and the statistics
// change from before to after.
func writeStep(ctx context.Context, tx pgx.Tx, before, after *casework.Report, t casework.Transition) error {
	uid := pgUUID(after.ID)
	if _, err := tx.Exec(ctx, updateReportSQL, uid, after.Resolution, string(after.Resolution.Status),
		after.Flags, after.UnitCode, after.Resolution.IndexVersion, string(after.State), string(after.Level),
		after.AssignedCode, after.Assignee, after.LevelDueAt, after.Escalations, after.ClosedAt,
		after.ClosedOnTime, after.UpdatedAt, after.Events); err != nil {
		return err
	}
	if err := insertEvent(ctx, tx, uid, t); err != nil {
		return err
	}
	return insertDeltas(ctx, tx, casework.StatDeltas(before, after))
}

func insertEvent(ctx context.Context, tx pgx.Tx, uid pgtype.UUID, t casework.Transition) error {
	var client pgtype.UUID
	if t.ClientID != "" {
		client = pgUUID(t.ClientID)
	}
	detail := t.Detail
	if detail == nil {
		detail = map[string]any{}
	}
	_, err := tx.Exec(ctx, insertEventSQL, uid, t.Seq, client, string(t.Action), string(t.From), string(t.To),
		string(t.Level), t.Code, t.Assignee, t.Actor, t.RecordedBy, t.At, t.Note, detail, orEmpty(t.Attachments))
	if err != nil || len(t.Attachments) == 0 {
		return err
	}
	sums := make([]string, len(t.Attachments))
	for i, a := range t.Attachments {
		sums[i] = a.Checksum
	}
	_, err = tx.Exec(ctx, insertStepPhotosSQL, uid, t.Seq, sums)
	return err
}

func insertDeltas(ctx context.Context, tx pgx.Tx, ds []casework.StatDelta) error {
	if len(ds) == 0 {
		return nil
	}
	days := make([]time.Time, len(ds))
	units, cats, states := make([]string, len(ds)), make([]string, len(ds)), make([]string, len(ds))
	ns, onTime := make([]int32, len(ds)), make([]int32, len(ds))
	for i, d := range ds {
		days[i], units[i], cats[i], states[i], ns[i], onTime[i] = d.Day, d.Unit, d.Category, string(d.State), int32(d.N), int32(d.OnTime)
	}
	_, err := tx.Exec(ctx, insertDeltaSQL, days, units, cats, states, ns, onTime)
	return err
}

// escalationCandidatesSQL picks open cases whose level clock ran out, and
// those handled below the floor of their severity ($2, $3: the pairs of
// severity and too-fine level; LATERAL so that each pair is an index
// lookup, not a scan of every open case), each through its partial index, skipping
// rows another replica's job or a person holds right now.
const escalationCandidatesSQL = `SELECT ` + reportColumns + ` FROM report
WHERE id IN (
    (SELECT id FROM report WHERE state NOT IN ('closed', 'rejected') AND level_due_at IS NOT NULL
        AND level_due_at <= $1 ORDER BY level_due_at LIMIT $4)
    UNION
    (SELECT x.id FROM unnest($2::int2[], $3::text[]) AS f(sev, lvl),
       LATERAL (SELECT r.id FROM report r WHERE r.severity = f.sev AND r.level = f.lvl
                  AND r.state NOT IN ('closed', 'rejected') AND r.kind <> 'patrol_log' LIMIT $4) x
     LIMIT $4))
  AND state NOT IN ('closed', 'rejected')
ORDER BY level_due_at NULLS LAST, id
LIMIT $4
FOR UPDATE SKIP LOCKED`

// EscalationActor is the actor recorded for automatic escalations.
const EscalationActor = "gridmap:escalate"

// Escalate raises, in one transaction, up to limit open cases that are due
// at now, and returns how many it raised.
func (db *DB) Escalate(ctx context.Context, p casework.Policy, now time.Time, limit int) (int, error) {
	var sevs []int16
	var levels []string
	for sev := casework.MinSeverity; sev <= casework.MaxSeverity; sev++ {
		for _, l := range geo.Levels {
			if p.Floors[sev] != "" && l.Rank() > p.Floors[sev].Rank() {
				sevs, levels = append(sevs, int16(sev)), append(levels, string(l))
			}
		}
	}
	now = now.UTC().Truncate(time.Microsecond)
	raised := 0
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, escalationCandidatesSQL, now, sevs, levels, limit)
		if err != nil {
			return err
		}
		cases, err := pgx.CollectRows(rows, scanReport)
		if err != nil {
			return err
		}
		for i := range cases {
			before := cases[i]
			t, ok := p.Escalate(&cases[i], EscalationActor, now)
			if !ok {
				continue
			}
			if err := writeStep(ctx, tx, &before, &cases[i], t); err != nil {
				return err
			}
			raised++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("escalate: %w", translate(err))
	}
	return raised, nil
}
