package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo"
)

var _ geo.VersionStore = (*DB)(nil)

// The queries behind the OGC API – Features endpoint. Every filter is a
// bound parameter that is NULL when unused, so the SQL text is static.
// Time: $hi and $lo bound the period a version must overlap (NULL: open);
// $current selects the versions valid now by the database's clock, so a
// replica with a skewed clock still shows an edit it has just been told of.

const unitWhere = ` ($1::text IS NULL OR level = $1)
  AND valid_from <= coalesce($2::timestamptz, 'infinity') AND (valid_to IS NULL OR valid_to > coalesce($3::timestamptz, '-infinity'))
  AND (NOT $4::bool OR (valid_to IS NULL AND valid_from <= now()))
  AND ($5::text IS NULL OR code = $5)
  AND ($6::text IS NULL OR name = $6)
  AND ($7::text IS NULL OR parent_code = $7)
  AND ($8::text IS NULL OR left(code, 6) = $8)
  AND ($9::text IS NULL OR left(code, 9) = $9)
  AND ($10::text IS NULL OR left(code, 12) = $10)
  AND ($11::text IS NULL OR created_by = $11)
  AND ($12::float8 IS NULL OR ST_Intersects(geom, ST_MakeEnvelope($12, $13, $14, $15, 4326)))`

// The columns of unitColumns and enclaveColumns, with the geometry in the
// coordinate system of the last parameter ($srid).
const (
	ogcUnitColumns = `code, level, name, coalesce(parent_code, ''), ST_Transform(geom, $19::int), properties,
	version, valid_from, valid_to, created_by, created_at`
	ogcEnclaveColumns = `code, name, managing_code, status, reason, ST_Transform(geom, $16::int), ST_Area(geom::geography),
	properties, version, valid_from, valid_to, created_by, created_at`
)

const queryUnitsSQL = `SELECT ` + ogcUnitColumns + ` FROM unit WHERE` + unitWhere + `
  AND (code, version) > ($16, $17) ORDER BY code, version LIMIT $18`

const countUnitsSQL = `SELECT count(*) FROM unit WHERE` + unitWhere

const enclaveWhere = ` valid_from <= coalesce($1::timestamptz, 'infinity') AND (valid_to IS NULL OR valid_to > coalesce($2::timestamptz, '-infinity'))
  AND (NOT $3::bool OR (valid_to IS NULL AND valid_from <= now()))
  AND ($4::text IS NULL OR code = $4)
  AND ($5::text IS NULL OR name = $5)
  AND ($6::text IS NULL OR managing_code = $6)
  AND ($7::text IS NULL OR status = $7)
  AND ($8::text IS NULL OR created_by = $8)
  AND ($9::float8 IS NULL OR ST_Intersects(geom, ST_MakeEnvelope($9, $10, $11, $12, 4326)))`

const queryEnclavesSQL = `SELECT ` + ogcEnclaveColumns + ` FROM enclave WHERE` + enclaveWhere + `
  AND (code, version) > ($13, $14) ORDER BY code, version LIMIT $15`

const countEnclavesSQL = `SELECT count(*) FROM enclave WHERE` + enclaveWhere

// timeArgs turns a query's time selection into ($hi, $lo, $current).
func timeArgs(q geo.VersionQuery) []any {
	if !q.Interval && q.Start.IsZero() && q.End.IsZero() {
		return []any{nil, nil, true}
	}
	return []any{nullTime(q.End), nullTime(q.Start), false}
}

// equalsArgs returns the values of the queryables in order, nil where unset.
func equalsArgs(q geo.VersionQuery, allowed []string) ([]any, error) {
	for k := range q.Equals {
		if !slices.Contains(allowed, k) {
			return nil, geo.Invalid(k, "%q is not a queryable property", k)
		}
	}
	out := make([]any, len(allowed))
	for i, k := range allowed {
		if v, ok := q.Equals[k]; ok {
			out[i] = v
		}
	}
	return out, nil
}

func bboxArgs(q geo.VersionQuery) []any {
	if q.BBox == nil {
		return []any{nil, nil, nil, nil}
	}
	return []any{q.BBox.Min[0], q.BBox.Min[1], q.BBox.Max[0], q.BBox.Max[1]}
}

// srid is the output coordinate system of q.
func srid(q geo.VersionQuery) int {
	if q.SRID == 0 {
		return 4326
	}
	return q.SRID
}

