package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"

	"github.com/gridmap-dev/gridmap/geo"
)

// The checks of a single edit, in PostGIS. They ask the importer's questions
// (is the boundary valid, does it stay inside its parent, does it overlap a
// sibling, does it leave its children outside) and answer in its vocabulary
// (geo.ImportIssue kinds), with the audit's sliver rule so that hairline
// differences between independently drawn neighbours are not reported.
// TODO(issue 7): call the importer's per-feature checks once importer/
// exposes them, so that the two paths share one implementation.

// prepareUnit fills what the code implies (level, parent) and checks the
// unit's own fields and the shape of its rings.
func prepareUnit(u *geo.Unit) error {
	l, err := geo.LevelOfCode(u.Code)
	if err != nil {
		return err
	}
	if u.Level == "" {
		u.Level = l
	}
	if u.ParentCode == "" {
		u.ParentCode = geo.ParentCode(u.Code)
	}
	if err := u.Validate(); err != nil {
		return err
	}
	return geo.ValidateRings(u.Geom)
}

const unitExistsSQL = `SELECT EXISTS (SELECT 1 FROM unit WHERE code = $1 AND valid_to IS NULL)`

// checkParent refuses a unit whose parent does not currently exist: the
// resolver's chains follow parent codes.
func checkParent(ctx context.Context, tx pgx.Tx, u *geo.Unit) error {
	if u.ParentCode == "" {
		return nil
	}
	return requireUnit(ctx, tx, u.ParentCode, "parent_code", "no current unit has code %s; create the parent first")
}

// requireUnit returns an EINVALID error about field, worded by format
// (which takes the code), unless code is a current unit.
func requireUnit(ctx context.Context, tx pgx.Tx, code, field, format string) error {
	var ok bool
	if err := tx.QueryRow(ctx, unitExistsSQL, code).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return geo.Invalid(field, format, code)
	}
	return nil
}

const childrenSQL = `SELECT count(*), coalesce(min(code), '') FROM unit WHERE parent_code = $1 AND valid_to IS NULL`
const managedSQL = `SELECT count(*), coalesce(min(code), '') FROM enclave WHERE managing_code = $1 AND valid_to IS NULL`

// checkNoDependants refuses to retire a unit that current units name as
// their parent or current enclaves as their managing unit.
func checkNoDependants(ctx context.Context, tx pgx.Tx, code string) error {
	for _, dep := range []struct{ sql, what string }{{childrenSQL, "current children"}, {managedSQL, "current enclaves it manages"}} {
		var n int
		var first string
		if err := tx.QueryRow(ctx, dep.sql, code).Scan(&n, &first); err != nil {
			return err
		}
		if n > 0 {
			return geo.Errorf(geo.ECONFLICT, "code", "unit %s has %d %s (first %s); retire or reassign them first", code, n, dep.what, first)
		}
	}
	return nil
}

// prepareEnclave checks the enclave's own fields and the shape of its rings.
func prepareEnclave(e *geo.Enclave) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return geo.ValidateRings(e.Geom)
}

// checkManaging refuses an enclave whose managing unit does not currently
// exist: its reports would land nowhere.
func checkManaging(ctx context.Context, tx pgx.Tx, e *geo.Enclave) error {
	return requireUnit(ctx, tx, e.ManagingCode, "managing_code", "no current unit has code %s")
}

const validDetailSQL = `SELECT valid, coalesce(reason, ''), ST_X(location), ST_Y(location) FROM ST_IsValidDetail($1)`

// checkValid refuses an invalid boundary, naming the reason and the spot
// (a self-intersection, a hole outside its shell) so an editor can fix it.
// Invalid input is refused, not repaired: a repair the editor did not see
// would store a boundary nobody drew.
func checkValid(ctx context.Context, tx pgx.Tx, g *geom.MultiPolygon) error {
	var valid bool
	var reason string
	var x, y *float64
	if err := tx.QueryRow(ctx, validDetailSQL, g).Scan(&valid, &reason, &x, &y); err != nil {
		return err
	}
	if valid {
		return nil
	}
	if x != nil && y != nil {
		return geo.Invalid("geometry", "invalid boundary: %s at %.7f,%.7f", reason, *x, *y)
	}
	return geo.Invalid("geometry", "invalid boundary: %s", reason)
}

