package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twpayne/go-geom"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

var _ casework.PatrolStore = (*DB)(nil)

// insertPatrolSQL stores a track (its vertices carry their times as M,
// seconds since the epoch) and the cells it visited, in one statement. A
// cell already visited that day keeps its first visit. An id already taken
// stores nothing.
const insertPatrolSQL = `
WITH ins AS (
  INSERT INTO patrol (id, body_sha256, worker, grid_code, crs, track, started_at, ended_at, day, distance_m,
    inside_s, outside_s, untracked_s, grid_cells, visited_cells, received_at)
  SELECT $1, $2, $3, nullif($4, ''), $5,
    (SELECT ST_SetSRID(ST_MakeLine(ST_MakePointM(x, y, m) ORDER BY ord), 4326)
       FROM unnest($6::float8[], $7::float8[], $8::float8[]) WITH ORDINALITY AS t(x, y, m, ord)),
    $9, $10, $11, $12, $13, $14, $15, $16, $17, $18
  ON CONFLICT (id) DO NOTHING
  RETURNING id
), visits AS (
  INSERT INTO patrol_visit (day, cell, unit, first_at, patrol_id)
  SELECT v.day, v.cell, v.unit, v.first_at, ins.id
    FROM ins, unnest($19::date[], $20::int8[], $21::text[], $22::timestamptz[]) AS v(day, cell, unit, first_at)
   ORDER BY v.day, v.cell
  ON CONFLICT (day, cell) DO UPDATE SET first_at = EXCLUDED.first_at, unit = EXCLUDED.unit, patrol_id = EXCLUDED.patrol_id
    WHERE patrol_visit.first_at > EXCLUDED.first_at
), days AS (
  INSERT INTO patrol_day (patrol_id, day, grid_code, worker, inside_s, outside_s)
  SELECT ins.id, d.day, nullif($4, ''), $3, d.inside_s, d.outside_s
    FROM ins, unnest($23::date[], $24::float8[], $25::float8[]) AS d(day, inside_s, outside_s)
)
SELECT count(*) FROM ins`

// CreatePatrol stores a track and its visits. The same id with the same
// content returns the stored patrol (Existing); with other content,
// Different.
func (db *DB) CreatePatrol(ctx context.Context, p casework.Patrol) (casework.CreateOutcome, casework.Patrol, error) {
	var inserted bool
	err := db.writeConn(ctx, func(conn *pgxpool.Conn) (err error) {
		inserted, err = insertPatrol(ctx, conn, p)
		return err
	})
	if err != nil {
		return 0, p, fmt.Errorf("store patrol: %w", translate(err))
	}
	if inserted {
		return casework.Created, p, nil
	}
	stored, err := db.getPatrol(ctx, p.ID)
	if err != nil {
		return 0, p, err
	}
	if stored.Hash == p.Hash {
		return casework.Existing, stored, nil
	}
	return casework.Different, stored, nil
}

// InsertPatrolTx stores a patrol inside the caller's transaction (the demo
// city); an id already taken is an error.
func InsertPatrolTx(ctx context.Context, tx pgx.Tx, p casework.Patrol) error {
	inserted, err := insertPatrol(ctx, tx, p)
	if err == nil && !inserted {
		err = fmt.Errorf("patrol id %s is taken", p.ID)
	}
	return err
}

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func insertPatrol(ctx context.Context, q queryRower, p casework.Patrol) (bool, error) {
	n := len(p.Fixes)
	xs, ys, ms := make([]float64, n), make([]float64, n), make([]float64, n)
	for i, f := range p.WGS84Fixes() {
		xs[i], ys[i], ms[i] = f.Point[0], f.Point[1], float64(f.At.UnixMicro())/1e6
	}
	casework.SortVisits(p.Visits)
	days := make([]time.Time, len(p.Visits))
	cells := make([]int64, len(p.Visits))
	units := make([]string, len(p.Visits))
	firsts := make([]time.Time, len(p.Visits))
	for i, v := range p.Visits {
		days[i], cells[i], units[i], firsts[i] = v.Day, int64(v.Cell), v.Unit, v.At
	}
	s := p.Summary
	shareDays, insides, outsides := dayShares(s)
	var inserted int
	err := q.QueryRow(ctx, insertPatrolSQL, pgUUID(p.ID), p.Hash[:], p.Worker, p.Grid, string(p.CRS),
		xs, ys, ms, s.Start, s.End, geo.ChinaDay(s.Start), s.DistanceM, s.Inside.Seconds(), s.Outside.Seconds(),
		s.Untracked.Seconds(), s.GridCells, s.VisitedCells, p.ReceivedAt, days, cells, units, firsts,
		shareDays, insides, outsides).Scan(&inserted)
	return inserted == 1, err
}

// dayShares returns a patrol's time by China day as columns.
func dayShares(s casework.TrackSummary) (days []time.Time, insides, outsides []float64) {
	for _, d := range s.Days {
		days, insides, outsides = append(days, d.Day), append(insides, d.Inside.Seconds()), append(outsides, d.Outside.Seconds())
	}
	return days, insides, outsides
}

