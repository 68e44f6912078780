package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twpayne/go-geom"

	"github.com/gridmap-dev/gridmap/geo"
)

const unitColumns = `code, level, name, coalesce(parent_code, ''), geom, properties,
	version, valid_from, valid_to, created_by, created_at`

// The versions valid at $1 (NULL = now): the same condition in every query.
const listUnitsSQL = `SELECT ` + unitColumns + ` FROM unit
WHERE valid_from <= coalesce($1, now()) AND (valid_to IS NULL OR valid_to > coalesce($1, now()))
  AND ($2::text IS NULL OR level = $2)
  AND ($3::text IS NULL OR parent_code = $3)
  AND ($4::float8 IS NULL OR ST_Intersects(geom, ST_MakeEnvelope($4, $5, $6, $7, 4326)))
  AND code > $8
ORDER BY code LIMIT $9`

// ListUnits returns one page of the unit versions valid at f.At, ordered by
// code, and the cursor of the next page ("" when this is the last).
func (db *DB) ListUnits(ctx context.Context, f geo.UnitFilter) ([]geo.Unit, string, error) {
	var box [4]*float64
	if f.BBox != nil {
		box = [4]*float64{&f.BBox.Min[0], &f.BBox.Min[1], &f.BBox.Max[0], &f.BBox.Max[1]}
	}
	rows, err := db.Pool.Query(ctx, listUnitsSQL, nullTime(f.At), nullString(string(f.Level)),
		nullString(f.Parent), box[0], box[1], box[2], box[3], f.After, f.Limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list units: %w", translate(err))
	}
	units, err := pgx.CollectRows(rows, scanUnit)
	if err != nil {
		return nil, "", fmt.Errorf("list units: %w", translate(err))
	}
	return page(units, f.Limit, func(u geo.Unit) string { return u.Code })
}

const getUnitSQL = `SELECT ` + unitColumns + ` FROM unit
WHERE code = $2 AND valid_from <= coalesce($1, now()) AND (valid_to IS NULL OR valid_to > coalesce($1, now()))`

// GetUnit returns the version of code valid at at (zero: now), or ENOTFOUND.
func (db *DB) GetUnit(ctx context.Context, code string, at time.Time) (geo.Unit, error) {
	rows, err := db.Pool.Query(ctx, getUnitSQL, nullTime(at), code)
	if err != nil {
		return geo.Unit{}, fmt.Errorf("get unit %s: %w", code, translate(err))
	}
	u, err := pgx.CollectExactlyOneRow(rows, scanUnit)
	if err != nil {
		return geo.Unit{}, notFound(err, "unit", code, at)
	}
	return u, nil
}

const unitHistorySQL = `SELECT ` + unitColumns + ` FROM unit WHERE code = $1 ORDER BY version`

// UnitHistory returns every version of code, oldest first, or ENOTFOUND.
func (db *DB) UnitHistory(ctx context.Context, code string) ([]geo.Unit, error) {
	rows, err := db.Pool.Query(ctx, unitHistorySQL, code)
	if err != nil {
		return nil, fmt.Errorf("unit history %s: %w", code, translate(err))
	}
	units, err := pgx.CollectRows(rows, scanUnit)
	if err != nil {
		return nil, fmt.Errorf("unit history %s: %w", code, translate(err))
	}
	if len(units) == 0 {
		return nil, geo.Errorf(geo.ENOTFOUND, "code", "no unit has code %q", code)
	}
	return units, nil
}

const insertUnitSQL = `INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
VALUES ($1, $2, $3, nullif($4, ''), $5, $6, $7, $8, gridmap_actor())`

// versioned holds the static statements that version one table's rows.
type versioned struct {
	close      string // closes the current version of $1 at $2, returning its number
	maxVersion string // the highest version of $1, 0 if none
}

var unitVersions = versioned{
	close:      `UPDATE unit SET valid_to = $2 WHERE code = $1 AND valid_to IS NULL RETURNING version`,
	maxVersion: `SELECT coalesce(max(version), 0) FROM unit WHERE code = $1`,
}

// ReviseUnit makes u the current version of its code in one transaction:
// the current version, if any, is closed at the same instant the new one
// starts. It returns the new version number.
func (db *DB) ReviseUnit(ctx context.Context, actor string, u geo.Unit) (int, error) {
	if err := u.Validate(); err != nil {
		return 0, err
	}
	g, err := toGeom(u.Geom)
	if err != nil {
		return 0, geo.Invalid("geometry", "%v", err)
	}
	var version int
	err = db.inTx(ctx, actor, func(tx pgx.Tx) error {
		now, err := txNow(ctx, tx)
		if err != nil {
			return err
		}
		version, err = closeCurrent(ctx, tx, unitVersions, u.Code, now)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, insertUnitSQL, u.Code, u.Level, u.Name, u.ParentCode, g,
			props(u.Properties), version, now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("revise unit %s: %w", u.Code, err)
	}
	return version, nil
}

// closeCurrent closes the current version of a code and returns the number
// the next version gets (1 when there was none).
func closeCurrent(ctx context.Context, tx pgx.Tx, v versioned, code string, at time.Time) (int, error) {
	var prev int
	err := tx.QueryRow(ctx, v.close, code, at).Scan(&prev)
	if err == pgx.ErrNoRows {
		err = tx.QueryRow(ctx, v.maxVersion, code).Scan(&prev)
	}
	return prev + 1, err
}

// txNow is the clock time inside the transaction; clock_timestamp, unlike
// now(), moves between two edits of one code in one transaction.
func txNow(ctx context.Context, tx pgx.Tx) (time.Time, error) {
	var now time.Time
	err := tx.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&now)
	return now, err
}

func scanUnit(row pgx.CollectableRow) (geo.Unit, error) {
	var u geo.Unit
	var g geom.MultiPolygon
	err := row.Scan(&u.Code, &u.Level, &u.Name, &u.ParentCode, &g, &u.Properties,
		&u.Version, &u.ValidFrom, &u.ValidTo, &u.CreatedBy, &u.CreatedAt)
	u.Geom = toOrb(&g)
	return u, err
}

// page trims a result fetched with limit+1 rows and returns the next cursor.
func page[T any](items []T, limit int, key func(T) string) ([]T, string, error) {
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	return items, key(items[limit-1]), nil
}

func notFound(err error, what, code string, at time.Time) error {
	if err != pgx.ErrNoRows {
		return fmt.Errorf("get %s %s: %w", what, code, translate(err))
	}
	if at.IsZero() {
		return geo.Errorf(geo.ENOTFOUND, "code", "no current %s has code %q", what, code)
	}
	return geo.Errorf(geo.ENOTFOUND, "code", "no %s with code %q was valid at %s", what, code, at.Format(time.RFC3339))
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func props(p map[string]any) map[string]any {
	if p == nil {
		return map[string]any{}
	}
	return p
}
