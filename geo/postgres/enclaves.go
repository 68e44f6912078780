package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twpayne/go-geom"

	"github.com/gridmap-dev/gridmap/geo"
)

const enclaveColumns = `code, name, managing_code, status, reason, geom, ST_Area(geom::geography),
	properties, version, valid_from, valid_to, created_by, created_at`

const listEnclavesSQL = `SELECT ` + enclaveColumns + ` FROM enclave
WHERE valid_from <= coalesce($1, now()) AND (valid_to IS NULL OR valid_to > coalesce($1, now()))
  AND ($2::text IS NULL OR starts_with(managing_code, $2))
  AND ($3::float8 IS NULL OR ST_Intersects(geom, ST_MakeEnvelope($3, $4, $5, $6, 4326)))
  AND code > $7
ORDER BY code LIMIT $8`

// ListEnclaves returns one page of the enclave versions valid at f.At.
func (db *DB) ListEnclaves(ctx context.Context, f geo.EnclaveFilter) ([]geo.Enclave, string, error) {
	var box [4]*float64
	if f.BBox != nil {
		box = [4]*float64{&f.BBox.Min[0], &f.BBox.Min[1], &f.BBox.Max[0], &f.BBox.Max[1]}
	}
	rows, err := db.Pool.Query(ctx, listEnclavesSQL, nullTime(f.At), nullString(f.Managing),
		box[0], box[1], box[2], box[3], f.After, f.Limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list enclaves: %w", translate(err))
	}
	enclaves, err := pgx.CollectRows(rows, scanEnclave)
	if err != nil {
		return nil, "", fmt.Errorf("list enclaves: %w", translate(err))
	}
	return page(enclaves, f.Limit, func(e geo.Enclave) string { return e.Code })
}

const getEnclaveSQL = `SELECT ` + enclaveColumns + ` FROM enclave
WHERE code = $2 AND valid_from <= coalesce($1, now()) AND (valid_to IS NULL OR valid_to > coalesce($1, now()))`

// GetEnclave returns the version of code valid at at (zero: now), or ENOTFOUND.
func (db *DB) GetEnclave(ctx context.Context, code string, at time.Time) (geo.Enclave, error) {
	rows, err := db.Pool.Query(ctx, getEnclaveSQL, nullTime(at), code)
	if err != nil {
		return geo.Enclave{}, fmt.Errorf("get enclave %s: %w", code, translate(err))
	}
	e, err := pgx.CollectExactlyOneRow(rows, scanEnclave)
	if err != nil {
		return geo.Enclave{}, notFound(err, "enclave", code, at)
	}
	return e, nil
}

// EnclaveHistory returns every version of code, oldest first, or ENOTFOUND.
func (db *DB) EnclaveHistory(ctx context.Context, code string) ([]geo.Enclave, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+enclaveColumns+` FROM enclave WHERE code = $1 ORDER BY version`, code)
	if err != nil {
		return nil, fmt.Errorf("enclave history %s: %w", code, translate(err))
	}
	enclaves, err := pgx.CollectRows(rows, scanEnclave)
	if err != nil {
		return nil, fmt.Errorf("enclave history %s: %w", code, translate(err))
	}
	if len(enclaves) == 0 {
		return nil, geo.Errorf(geo.ENOTFOUND, "code", "no enclave has code %q", code)
	}
	return enclaves, nil
}

var enclaveVersions = versioned{
	close:      `UPDATE enclave SET valid_to = $2 WHERE code = $1 AND valid_to IS NULL RETURNING version`,
	maxVersion: `SELECT coalesce(max(version), 0) FROM enclave WHERE code = $1`,
}

const insertEnclaveSQL = `INSERT INTO enclave (code, name, managing_code, status, reason, geom, properties, version, valid_from, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, gridmap_actor())`

// ReviseEnclave makes e the current version of its code in one transaction
// and returns the new version number.
func (db *DB) ReviseEnclave(ctx context.Context, actor string, e geo.Enclave) (int, error) {
	if err := e.Validate(); err != nil {
		return 0, err
	}
	g, err := toGeom(e.Geom)
	if err != nil {
		return 0, geo.Invalid("geometry", "%v", err)
	}
	var version int
	err = db.inTx(ctx, actor, func(tx pgx.Tx) error {
		now, err := txNow(ctx, tx)
		if err != nil {
			return err
		}
		if version, err = closeCurrent(ctx, tx, enclaveVersions, e.Code, now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, insertEnclaveSQL, e.Code, e.Name, e.ManagingCode, e.Status, e.Reason, g,
			props(e.Properties), version, now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("revise enclave %s: %w", e.Code, err)
	}
	return version, nil
}

func scanEnclave(row pgx.CollectableRow) (geo.Enclave, error) {
	var e geo.Enclave
	var g geom.MultiPolygon
	err := row.Scan(&e.Code, &e.Name, &e.ManagingCode, &e.Status, &e.Reason, &g, &e.AreaM2,
		&e.Properties, &e.Version, &e.ValidFrom, &e.ValidTo, &e.CreatedBy, &e.CreatedAt)
	e.Geom = toOrb(&g)
	return e, err
}
