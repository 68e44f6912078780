package postgres

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

var _ casework.ReportStore = (*DB)(nil)

// insertReportsSQL stores a batch of new reports with their first history
// entry and statistics delta in one statement, hence one transaction. A
// report whose id is taken is skipped (ON CONFLICT DO NOTHING, which waits
// for a concurrent insert of the same id to commit or abort); the ids
// returned are those stored now, and only they get an entry and a delta.
// The gate ($34, the lowest data version the reports were resolved from;
// $35, the latest moment they were observed) refuses the batch when a
// version after it began by then (geo.MovedError), and holds the next
// edit's commit, and with it the stamps of its versions, until the reports
// are stored (migration 031): a report stored from version v was observed
// before v+1 began.
const insertReportsSQL = `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::bytea[], $3::text[], $4::text[], $5::int2[], $6::text[],
    $7::float8[], $8::float8[], $9::float8[], $10::float8[], $11::text[], $12::float8[],
    $13::timestamptz[], $14::timestamptz[], $15::text[], $16::jsonb[], $17::jsonb[], $18::text[],
    $19::text[], $20::text[], $21::int8[], $22::text[], $23::text[], $24::text[], $25::timestamptz[],
    $26::timestamptz[], $27::timestamptz[], $28::text[], $29::jsonb[], $30::date[], $33::text[])
    AS t(id, hash, kind, category, severity, description, lng, lat, sent_x, sent_y, crs, accuracy_m,
         observed_at, received_at, reporter, attachments, resolution, res_status, flags, unit_code,
         index_version, state, level, assigned_code, due_at, level_due_at, closed_at, note, detail, day, recorded_by)
  WHERE (SELECT gridmap_reports_gate($34::int8, $35::timestamptz))
), ins AS (
  INSERT INTO report (id, body_sha256, kind, category, severity, description, geom, point_sent, crs,
    accuracy_m, observed_at, received_at, reporter, attachments, resolution, res_status, flags, unit_code,
    index_version, state, level, assigned_code, due_at, level_due_at, closed_at, updated_at, events)
  SELECT id, hash, kind, category, severity, description, ST_SetSRID(ST_MakePoint(lng, lat), 4326),
    ARRAY[sent_x, sent_y], crs, accuracy_m, observed_at, received_at, reporter, attachments, resolution,
    res_status, string_to_array(flags, ','), unit_code, index_version, state, level, assigned_code,
    due_at, level_due_at, closed_at, received_at, 1
  FROM input
  ON CONFLICT (id) DO NOTHING
  RETURNING id
), ev AS (
  INSERT INTO report_event (report_id, seq, action, to_state, level, assigned_code, actor, recorded_by, at, note, detail)
  SELECT i.id, 1, 'report', i.state, i.level, i.assigned_code, i.reporter, i.recorded_by, i.received_at, i.note, i.detail
  FROM input i JOIN ins USING (id)
), delta AS (
  INSERT INTO report_stat_delta (day, unit, category, state, n, on_time)
  SELECT i.day, i.unit_code, i.category, i.state, 1, 0 FROM input i JOIN ins USING (id)
), att AS (
  INSERT INTO report_attachment (checksum, report_id, seq)
  SELECT a.checksum, a.id, 1 FROM unnest($31::uuid[], $32::text[]) AS a(id, checksum) JOIN ins USING (id)
)
SELECT id::text FROM ins`

