package postgres

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// The listing and statistics queries have optional filters; each is one
// static statement in which an absent filter is a NULL parameter. They run
// in QueryExecModeExec (an unnamed statement planned with the actual
// values), so PostgreSQL never settles on a generic plan that ignores which
// filters are present.

const listReportsSQL = `SELECT ` + reportColumns + ` FROM report
WHERE ($1::text IS NULL OR (unit_code >= $1::text AND unit_code < $1::text || ':') OR reporter = $18::text)
  AND ($2::text[] IS NULL OR state = ANY($2::text[]))
  AND ($3::text[] IS NULL OR kind = ANY($3::text[]))
  AND ($4::text[] IS NULL OR category = ANY($4::text[]) OR left(category, 3) = ANY($4::text[]))
  AND ($5::int2[] IS NULL OR severity = ANY($5::int2[]))
  AND ($6::text IS NULL OR $6::text = ANY(flags))
  AND ($7::timestamptz IS NULL OR observed_at >= $7::timestamptz)
  AND ($8::timestamptz IS NULL OR observed_at < $8::timestamptz)
  AND ($9::float8 IS NULL OR (geom && ST_Expand(ST_MakeEnvelope($9::float8, $10::float8, $11::float8, $12::float8, 4326), CASE WHEN $17::bool THEN ` + CoarseReach + ` ELSE 0 END)
       AND (NOT $17::bool OR ST_SnapToGrid(geom, ` + CoarseGrid + `) && ST_MakeEnvelope($9::float8, $10::float8, $11::float8, $12::float8, 4326))))
  AND ($13::text IS NULL OR reporter = $13::text)
  AND ($14::timestamptz IS NULL OR (observed_at, id) < ($14::timestamptz, $15::uuid))
  AND ($19::bool IS NULL OR (state NOT IN ('closed', 'rejected') AND coalesce(due_at < now(), false)) = $19::bool)
ORDER BY observed_at DESC, id DESC
LIMIT $16`

// CoarseGrid is the grid, in SQL, points are rounded to for callers who
// may not see them exactly (access.CoarseDegrees); CoarseReach is how far a
// rounded point may lie from the exact one, with a margin: the index finds
// the candidates, the rounded point decides. The tile statements use them
// too.
const (
	CoarseGrid  = "0.002"
	CoarseReach = "0.0011"
)

// ListReports returns one page of reports (without history), the most
// recently observed first, and the cursor of the next page.
func (db *DB) ListReports(ctx context.Context, f casework.ReportFilter) ([]casework.Report, string, error) {
	var afterAt *time.Time
	var afterID pgtype.UUID
	if f.After != "" {
		t, id, err := decodeReportCursor(f.After)
		if err != nil {
			return nil, "", err
		}
		afterAt, afterID = &t, id
	}
	var box [4]*float64
	if f.BBox != nil {
		box = [4]*float64{&f.BBox.Min[0], &f.BBox.Min[1], &f.BBox.Max[0], &f.BBox.Max[1]}
	}
	var sevs []int16
	for _, s := range f.Severities {
		sevs = append(sevs, int16(s))
	}
	rows, err := db.Pool.Query(ctx, listReportsSQL, pgx.QueryExecModeExec,
		nullString(f.Unit), strs(f.States), strs(f.Kinds), nilIfEmpty(f.Categories), nilIfEmpty(sevs),
		nullString(f.Flag), nullTime(f.From), nullTime(f.To), box[0], box[1], box[2], box[3],
		nullString(f.Reporter), afterAt, afterID, f.Limit+1, f.CoarseBBox, nullString(f.OrReporter), f.Overdue)
	if err != nil {
		return nil, "", fmt.Errorf("list reports: %w", translate(err))
	}
	reports, err := pgx.CollectRows(rows, scanReport)
	if err != nil {
		return nil, "", fmt.Errorf("list reports: %w", translate(err))
	}
	if len(reports) <= f.Limit {
		return reports, "", nil
	}
	reports = reports[:f.Limit]
	last := reports[f.Limit-1]
	return reports, encodeReportCursor(last.ObservedAt, last.ID), nil
}

// A cursor is the sort key of the last report of a page: its observed time
// and id. It is opaque to clients.
func encodeReportCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(t.UTC().Format(time.RFC3339Nano) + "|" + id))
}

func decodeReportCursor(s string) (time.Time, pgtype.UUID, error) {
	bad := geo.Invalid("cursor", "the cursor is not one this service issued; start again without it")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, pgtype.UUID{}, bad
	}
	ts, id, ok := strings.Cut(string(b), "|")
	t, err := time.Parse(time.RFC3339Nano, ts)
	u := pgUUID(id)
	if !ok || err != nil || !u.Valid {
		return time.Time{}, pgtype.UUID{}, bad
	}
	return t, u, nil
}

