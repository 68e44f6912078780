package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/twpayne/go-geom"

	"github.com/gridmap-dev/gridmap/geo"
)

// Scope by geometry (geo.WithEditScope): inside the edit's transaction,
// after the code's lock is taken, the drawn boundary is measured against the
// current outline of the area the token may draw in, and what lies outside
// is refused with its area and extent.

// outsideSQL measures what of $1 lies outside the current unit $2 (and,
// when $3, outside $2's current descendants as well), ignoring pieces whose
// mean width is under $4 metres. The descendants are unioned only where the
// rest lies, so that a district scope does not union a whole district.
const outsideSQL = `
WITH first AS (
  SELECT ST_Difference($1::geometry, coalesce((SELECT geom FROM unit WHERE code = $2 AND valid_to IS NULL),
                                              'SRID=4326;MULTIPOLYGON EMPTY'::geometry)) AS g
), rest AS (
  SELECT CASE WHEN NOT $3 OR ST_IsEmpty(f.g) THEN f.g
         ELSE ST_Difference(f.g, coalesce((SELECT ST_Union(u.geom) FROM unit u
                WHERE u.valid_to IS NULL AND starts_with(u.code, $2) AND u.code <> $2 AND u.geom && f.g),
              'SRID=4326;MULTIPOLYGON EMPTY'::geometry)) END AS g
  FROM first f
), pieces AS (
  SELECT d.geom AS g, ST_Area(d.geom::geography) AS a, ST_Perimeter(d.geom::geography) AS per
  FROM rest r, ST_Dump(r.g) d WHERE ST_Dimension(d.geom) = 2
), kept AS (
  SELECT g, a FROM pieces WHERE NOT gridmap_is_sliver(a, per, 0, $4)
)
SELECT coalesce(sum(a), 0), ST_XMin(ST_Extent(g)), ST_YMin(ST_Extent(g)), ST_XMax(ST_Extent(g)), ST_YMax(ST_Extent(g))
FROM kept`

// unitWithinScope holds a unit drawn by a scoped token within its parent; a
// district, having none, within its own current outline.
func unitWithinScope(ctx context.Context, tx pgx.Tx, u *geo.Unit, g *geom.MultiPolygon, scope string) error {
	allowed, what := u.ParentCode, "its parent "+u.ParentCode
	if allowed == "" {
		allowed, what = u.Code, "its current outline"
	}
	return within(ctx, tx, g, allowed, false, what, scope)
}

// enclaveWithinScope holds an enclave drawn by a scoped token within the
// units the token may manage: its scope unit and that unit's descendants.
func enclaveWithinScope(ctx context.Context, tx pgx.Tx, _ *geo.Enclave, g *geom.MultiPolygon, scope string) error {
	return within(ctx, tx, g, scope, true, "the units of "+scope, scope)
}

// within refuses g when more than slivers of it lie outside unit code (with
// its descendants when withDescendants).
func within(ctx context.Context, tx pgx.Tx, g *geom.MultiPolygon, code string, withDescendants bool, what, scope string) error {
	var area float64
	var x0, y0, x1, y1 *float64
	if err := tx.QueryRow(ctx, outsideSQL, g, code, withDescendants, geo.ScopeEdgeToleranceM).Scan(&area, &x0, &y0, &x1, &y1); err != nil {
		return fmt.Errorf("measure the boundary against scope %s: %w", scope, err)
	}
	if x0 == nil {
		return nil
	}
	return geo.Errorf(geo.EFORBIDDEN, "geometry",
		"a token scoped to %s may draw only within %s: %s m² of the boundary lie outside it, within bbox [%s,%s,%s,%s]",
		scope, what, strconv.FormatFloat(area, 'f', 1, 64), coord(*x0), coord(*y0), coord(*x1), coord(*y1))
}

func coord(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