// CreateReports stores rs in one transaction. A report whose id is already
// stored is not written again: it is Existing when the stored content is the
// same (a retry) and Different otherwise. Two reports of rs with one id are
// treated the same way against the first of them.
func (db *DB) CreateReports(ctx context.Context, rs []casework.Report) ([]casework.CreateResult, error) {
	out := make([]casework.CreateResult, len(rs))
	first := map[string]int{}
	var batch []int // indexes of rs to insert, one per id
	for i := range rs {
		if _, dup := first[rs[i].ID]; !dup {
			first[rs[i].ID] = i
			batch = append(batch, i)
		}
	}
	// Insert in id order: two batches sharing ids then wait on each other in
	// the same order and never deadlock.
	sort.Slice(batch, func(a, b int) bool { return rs[batch[a]].ID < rs[batch[b]].ID })
	created := map[string]bool{}
	if len(batch) > 0 {
		var ids []string
		err := db.writeConn(ctx, func(conn *pgxpool.Conn) error {
			rows, err := conn.Query(ctx, insertReportsSQL, reportArgs(rs, batch)...)
			if err == nil {
				ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("store reports: %w", translate(err))
		}
		for _, id := range ids {
			created[id] = true
		}
	}
	var taken []string
	for _, i := range batch {
		if !created[rs[i].ID] {
			taken = append(taken, rs[i].ID)
		}
	}
	stored := map[string]casework.Report{}
	if len(taken) > 0 {
		got, err := db.reportsByID(ctx, taken)
		if err != nil {
			return nil, err
		}
		for _, r := range got {
			stored[r.ID] = r
		}
	}
	for i := range rs {
		f := first[rs[i].ID]
		switch {
		case f == i && created[rs[i].ID]:
			out[i] = casework.CreateResult{Outcome: casework.Created, Report: rs[i]}
		case created[rs[i].ID]: // a duplicate within rs of a report stored now
			out[i] = casework.CreateResult{Outcome: sameOrDifferent(rs[f].Hash, rs[i].Hash), Report: rs[f]}
		default:
			s, ok := stored[rs[i].ID]
			if !ok { // inserted and deleted meanwhile: reports are never deleted
				return nil, fmt.Errorf("report %s neither stored nor found", rs[i].ID)
			}
			out[i] = casework.CreateResult{Outcome: sameOrDifferent(s.Hash, rs[i].Hash), Report: s}
		}
	}
	return out, nil
}

func sameOrDifferent(stored, sent [32]byte) casework.CreateOutcome {
	if stored == sent {
		return casework.Existing
	}
	return casework.Different
}

// reportArgs lays out the reports at idx as the column arrays of insertReportsSQL.
func reportArgs(rs []casework.Report, idx []int) []any {
	n := len(idx)
	var (
		ids                                 = make([]pgtype.UUID, n)
		hashes                              = make([][]byte, n)
		kinds, cats, descs, crss, reporters = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		sevs                                = make([]int16, n)
		lngs, lats, sxs, sys                = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		accs                                = make([]*float64, n)
		observed, received                  = make([]time.Time, n), make([]time.Time, n)
		attachments, resolutions, details   = make([]any, n), make([]any, n), make([]any, n)
		statuses, flags, units, states      = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		versions                            = make([]int64, n)
		lowest                              = int64(math.MaxInt64)
		latest                              time.Time
		levels, assigned, notes             = make([]string, n), make([]string, n), make([]string, n)
		dues, levelDues, closed             = make([]*time.Time, n), make([]*time.Time, n), make([]*time.Time, n)
		days                                = make([]time.Time, n)
		recorders                           = make([]string, n)
	)
	for k, i := range idx {
		r := &rs[i]
		ids[k] = pgUUID(r.ID)
		hashes[k] = r.Hash[:]
		kinds[k], cats[k], sevs[k], descs[k] = string(r.Kind), r.Category, int16(r.Severity), r.Description
		lngs[k], lats[k], sxs[k], sys[k] = r.WGS84[0], r.WGS84[1], r.Point[0], r.Point[1]
		crss[k], accs[k], observed[k], received[k], reporters[k] = string(r.CRS), r.AccuracyM, r.ObservedAt, r.ReceivedAt, r.Reporter
		attachments[k] = orEmpty(r.Attachments)
		resolutions[k], statuses[k], flags[k], units[k] = r.Resolution, string(r.Resolution.Status), strings.Join(r.Flags, ","), r.UnitCode
		versions[k], states[k], levels[k], assigned[k] = r.Resolution.IndexVersion, string(r.State), string(r.Level), r.AssignedCode
		dues[k], levelDues[k], closed[k] = r.DueAt, r.LevelDueAt, r.ClosedAt
		notes[k], details[k], days[k] = r.History[0].Note, r.History[0].Detail, geo.ChinaDay(r.ObservedAt)
		recorders[k] = r.History[0].RecordedBy
		lowest = min(lowest, versions[k])
		if r.ObservedAt.After(latest) {
			latest = r.ObservedAt
		}
	}
	attIDs, attSums := attachmentLinks(rs, idx)
	return []any{ids, hashes, kinds, cats, sevs, descs, lngs, lats, sxs, sys, crss, accs, observed, received,
		reporters, attachments, resolutions, statuses, flags, units, versions, states, levels, assigned,
		dues, levelDues, closed, notes, details, days, attIDs, attSums, recorders, lowest, latest}
}

// attachmentLinks lays out the photos the reports at idx were filed with as
// the two columns (report, checksum) of report_attachment.
func attachmentLinks(rs []casework.Report, idx []int) ([]pgtype.UUID, []string) {
	var ids []pgtype.UUID
	var sums []string
	for _, i := range idx {
		for _, a := range rs[i].Attachments {
			ids, sums = append(ids, pgUUID(rs[i].ID)), append(sums, a.Checksum)
		}
	}
	return ids, sums
}

func orEmpty(as []casework.Attachment) []casework.Attachment {
	if as == nil {
		return []casework.Attachment{}
	}
	return as
}

// reportColumns is read by scanReport.
const reportColumns = `id::text, body_sha256, kind, category, severity, description, point_sent, crs, accuracy_m,
  observed_at, reporter, attachments, ST_X(geom), ST_Y(geom), received_at, resolution, unit_code, flags, state,
  level, assigned_code, assignee, due_at, level_due_at, escalations, closed_at, closed_on_time, updated_at, events`

func scanReport(row pgx.CollectableRow) (casework.Report, error) {
	var r casework.Report
	var hash []byte
	var point []float64
	err := row.Scan(&r.ID, &hash, &r.Kind, &r.Category, &r.Severity, &r.Description, &point, &r.CRS,
		&r.AccuracyM, &r.ObservedAt, &r.Reporter, &r.Attachments, &r.WGS84[0], &r.WGS84[1], &r.ReceivedAt,
		&r.Resolution, &r.UnitCode, &r.Flags, &r.State, &r.Level, &r.AssignedCode, &r.Assignee, &r.DueAt,
		&r.LevelDueAt, &r.Escalations, &r.ClosedAt, &r.ClosedOnTime, &r.UpdatedAt, &r.Events)
	if err != nil {
		return r, err
	}
	copy(r.Hash[:], hash)
	if len(point) == 2 {
		r.Point[0], r.Point[1] = point[0], point[1]
	}
	utc(&r.ObservedAt, &r.ReceivedAt, &r.UpdatedAt)
	utcPtr(r.DueAt, r.LevelDueAt, r.ClosedAt)
	if len(r.Attachments) == 0 {
		r.Attachments = nil // as sent: omitted, not empty
	}
	return r, nil
}

const eventColumns = `report_id::text, seq, coalesce(client_id::text, ''), action, coalesce(from_state, ''), to_state,
  level, assigned_code, assignee, actor, recorded_by, at, note, detail, attachments`

func scanEvent(row pgx.CollectableRow) (string, casework.Transition, error) {
	var id string
	var t casework.Transition
	err := row.Scan(&id, &t.Seq, &t.ClientID, &t.Action, &t.From, &t.To, &t.Level, &t.Code, &t.Assignee,
		&t.Actor, &t.RecordedBy, &t.At, &t.Note, &t.Detail, &t.Attachments)
	t.At = t.At.UTC()
	if len(t.Detail) == 0 {
		t.Detail = nil
	}
	if len(t.Attachments) == 0 {
		t.Attachments = nil
	}
	return id, t, err
}

// reportsByID reads reports with their histories.
func (db *DB) reportsByID(ctx context.Context, ids []string) ([]casework.Report, error) {
	uids := make([]pgtype.UUID, len(ids))
	for i, id := range ids {
		uids[i] = pgUUID(id)
	}
	var reports []casework.Report
	err := pgx.BeginTxFunc(ctx, db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+reportColumns+` FROM report WHERE id = ANY($1)`, uids)
		if err != nil {
			return err
		}
		if reports, err = pgx.CollectRows(rows, scanReport); err != nil {
			return err
		}
		return attachHistory(ctx, tx, reports, uids)
	})
	if err != nil {
		return nil, fmt.Errorf("read reports: %w", translate(err))
	}
	return reports, nil
}