// QueryUnits returns one page of unit versions and how many match in all.
func (db *DB) QueryUnits(ctx context.Context, q geo.VersionQuery) (geo.VersionPage[geo.Unit], error) {
	eq, err := equalsArgs(q, geo.UnitQueryables)
	if err != nil {
		return geo.VersionPage[geo.Unit]{}, err
	}
	args := append([]any{nullString(string(q.Level))}, timeArgs(q)...)
	args = append(append(args, eq...), bboxArgs(q)...)
	return queryPage(ctx, db, q, "units", countUnitsSQL, queryUnitsSQL, args, scanUnit,
		func(u geo.Unit) geo.VersionCursor { return geo.VersionCursor{Code: u.Code, Version: u.Version} })
}

// QueryEnclaves returns one page of enclave versions and how many match in all.
func (db *DB) QueryEnclaves(ctx context.Context, q geo.VersionQuery) (geo.VersionPage[geo.Enclave], error) {
	eq, err := equalsArgs(q, geo.EnclaveQueryables)
	if err != nil {
		return geo.VersionPage[geo.Enclave]{}, err
	}
	args := append(append(timeArgs(q), eq...), bboxArgs(q)...)
	return queryPage(ctx, db, q, "enclaves", countEnclavesSQL, queryEnclavesSQL, args, scanEnclave,
		func(e geo.Enclave) geo.VersionCursor { return geo.VersionCursor{Code: e.Code, Version: e.Version} })
}

// queryPage counts the versions countSQL matches with args and reads the
// page querySQL returns with args and the cursor and limit of q. what names
// them in errors; cursor is where the next page starts after an item.
func queryPage[T any](ctx context.Context, db *DB, q geo.VersionQuery, what, countSQL, querySQL string, args []any,
	scan pgx.RowToFunc[T], cursor func(T) geo.VersionCursor) (geo.VersionPage[T], error) {
	var p geo.VersionPage[T]
	if err := db.Pool.QueryRow(ctx, countSQL, args...).Scan(&p.Matched); err != nil {
		return p, fmt.Errorf("count %s: %w", what, translate(err))
	}
	rows, err := db.Pool.Query(ctx, querySQL, append(args, q.After.Code, q.After.Version, q.Limit+1, srid(q))...)
	if err != nil {
		return p, fmt.Errorf("query %s: %w", what, translate(err))
	}
	items, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return p, fmt.Errorf("query %s: %w", what, translate(err))
	}
	if len(items) > q.Limit {
		items = items[:q.Limit]
		p.Next = cursor(items[q.Limit-1])
	}
	p.Items = items
	return p, nil
}

const unitExtentSQL = `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e),
  (SELECT coalesce(min(valid_from), 'epoch') FROM unit WHERE level = $1)
FROM (SELECT ST_Extent(geom)::box2d AS e FROM unit WHERE level = $1 AND valid_to IS NULL) s`

const enclaveExtentSQL = `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e),
  (SELECT coalesce(min(valid_from), 'epoch') FROM enclave)
FROM (SELECT ST_Extent(geom)::box2d AS e FROM enclave WHERE valid_to IS NULL) s`

// UnitExtent returns the box of the current units of a level and the start
// of their history.
func (db *DB) UnitExtent(ctx context.Context, level geo.Level) (geo.Extent, error) {
	return db.extent(ctx, unitExtentSQL, string(level))
}

// EnclaveExtent returns the box of the current enclaves and the start of
// their history.
func (db *DB) EnclaveExtent(ctx context.Context) (geo.Extent, error) {
	return db.extent(ctx, enclaveExtentSQL)
}

func (db *DB) extent(ctx context.Context, sql string, args ...any) (geo.Extent, error) {
	var x0, y0, x1, y1 *float64
	var first time.Time
	if err := db.Pool.QueryRow(ctx, sql, args...).Scan(&x0, &y0, &x1, &y1, &first); err != nil {
		return geo.Extent{}, fmt.Errorf("extent: %w", translate(err))
	}
	e := geo.Extent{FirstFrom: first, Empty: x0 == nil}
	if !e.Empty {
		e.BBox.Min = [2]float64{*x0, *y0}
		e.BBox.Max = [2]float64{*x1, *y1}
	}
	return e, nil
}
