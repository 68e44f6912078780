package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/casework"
)

var _ casework.OverviewStore = (*DB)(nil)

// overviewDaysSQL counts the reports of a unit ($2, NULL for the whole
// city) per China day, category and state over [$3, $4): the folded rows
// at the unit's own level ($1; districts for the city) plus the deltas not
// folded yet, as statsSQL does.
const overviewDaysSQL = `
WITH cells AS (
  SELECT s.day, s.category, s.state, s.n, s.on_time FROM report_stat s
   WHERE s.level = $1::int2 AND ($2::text IS NULL OR s.unit = $2::text) AND s.day >= $3::date AND s.day < $4::date
  UNION ALL
  SELECT d.day, d.category, d.state, d.n, d.on_time FROM report_stat_delta d
   WHERE ($2::text IS NULL OR (d.unit >= $2::text AND d.unit < $2::text || ':'))
     AND d.day >= $3::date AND d.day < $4::date
)
SELECT day::text, category, state, sum(n)::bigint, sum(on_time)::bigint FROM cells
GROUP BY 1, 2, 3 HAVING sum(n) <> 0 OR sum(on_time) <> 0 ORDER BY 1, 2, 3`

// overviewOpenSQL counts the open cases under $2 per unit of the group
// level ($1) and severity, and those past their deadline.
const overviewOpenSQL = `
SELECT gridmap_unit_at_level(unit_code, $1::int2), severity, count(*), count(*) FILTER (WHERE due_at < now())
FROM report
WHERE state NOT IN ('closed', 'rejected') AND kind <> 'patrol_log'
  AND ($2::text IS NULL OR (unit_code >= $2::text AND unit_code < $2::text || ':'))
GROUP BY 1, 2`

// overviewGapsSQL sums the unmanaged gaps found under $1.
const overviewGapsSQL = `SELECT count(*), coalesce(sum(area_m2), 0) FROM audit_finding
WHERE kind = 'gap' AND ($1::text IS NULL OR starts_with(parent_code, $1::text))`

// Overview reads a unit's screen figures in one snapshot.
func (db *DB) Overview(ctx context.Context, q casework.StatsQuery) (casework.Overview, error) {
	o := casework.Overview{Query: q, Names: map[string]string{}}
	own := int16(max(q.UnitLevelRank(), 0))
	group := int16(q.GroupLevel().Rank())
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, db.Pool, opts, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off`,
			pgx.QueryExecModeSimpleProtocol); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, overviewDaysSQL, pgx.QueryExecModeExec, own, nullString(q.Unit),
			q.From.Format(time.DateOnly), q.To.Format(time.DateOnly))
		if err != nil {
			return err
		}
		if o.Cells, err = pgx.CollectRows(rows, scanDayCell); err != nil {
			return err
		}
		if err := readOpenCases(ctx, tx, &o, group); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, overviewGapsSQL, nullString(q.Unit)).Scan(&o.Gaps, &o.GapAreaM2); err != nil {
			return err
		}
		return readNames(ctx, tx, &o)
	})
	if err != nil {
		return o, fmt.Errorf("overview: %w", translate(err))
	}
	return o, nil
}

func scanDayCell(row pgx.CollectableRow) (casework.DayCell, error) {
	var c casework.DayCell
	err := row.Scan(&c.Day, &c.Category, &c.State, &c.Count, &c.OnTime)
	return c, err
}

// readOpenCases fills the open cases by severity and per child unit.
func readOpenCases(ctx context.Context, tx pgx.Tx, o *casework.Overview, group int16) error {
	rows, err := tx.Query(ctx, overviewOpenSQL, pgx.QueryExecModeExec, group, nullString(o.Query.Unit))
	if err != nil {
		return err
	}
	byChild := map[string]*casework.ChildCases{}
	var code string
	var sev int16
	var open, overdue int64
	_, err = pgx.ForEachRow(rows, []any{&code, &sev, &open, &overdue}, func() error {
		if sev >= casework.MinSeverity && sev <= casework.MaxSeverity {
			o.Open[sev] += open
			o.OverdueBy[sev] += overdue
		}
		ch, ok := byChild[code]
		if !ok {
			ch = &casework.ChildCases{Code: code}
			byChild[code] = ch
		}
		ch.Open += open
		ch.Overdue += overdue
		return nil
	})
	for _, ch := range byChild {
		o.Children = append(o.Children, *ch)
	}
	return err
}

// overviewNamesSQL names the unit $1 and every unit that was ever its
// child (the districts for the city: NULL), by their latest versions. Three
// lookups, each an index's (migration 027): joined by OR in one condition
// they read every version of every unit (100 ms at province scale).
const overviewNamesSQL = `
SELECT DISTINCT ON (code) code, name FROM (
  SELECT code, name, version FROM unit WHERE code = $1::text
  UNION ALL
  SELECT code, name, version FROM unit WHERE parent_code = $1::text
  UNION ALL
  SELECT code, name, version FROM unit WHERE $1::text IS NULL AND parent_code IS NULL AND level = 'district') u
ORDER BY code, version DESC`

// readNames fills the names of the unit and of every child unit under it
// (those with no open case too, so the ranking can list them).
func readNames(ctx context.Context, tx pgx.Tx, o *casework.Overview) error {
	rows, err := tx.Query(ctx, overviewNamesSQL, nullString(o.Query.Unit))
	if err != nil {
		return err
	}
	var code, name string
	_, err = pgx.ForEachRow(rows, []any{&code, &name}, func() error { o.Names[code] = name; return nil })
	return err
}