const patrolColumns = `id::text, body_sha256, worker, coalesce(grid_code, ''), crs, track, started_at, ended_at,
  distance_m, inside_s, outside_s, untracked_s, grid_cells, visited_cells, received_at`

// getPatrol reads a stored patrol; its fixes come back from the track's
// vertices (WGS-84: the stored form), the grid name from the unit table.
func (db *DB) getPatrol(ctx context.Context, id string) (casework.Patrol, error) {
	var p casework.Patrol
	var hash []byte
	var track geom.LineString
	var in, out, untracked float64
	err := db.Pool.QueryRow(ctx, `SELECT `+patrolColumns+` FROM patrol WHERE id = $1`, pgUUID(id)).Scan(
		&p.ID, &hash, &p.Worker, &p.Grid, &p.CRS, &track, &p.Summary.Start, &p.Summary.End, &p.Summary.DistanceM,
		&in, &out, &untracked, &p.Summary.GridCells, &p.Summary.VisitedCells, &p.ReceivedAt)
	if err != nil {
		return p, fmt.Errorf("read patrol %s: %w", id, translate(err))
	}
	copy(p.Hash[:], hash)
	p.Summary.Inside = time.Duration(in * float64(time.Second))
	p.Summary.Outside = time.Duration(out * float64(time.Second))
	p.Summary.Untracked = time.Duration(untracked * float64(time.Second))
	p.Summary.Coverage = casework.Share(p.Summary.VisitedCells, p.Summary.GridCells)
	utc(&p.Summary.Start, &p.Summary.End, &p.ReceivedAt)
	flat, stride := track.FlatCoords(), track.Stride()
	for k := 0; k+stride <= len(flat); k += stride {
		at := time.UnixMicro(int64(flat[k+stride-1]*1e6 + 0.5)).UTC()
		p.Fixes = append(p.Fixes, casework.Fix{Point: [2]float64{flat[k], flat[k+1]}, At: at})
	}
	p.CRS = geo.WGS84 // the stored vertices are WGS-84, whatever was sent
	if p.Grid != "" {
		_ = db.Pool.QueryRow(ctx, `SELECT name FROM unit WHERE code = $1 ORDER BY version DESC LIMIT 1`, p.Grid).Scan(&p.GridName)
	}
	return p, nil
}

// patrolGridsSQL returns the grids (and micro-grids) under a unit ($2)
// valid at $1 (NULL: now, read by index). Codes nest by
// prefix; starts_with avoids a collation-dependent range.
const patrolGridsSQL = `SELECT ` + unitColumns + ` FROM unit
WHERE level = 'grid' AND ($2::text IS NULL OR starts_with(code, $2::text)) AND ` + validAt + `
ORDER BY code`

const patrolVisitsSQL = `SELECT cell FROM patrol_visit
WHERE day = $1::date AND ($2::text IS NULL OR (unit >= $2::text AND unit < $2::text || ':'))`

const patrolTotalsSQL = `SELECT grid_code, count(*), sum(inside_s), sum(outside_s), array_agg(DISTINCT worker ORDER BY worker)
FROM patrol_day WHERE day = $1::date AND grid_code IS NOT NULL
  AND ($2::text IS NULL OR (grid_code >= $2::text AND grid_code < $2::text || ':'))
GROUP BY grid_code`

// PatrolDay reads what coverage of the grids under unit ("" for all) on a
// China day needs, in one snapshot. Grids are those valid at the end of the
// day (or now, for today).
func (db *DB) PatrolDay(ctx context.Context, unit string, day time.Time) (casework.PatrolDay, error) {
	d := casework.PatrolDay{Visited: map[uint64]bool{}, ByGrid: map[string]casework.GridCoverage{}}
	at := geo.ChinaDayEnd(day).Add(-time.Microsecond)
	if at.After(time.Now()) {
		at = time.Time{} // today: the grids valid now
	}
	date := day.Format(time.DateOnly)
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, db.Pool, opts, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, patrolGridsSQL, pgx.QueryExecModeExec, nullTime(at), nullString(unit))
		if err != nil {
			return err
		}
		if d.Grids, err = pgx.CollectRows(rows, scanUnit); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, patrolVisitsSQL, pgx.QueryExecModeExec, date, nullString(unit))
		if err != nil {
			return err
		}
		var cell int64
		if _, err := pgx.ForEachRow(rows, []any{&cell}, func() error { d.Visited[uint64(cell)] = true; return nil }); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, patrolTotalsSQL, pgx.QueryExecModeExec, date, nullString(unit))
		if err != nil {
			return err
		}
		var c casework.GridCoverage
		_, err = pgx.ForEachRow(rows, []any{&c.Code, &c.Patrols, &c.InsideS, &c.OutsideS, &c.Workers}, func() error {
			d.ByGrid[c.Code] = c
			return nil
		})
		return err
	})
	if err != nil {
		return d, fmt.Errorf("patrol day %s: %w", date, translate(err))
	}
	return d, nil
}
