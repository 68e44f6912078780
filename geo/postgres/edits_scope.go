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
// mean width is under $4 metres (gridmap_outside, migration 015).
const outsideSQL = `
SELECT coalesce(sum(area_m2), 0), ST_XMin(ST_Extent(geom)), ST_YMin(ST_Extent(geom)), ST_XMax(ST_Extent(geom)), ST_YMax(ST_Extent(geom))
FROM gridmap_outside($1::geometry, $2, $3, $4)`

// unitWithinScope holds a unit drawn by a scoped token within its parent;
// the scope unit itself, and a district (having no parent), within its own
// current outline: within its parent, the scope unit could grow over its
// siblings, and the token's reach would grow with it.
func unitWithinScope(ctx context.Context, tx pgx.Tx, u *geo.Unit, g *geom.MultiPolygon, scope string) error {
	switch {
	case u.Code == scope:
		// Held to a hair of its outline, not to the shared-edge slivers:
		// measured against its own outline, each edit could otherwise grow
		// it by one (5 cm along an edge), and many edits move the edge.
		return within(ctx, tx, g, u.Code, false, "its current outline", scope, geo.ScopeGrowthToleranceM)
	case u.ParentCode == "":
		return within(ctx, tx, g, u.Code, false, "its current outline", scope, geo.ScopeEdgeToleranceM)
	}
	return within(ctx, tx, g, u.ParentCode, false, "its parent "+u.ParentCode, scope, geo.ScopeEdgeToleranceM)
}

// enclaveWithinScope holds an enclave drawn by a scoped token within the
// units the token may manage: its scope unit and that unit's descendants.
func enclaveWithinScope(ctx context.Context, tx pgx.Tx, _ *geo.Enclave, g *geom.MultiPolygon, scope string) error {
	return within(ctx, tx, g, scope, true, "the units of "+scope, scope, geo.ScopeEdgeToleranceM)
}

// within refuses g when more than slivers thinner than tolM of it, and
// more than geo.ScopeAreaFloorM2 in all, lie outside unit code (with its
// descendants when withDescendants).
func within(ctx context.Context, tx pgx.Tx, g *geom.MultiPolygon, code string, withDescendants bool, what, scope string, tolM float64) error {
	var area float64
	var x0, y0, x1, y1 *float64
	if err := tx.QueryRow(ctx, outsideSQL, g, code, withDescendants, tolM).Scan(&area, &x0, &y0, &x1, &y1); err != nil {
		return fmt.Errorf("measure the boundary against scope %s: %w", scope, err)
	}
	if x0 == nil || area < geo.ScopeAreaFloorM2 {
		return nil
	}
	return geo.Errorf(geo.EFORBIDDEN, "geometry",
		"a token scoped to %s may draw only within %s: %s m² of the boundary lie outside it, within bbox [%s,%s,%s,%s]",
		scope, what, strconv.FormatFloat(area, 'f', 1, 64), coord(*x0), coord(*y0), coord(*x1), coord(*y1))
}

func coord(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