func strs[T ~string](xs []T) []string {
	if len(xs) == 0 {
		return nil
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func nilIfEmpty[T any](xs []T) []T {
	if len(xs) == 0 {
		return nil
	}
	return xs
}

// statsSQL adds the folded statistics rows of the group level ($1) for the
// unit ($2, NULL for the whole city) and its children over the days
// [$3, $4) to the deltas not folded yet, in one snapshot. The folded rows
// are read by exact unit code, the unit's own and each child's that ever
// existed, so every lookup is an index range over the period's days.
const statsSQL = `
WITH codes AS (
  SELECT $2::text AS code WHERE $2::text IS NOT NULL
  UNION
  SELECT DISTINCT code FROM unit WHERE ($2::text IS NULL AND level = 'district') OR parent_code = $2::text
), cells AS (
  SELECT s.unit, s.state, s.category, s.n, s.on_time
    FROM codes c JOIN report_stat s ON s.level = $1::int2 AND s.unit = c.code AND s.day >= $3::date AND s.day < $4::date
   WHERE ($5::text IS NULL OR s.category = $5::text OR left(s.category, 3) = $5::text)
  UNION ALL
  SELECT gridmap_unit_at_level(d.unit, $1::int2), d.state, d.category, d.n, d.on_time
    FROM report_stat_delta d
   WHERE ($2::text IS NULL OR (d.unit >= $2::text AND d.unit < $2::text || ':'))
     AND d.day >= $3::date AND d.day < $4::date
     AND ($5::text IS NULL OR d.category = $5::text OR left(d.category, 3) = $5::text)
)
SELECT unit, state, category, sum(n)::bigint, sum(on_time)::bigint FROM cells
GROUP BY 1, 2, 3 HAVING sum(n) <> 0 OR sum(on_time) <> 0
ORDER BY 1, 2, 3`

// overdueSQL counts open cases past their deadline now, per group unit.
// It reads report_overdue_idx: only open cases past their deadline.
const overdueSQL = `
SELECT gridmap_unit_at_level(unit_code, $1::int2), count(*) FROM report
WHERE state NOT IN ('closed', 'rejected') AND due_at < now()
  AND ($2::text IS NULL OR (unit_code >= $2::text AND unit_code < $2::text || ':'))
  AND ($3::text IS NULL OR category = $3::text OR left(category, 3) = $3::text)
GROUP BY 1`

const unitNamesSQL = `SELECT DISTINCT ON (code) code, name FROM unit WHERE code = ANY($1) ORDER BY code, version DESC`

// Stats counts reports by unit, state and category from the statistics
// rollup, exactly: the unfolded deltas are added in the same snapshot.
func (db *DB) Stats(ctx context.Context, q casework.StatsQuery) (casework.Stats, error) {
	st := casework.Stats{Query: q, GroupLevel: q.GroupLevel(), OverdueOpen: map[string]int64{}, Names: map[string]string{}}
	level := int16(st.GroupLevel.Rank())
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, db.Pool, opts, func(tx pgx.Tx) error {
		// The queries read bounded index ranges: starting parallel workers or
		// compiling with JIT costs more (tens of ms) than it saves. The
		// planner cannot know how many folded rows a unit has and would sort
		// tens of thousands of them to group them; hashing is 3-4x faster.
		if _, err := tx.Exec(ctx, `SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off; SET LOCAL enable_sort = off`,
			pgx.QueryExecModeSimpleProtocol); err != nil {
			return err
		}
		// Dates travel as text: a timestamp cast to date would depend on the session's time zone.
		rows, err := tx.Query(ctx, statsSQL, pgx.QueryExecModeExec, level, nullString(q.Unit),
			q.From.Format(time.DateOnly), q.To.Format(time.DateOnly), nullString(q.Category))
		if err != nil {
			return err
		}
		st.Cells, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (casework.StatsCell, error) {
			var c casework.StatsCell
			err := row.Scan(&c.Unit, &c.State, &c.Category, &c.Count, &c.OnTime)
			return c, err
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, overdueSQL, pgx.QueryExecModeExec, level, nullString(q.Unit), nullString(q.Category))
		if err != nil {
			return err
		}
		var unit string
		var n int64
		if _, err := pgx.ForEachRow(rows, []any{&unit, &n}, func() error { st.OverdueOpen[unit] = n; return nil }); err != nil {
			return err
		}
		codes := []string{q.Unit}
		for _, c := range st.Cells {
			codes = append(codes, c.Unit)
		}
		for u := range st.OverdueOpen {
			codes = append(codes, u)
		}
		rows, err = tx.Query(ctx, unitNamesSQL, codes)
		if err != nil {
			return err
		}
		var code, name string
		_, err = pgx.ForEachRow(rows, []any{&code, &name}, func() error { st.Names[code] = name; return nil })
		return err
	})
	if err != nil {
		return st, fmt.Errorf("report stats: %w", translate(err))
	}
	return st, nil
}

// FoldReportStats folds pending statistics deltas into the rollup, batch
// by batch, and returns how many it folded. Another replica folding at the
// same time makes this call return early; nothing is folded twice.
func (db *DB) FoldReportStats(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT gridmap_fold_report_stats(20000)`).Scan(&n); err != nil {
			return total, fmt.Errorf("fold report stats: %w", translate(err))
		}
		total += n
		if n < 20000 {
			return total, nil
		}
	}
}
