package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/gridmap-dev/gridmap/geo"
)

// The collections without versions behind /ogc: the unmanaged gaps (the
// view "gap" of the coverage audit, migration 004) and the reports
// (migration 005). Their properties are built in SQL as one JSON object.

const gapWhere = ` ($1::text IS NULL OR id::text = $1)
  AND ($2::text IS NULL OR parent_code = $2)
  AND ($3::text IS NULL OR level = $3)
  AND ($4::text IS NULL OR left(parent_code, 6) = $4)
  AND ($5::float8 IS NULL OR ST_Intersects(geom, ST_MakeEnvelope($5, $6, $7, $8, 4326)))`

const queryGapsSQL = `SELECT id::text, ST_AsBinary(ST_Transform(geom, $11::int)), jsonb_build_object('parent_code', parent_code,
  'level', level, 'area_m2', area_m2, 'computed_at', computed_at)
FROM gap WHERE` + gapWhere + ` AND id > $9 ORDER BY id LIMIT $10`

const countGapsSQL = `SELECT count(*) FROM gap WHERE` + gapWhere

// The report properties shown: the case, not the person (no reporter, no
// attachments), so a public map does not publish who reported what.
const reportWhere = ` ($1::timestamptz IS NULL OR observed_at >= $1) AND ($2::timestamptz IS NULL OR observed_at <= $2)
  AND ($3::text IS NULL OR starts_with(unit_code, $3))
  AND ($4::text IS NULL OR id::text = $4)
  AND ($5::text IS NULL OR kind = $5)
  AND ($6::text IS NULL OR category = $6)
  AND ($7::text IS NULL OR severity::text = $7)
  AND ($8::text IS NULL OR state = $8)
  AND ($9::text IS NULL OR res_status = $9)
  AND ($10::text IS NULL OR unit_code = $10)
  AND ($11::text IS NULL OR left(unit_code, 6) = $11)
  AND ($12::float8 IS NULL OR (ST_Intersects(geom, ST_Expand(ST_MakeEnvelope($12, $13, $14, $15, 4326), CASE WHEN $16::bool THEN ` + CoarseReach + ` ELSE 0 END))
       AND (NOT $16::bool OR ST_Intersects(ST_SnapToGrid(geom, ` + CoarseGrid + `), ST_MakeEnvelope($12, $13, $14, $15, 4326)))))`

// queryReportsSQL rounds the points to 0.002° ($16, see access.Coarse) and
// leaves the descriptions out ($20) for anonymous readers; the box then
// matches the rounded points (reportWhere), so that boxes cannot locate a
// point more finely than it is shown.
const queryReportsSQL = `SELECT id::text,
  ST_AsBinary(ST_Transform(CASE WHEN $16::bool THEN ST_SnapToGrid(geom, ` + CoarseGrid + `) ELSE geom END, $19::int)),
  jsonb_build_object('kind', kind, 'category', category,
  'severity', severity, 'state', state, 'status', res_status,
  'description', CASE WHEN $20::bool THEN NULL ELSE description END, 'unit_code', unit_code,
  'assigned_code', assigned_code, 'observed_at', observed_at, 'received_at', received_at, 'due_at', due_at,
  'closed_at', closed_at)
FROM report WHERE` + reportWhere + ` AND id > $17::uuid ORDER BY id LIMIT $18`

const countReportsSQL = `SELECT count(*) FROM report WHERE` + reportWhere

// QueryGaps returns one page of the current unmanaged gaps.
func (db *DB) QueryGaps(ctx context.Context, q geo.VersionQuery) (geo.VersionPage[geo.Feature], error) {
	var p geo.VersionPage[geo.Feature]
	eq, err := equalsArgs(q, geo.GapQueryables)
	if err != nil {
		return p, err
	}
	args := append(eq, bboxArgs(q)...)
	if err := db.Pool.QueryRow(ctx, countGapsSQL, args...).Scan(&p.Matched); err != nil {
		return p, fmt.Errorf("count gaps: %w", translate(err))
	}
	// A gap's cursor is its id, carried in the cursor's number.
	rows, err := db.Pool.Query(ctx, queryGapsSQL, append(args, q.After.Version, q.Limit+1, srid(q))...)
	if err != nil {
		return p, fmt.Errorf("query gaps: %w", translate(err))
	}
	return featurePage(p, rows, q.Limit, func(f geo.Feature) geo.VersionCursor {
		id, _ := strconv.Atoi(f.ID)
		return geo.VersionCursor{Code: "gap", Version: id}
	})
}

// QueryReports returns one page of reports observed in the query's time
// (any time when it has none), within scope.
func (db *DB) QueryReports(ctx context.Context, q geo.VersionQuery, scope string) (geo.VersionPage[geo.Feature], error) {
	var p geo.VersionPage[geo.Feature]
	eq, err := equalsArgs(q, geo.ReportQueryables)
	if err != nil {
		return p, err
	}
	args := append([]any{nullTime(q.Start), nullTime(q.End), nullString(scope)}, eq...)
	args = append(append(args, bboxArgs(q)...), q.CoarsePoints)
	if err := db.Pool.QueryRow(ctx, countReportsSQL, args...).Scan(&p.Matched); err != nil {
		return p, fmt.Errorf("count reports: %w", translate(err))
	}
	after := "00000000-0000-0000-0000-000000000000"
	if !q.After.IsZero() {
		after = q.After.Code
	}
	rows, err := db.Pool.Query(ctx, queryReportsSQL, append(args, after, q.Limit+1, srid(q), q.HideText)...)
	if err != nil {
		return p, fmt.Errorf("query reports: %w", translate(err))
	}
	return featurePage(p, rows, q.Limit, func(f geo.Feature) geo.VersionCursor { return geo.VersionCursor{Code: f.ID} })
}

// featurePage collects (id, WKB, properties) rows fetched with limit+1.
func featurePage(p geo.VersionPage[geo.Feature], rows pgx.Rows, limit int, cursor func(geo.Feature) geo.VersionCursor) (geo.VersionPage[geo.Feature], error) {
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (geo.Feature, error) {
		var f geo.Feature
		var g, props []byte
		if err := row.Scan(&f.ID, &g, &props); err != nil {
			return f, err
		}
		var err error
		if f.Geom, err = wkb.Unmarshal(g); err != nil {
			return f, fmt.Errorf("decode geometry of %s: %w", f.ID, err)
		}
		return f, json.Unmarshal(props, &f.Props)
	})
	if err != nil {
		return p, fmt.Errorf("read features: %w", translate(err))
	}
	if len(items) > limit {
		items = items[:limit]
		p.Next = cursor(items[limit-1])
	}
	p.Items = items
	return p, nil
}

const gapExtentSQL = `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e),
  (SELECT coalesce(min(computed_at), 'epoch') FROM gap)
FROM (SELECT ST_Extent(geom) AS e FROM gap) s`

const reportExtentSQL = `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e),
  (SELECT coalesce(min(observed_at), 'epoch') FROM report WHERE $1::text IS NULL OR starts_with(unit_code, $1))
FROM (SELECT ST_Extent(geom) AS e FROM report WHERE $1::text IS NULL OR starts_with(unit_code, $1)) s`

// GapExtent returns the box of the current gaps.
func (db *DB) GapExtent(ctx context.Context) (geo.Extent, error) {
	return db.extent(ctx, gapExtentSQL)
}

// ReportExtent returns the box and first observation of the reports in scope.
func (db *DB) ReportExtent(ctx context.Context, scope string) (geo.Extent, error) {
	return db.extent(ctx, reportExtentSQL, nullString(scope))
}
