package geo

import "context"

// Scope by geometry. A token scoped to a unit may edit only what lies in
// that unit, and checking codes alone does not hold that: a street editor
// could otherwise draw an enclave (or redraw its own grid) over the whole
// city and take every report there. So the store checks the geometry too,
// in the edit's own transaction, against the current boundaries:
//
//   - a unit must lie within its parent; the token's scope unit itself, and
//     a district (which has none), within its own current outline: the scope
//     unit may shrink, but growing it over its siblings would widen what
//     the token may reach (their grids' land, their reports);
//   - an enclave must lie within the union of the units the token may
//     manage: its scope unit and that unit's descendants.
//
// The part outside is refused (EFORBIDDEN) with its area and extent, except
// pieces thinner than ScopeEdgeToleranceM on average — the hairline
// differences that two drawings of one shared edge always leave — and
// specks under ScopeAreaFloorM2 in all. Tokens
// with no scope — admins, the command line — are not checked. A scoped
// token's import is held the same way (importer's checkScopeGeometry; one
// SQL function, gridmap_outside, measures both).

// ScopeEdgeToleranceM is the mean width (2·area/perimeter, metres) under
// which a piece outside the allowed area is taken for a shared edge drawn
// twice, not land taken.
const ScopeEdgeToleranceM = 0.05

// ScopeGrowthToleranceM is the same for the token's scope unit measured
// against its own outline: a hair (coordinates rounded to 1e-8° by a
// client), so that repeated edits cannot grow it a sliver at a time.
const ScopeGrowthToleranceM = 0.001

// ScopeAreaFloorM2 is the area outside (all its pieces, square metres)
// under which a boundary counts as inside: reprojecting a file drawn in a
// projected CRS leaves specks of 1e-5 m² at shared vertices, square and
// not thin, which refused a correct import by a scoped token as
// '0.00 m² … outside' (a newcomer's walkthrough). The coverage audit leaves
// out pieces under the same area.
const ScopeAreaFloorM2 = 0.01

type editScopeKey struct{}

// WithEditScope returns ctx carrying the scope (a unit code) of the token
// on whose behalf edits are made; the BoundaryEditor checks the geometry of
// every edit made with ctx against it (and the API credits a patrol only
// within it). "" means no restriction.
func WithEditScope(ctx context.Context, scope string) context.Context {
	return context.WithValue(ctx, editScopeKey{}, scope)
}

// EditScopeOf returns the scope WithEditScope put in ctx, or "".
func EditScopeOf(ctx context.Context) string {
	s, _ := ctx.Value(editScopeKey{}).(string)
	return s
}
