package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"

	"github.com/gridmap-dev/gridmap/geo"
)

// The two versioned tables, described for the generic store (boundary.go):
// their columns, how a row is read and written, and which checks of
// edits_checks.go apply to an edit of each.

const unitColumns = `code, level, name, coalesce(parent_code, ''), geom, properties,
	version, valid_from, valid_to, created_by, created_at`

// unitTable is how units are versioned (see boundaryTable).
var unitTable = boundaryTable[geo.Unit]{
	what: "unit",
	sql: versionedStatements("unit", unitColumns,
		`INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
VALUES ($1, $2, $3, nullif($4, ''), $5, $6, $7, $8, gridmap_actor())`),
	scan:       scanUnit,
	code:       func(u *geo.Unit) string { return u.Code },
	geom:       func(u *geo.Unit) orb.MultiPolygon { return u.Geom },
	validate:   (*geo.Unit).Validate,
	prepare:    (*geo.Unit).PrepareEdit,
	prepareNew: (*geo.Unit).PrepareCreate,
	insertArgs: func(u *geo.Unit, g *geom.MultiPolygon, version int, at time.Time) []any {
		return []any{u.Code, u.Level, u.Name, u.ParentCode, g, props(u.Properties), version, at}
	},
	references:  checkParent,
	names:       func(u *geo.Unit) string { return u.ParentCode },
	withinScope: unitWithinScope,
	dependants:  checkNoDependants,
	repeats:     (*geo.Unit).Repeats,
	warnings:    unitWarnings,
}

// listUnitsSQL: $1 time, $2 level, $3 parent, $4-$7 box, $8 cursor, $9 limit.
const listUnitsSQL = `SELECT ` + unitColumns + ` FROM unit
WHERE ` + validAt + `
  AND ($2::text IS NULL OR level = $2)
  AND ($3::text IS NULL OR parent_code = $3)
  AND ($4::float8 IS NULL OR ST_Intersects(geom, ST_MakeEnvelope($4, $5, $6, $7, 4326)))
  AND code > $8
ORDER BY code LIMIT $9`

func scanUnit(row pgx.CollectableRow) (geo.Unit, error) {
	var u geo.Unit
	var g geom.MultiPolygon
	err := row.Scan(&u.Code, &u.Level, &u.Name, &u.ParentCode, &g, (*geo.PropertiesColumn)(&u.Properties),
		&u.Version, &u.ValidFrom, &u.ValidTo, &u.CreatedBy, &u.CreatedAt)
	u.Geom = toOrb(&g)
	return u, err
}

const enclaveColumns = `code, name, managing_code, status, reason, geom, ST_Area(geom::geography),
	properties, version, valid_from, valid_to, created_by, created_at`

// enclaveTable is how enclaves are versioned (see boundaryTable).
var enclaveTable = boundaryTable[geo.Enclave]{
	what: "enclave",
	sql: versionedStatements("enclave", enclaveColumns,
		`INSERT INTO enclave (code, name, managing_code, status, reason, geom, properties, version, valid_from, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, gridmap_actor())`),
	scan:       scanEnclave,
	code:       func(e *geo.Enclave) string { return e.Code },
	geom:       func(e *geo.Enclave) orb.MultiPolygon { return e.Geom },
	validate:   (*geo.Enclave).Validate,
	prepare:    (*geo.Enclave).PrepareEdit,
	prepareNew: (*geo.Enclave).PrepareCreate,
	insertArgs: func(e *geo.Enclave, g *geom.MultiPolygon, version int, at time.Time) []any {
		return []any{e.Code, e.Name, e.ManagingCode, e.Status, e.Reason, g, props(e.Properties), version, at}
	},
	references:     checkManaging,
	names:          func(e *geo.Enclave) string { return e.ManagingCode },
	namesMayChange: true,
	withinScope:    enclaveWithinScope,
	// Nothing names an enclave: once retired, its land is answered for by
	// the unit around it.
	dependants: func(context.Context, pgx.Tx, string) error { return nil },
	repeats:    (*geo.Enclave).Repeats,
	warnings:   enclaveWarnings,
}

// listEnclavesSQL: $1 time, $2 managing code or prefix, $3-$6 box, $7
// cursor, $8 limit. Enclave codes have letters, which a database's
// linguistic collation orders otherwise than bytes: pages go in byte order
// (COLLATE "C"), the order of every other store of them (mock's, the
// resolver index's tie-break). Unit codes are digits, which every usual
// collation orders as bytes, so listUnitsSQL keeps the index's order.
const listEnclavesSQL = `SELECT ` + enclaveColumns + ` FROM enclave
WHERE ` + validAt + `
  AND ($2::text IS NULL OR starts_with(managing_code, $2))
  AND ($3::float8 IS NULL OR ST_Intersects(geom, ST_MakeEnvelope($3, $4, $5, $6, 4326)))
  AND code COLLATE "C" > $7
ORDER BY code COLLATE "C" LIMIT $8`

func scanEnclave(row pgx.CollectableRow) (geo.Enclave, error) {
	var e geo.Enclave
	var g geom.MultiPolygon
	err := row.Scan(&e.Code, &e.Name, &e.ManagingCode, &e.Status, &e.Reason, &g, &e.AreaM2,
		(*geo.PropertiesColumn)(&e.Properties), &e.Version, &e.ValidFrom, &e.ValidTo, &e.CreatedBy, &e.CreatedAt)
	e.Geom = toOrb(&g)
	return e, err
}