// warningsTail measures the pieces, drops slivers ($2 minimum area in m²,
// $3 minimum mean width in m) and returns each remaining piece with a point
// on it, largest first.
const warningsTail = `, measured AS (
  SELECT kind, code, other, g, ST_Area(g::geography) AS a, ST_Perimeter(g::geography) AS per FROM pieces
)
SELECT kind, code, other, a, ST_X(p), ST_Y(p)
FROM measured, LATERAL ST_PointOnSurface(g) AS p
WHERE a >= $2 AND NOT (per > 0 AND 2 * a / per < $3)
ORDER BY kind, code, other, a DESC`

// unitWarningsSQL runs after the new version is inserted ($1 is its code).
const unitWarningsSQL = `WITH me AS (
  SELECT code, level, parent_code, geom FROM unit WHERE code = $1 AND valid_to IS NULL
), pieces AS (
  SELECT 'outside_parent' AS kind, me.code AS code, p.code AS other,
         (ST_Dump(ST_CollectionExtract(ST_Difference(me.geom, p.geom), 3))).geom AS g
  FROM me JOIN unit p ON p.code = me.parent_code AND p.valid_to IS NULL
  WHERE NOT ST_CoveredBy(me.geom, p.geom)
  UNION ALL
  SELECT 'overlap', me.code, s.code, (ST_Dump(ST_CollectionExtract(ST_Intersection(me.geom, s.geom), 3))).geom
  FROM me JOIN unit s ON s.valid_to IS NULL AND s.level = me.level AND s.code <> me.code
       AND s.parent_code IS NOT DISTINCT FROM me.parent_code AND s.geom && me.geom
  WHERE ST_Relate(me.geom, s.geom, '2********')
  UNION ALL
  SELECT 'outside_parent', c.code, me.code, (ST_Dump(ST_CollectionExtract(ST_Difference(c.geom, me.geom), 3))).geom
  FROM me JOIN unit c ON c.parent_code = me.code AND c.valid_to IS NULL
  WHERE NOT ST_CoveredBy(c.geom, me.geom)
)` + warningsTail

// enclaveWarningsSQL reports overlaps with other enclaves. Nested enclaves
// are legitimate (the smallest wins), so this is a warning to look, not an
// error.
const enclaveWarningsSQL = `WITH me AS (
  SELECT code, geom FROM enclave WHERE code = $1 AND valid_to IS NULL
), pieces AS (
  SELECT 'overlap' AS kind, me.code AS code, o.code AS other,
         (ST_Dump(ST_CollectionExtract(ST_Intersection(me.geom, o.geom), 3))).geom AS g
  FROM me JOIN enclave o ON o.valid_to IS NULL AND o.code <> me.code AND o.geom && me.geom
  WHERE ST_Relate(me.geom, o.geom, '2********')
)` + warningsTail

func unitWarnings(ctx context.Context, tx pgx.Tx, code string) ([]geo.ImportIssue, error) {
	return warnings(ctx, tx, unitWarningsSQL, code)
}

func enclaveWarnings(ctx context.Context, tx pgx.Tx, code string) ([]geo.ImportIssue, error) {
	return warnings(ctx, tx, enclaveWarningsSQL, code)
}

// warnings runs a warnings query and folds its pieces into one issue per
// (kind, code, other), located at the largest piece.
func warnings(ctx context.Context, tx pgx.Tx, sql, code string) ([]geo.ImportIssue, error) {
	tol := geo.DefaultTolerance
	rows, err := tx.Query(ctx, sql, code, tol.AreaM2, tol.WidthM)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []geo.ImportIssue{}
	for rows.Next() {
		var kind, c, other string
		var area, x, y float64
		if err := rows.Scan(&kind, &c, &other, &area, &x, &y); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && string(out[n-1].Kind) == kind && out[n-1].Code == c && out[n-1].Other == other {
			out[n-1].AreaM2 += area
			continue
		}
		out = append(out, geo.ImportIssue{Index: 0, Code: c, Severity: geo.SeverityWarning, Kind: geo.IssueKind(kind),
			Location: &orb.Point{x, y}, Other: other, AreaM2: area})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Message = warningMessage(code, out[i])
	}
	return out, nil
}

func warningMessage(edited string, is geo.ImportIssue) string {
	switch {
	case is.Kind == geo.IssueOverlap:
		return fmt.Sprintf("%s overlaps %s by %.0f m²", is.Code, is.Other, is.AreaM2)
	case is.Code == edited:
		return fmt.Sprintf("%s sticks out of its parent %s by %.0f m²", is.Code, is.Other, is.AreaM2)
	}
	return fmt.Sprintf("child %s now lies %.0f m² outside %s", is.Code, is.AreaM2, is.Other)
}