// attachHistory reads the history of the reports into them.
func attachHistory(ctx context.Context, q pgx.Tx, reports []casework.Report, uids []pgtype.UUID) error {
	rows, err := q.Query(ctx, `SELECT `+eventColumns+` FROM report_event WHERE report_id = ANY($1) ORDER BY report_id, seq`, uids)
	if err != nil {
		return err
	}
	defer rows.Close()
	at := map[string]int{}
	for i := range reports {
		at[reports[i].ID] = i
		reports[i].History = nil
	}
	for rows.Next() {
		id, t, err := scanEvent(rows)
		if err != nil {
			return err
		}
		if i, ok := at[id]; ok {
			reports[i].History = append(reports[i].History, t)
		}
	}
	return rows.Err()
}

// GetReport returns one report with its whole history.
func (db *DB) GetReport(ctx context.Context, id string) (casework.Report, error) {
	if _, err := uuid.Parse(id); err != nil {
		return casework.Report{}, geo.Invalid("id", "%q is not a UUID", id)
	}
	got, err := db.reportsByID(ctx, []string{id})
	if err != nil {
		return casework.Report{}, err
	}
	if len(got) == 0 {
		return casework.Report{}, geo.Errorf(geo.ENOTFOUND, "id", "no report has id %s", id)
	}
	return got[0], nil
}

func pgUUID(s string) pgtype.UUID {
	u, err := uuid.Parse(s)
	return pgtype.UUID{Bytes: u, Valid: err == nil}
}

func utc(ts ...*time.Time) {
	for _, t := range ts {
		*t = t.UTC()
	}
}

func utcPtr(ts ...*time.Time) {
	for _, t := range ts {
		if t != nil {
			*t = t.UTC()
		}
	}
}
