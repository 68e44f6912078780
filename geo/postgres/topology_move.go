package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// Moving a shared vertex. The vertex at From must be a vertex of some
// current boundary exactly — the doubles as stored, compared in Go after
// the geometry came as WKB. The move (geo.CornerMove) then takes every
// current unit (at every level) and enclave with a vertex or an edge within
// geo.VertexSnapM of it, and bends each edge that meets it at the nearest
// vertex of any boundary lying on that edge (its node), so that a grid
// corner a millimetre off its community's, or lying on the community's
// edge, is carried along; each boundary touched gets a new version.

// The statements of a move.
const (
	// unitsNearPointSQL and enclavesNearPointSQL are the current
	// boundaries within $3 degrees of the point ($1, $2).
	unitsNearPointSQL = `SELECT ` + unitColumns + ` FROM unit
WHERE valid_to IS NULL AND ST_DWithin(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326), $3) ORDER BY code`
	enclavesNearPointSQL = `SELECT ` + enclaveColumns + ` FROM enclave
WHERE valid_to IS NULL AND ST_DWithin(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326), $3) ORDER BY code`
	// nodesAlongSQL returns the vertices of current units and enclaves
	// within $5 degrees of the spokes, the segments from ($1[i], $2[i]) to
	// ($3[i], $4[i]). Each boundary is clipped to the spoke's box first: a
	// district that holds the spoke has every vertex of its outline in
	// reach of ST_DWithin, and an edit's cost should follow the edit. (The
	// clip's own vertices lie on the box, $5 from the spoke at least, and
	// the move takes nodes within half that.)
	nodesAlongSQL = `
WITH spokes AS (
  SELECT ST_SetSRID(ST_MakeLine(ST_MakePoint(s.x0, s.y0), ST_MakePoint(s.x1, s.y1)), 4326) AS g
  FROM unnest($1::float8[], $2::float8[], $3::float8[], $4::float8[]) AS s(x0, y0, x1, y1)
), near AS (
  SELECT u.geom, s.g FROM unit u JOIN spokes s ON u.valid_to IS NULL AND ST_DWithin(u.geom, s.g, $5)
  UNION ALL
  SELECT x.geom, s.g FROM enclave x JOIN spokes s ON x.valid_to IS NULL AND ST_DWithin(x.geom, s.g, $5)
)
SELECT DISTINCT ST_X(d.geom), ST_Y(d.geom)
FROM near n, LATERAL ST_DumpPoints(ST_ClipByBox2D(n.geom, ST_Expand(n.g, $5)::box2d)) d
WHERE ST_DWithin(d.geom, n.g, $5)`
	// unitsAtPointSQL and enclavesAtPointSQL are the current boundaries
	// whose box holds the point ($1, $2).
	unitsAtPointSQL = `SELECT ` + unitColumns + ` FROM unit
WHERE valid_to IS NULL AND geom && ST_SetSRID(ST_MakePoint($1, $2), 4326) ORDER BY code`
	enclavesAtPointSQL = `SELECT ` + enclaveColumns + ` FROM enclave
WHERE valid_to IS NULL AND geom && ST_SetSRID(ST_MakePoint($1, $2), 4326) ORDER BY code`
	// previousUnitsSQL and previousEnclavesSQL are the versions that the
	// current versions of the codes $1 followed.
	previousUnitsSQL = `SELECT ` + unitColumns + ` FROM unit WHERE (code, valid_to) IN
  (SELECT code, valid_from FROM unit WHERE code = ANY($1) AND valid_to IS NULL) ORDER BY code`
	previousEnclavesSQL = `SELECT ` + enclaveColumns + ` FROM enclave WHERE (code, valid_to) IN
  (SELECT code, valid_from FROM enclave WHERE code = ANY($1) AND valid_to IS NULL) ORDER BY code`
)

// maxMoveReads bounds the reads of a move's boundaries under their locks:
// another one appears only when a single edit draws one there meanwhile.
const maxMoveReads = 5

// MoveVertex moves the vertex m.From to m.To, with what coincides with it,
// in every current unit and enclave it touches, in one transaction. A
// retried move — the vertex is nowhere now, and a boundary that has m.To
// had m.From in the version before — changes nothing and answers with the
// boundaries the move had changed (also listed as Unchanged); a vertex
// nowhere otherwise is ENOTFOUND naming from.
func (db *DB) MoveVertex(ctx context.Context, actor string, m geo.VertexMove) (geo.TopologyResult, error) {
	if err := m.Validate(); err != nil {
		return geo.TopologyResult{}, err
	}
	c := geo.NewCornerMove(m.From, m.To)
	return db.topology(ctx, actor, m.Allow, m.Key(), fmt.Sprintf("move vertex %v", m.From), func(e *topoEdit) error {
		units, enclaves, err := e.atCorner(c)
		if err != nil {
			return err
		}
		if !hasVertex(units, unitGeom, m.From) && !hasVertex(enclaves, enclaveGeom, m.From) {
			return e.alreadyMoved(m, c, actor)
		}
		nodes, err := e.nodesAlong(c, units, enclaves)
		if err != nil {
			return err
		}
		for _, u := range units {
			var changed bool
			if u.Geom, changed = c.Apply(u.Geom, nodes); changed {
				e.change(u)
			}
		}
		for _, x := range enclaves {
			var changed bool
			if x.Geom, changed = c.Apply(x.Geom, nodes); changed {
				e.changeEnclave(x)
			}
		}
		return nil
	})
}

func unitGeom(u geo.Unit) orb.MultiPolygon       { return u.Geom }
func enclaveGeom(x geo.Enclave) orb.MultiPolygon { return x.Geom }

// atCorner finds the current units and enclaves the move touches and locks
// them; it reads them again under the locks (until no unlocked one
// appears), so that a single edit that held one meanwhile is seen.
func (e *topoEdit) atCorner(c geo.CornerMove) ([]geo.Unit, []geo.Enclave, error) {
	for range maxMoveReads {
		units, enclaves, err := e.nearCorner(c)
		if err != nil {
			return nil, nil, err
		}
		uc, ec := unitCodes(units), enclaveCodes(enclaves)
		if e.allLocked("unit", uc) && e.allLocked("enclave", ec) {
			return units, enclaves, nil
		}
		if err := e.lock("unit", uc...); err != nil {
			return nil, nil, err
		}
		if err := e.lock("enclave", ec...); err != nil {
			return nil, nil, err
		}
	}
	return nil, nil, geo.Errorf(geo.ECONFLICT, "from", "the boundaries at %v kept changing while the move read them; try again", c.From)
}

// allLocked reports whether the edit holds the locks of every code.
func (e *topoEdit) allLocked(kind string, codes []string) bool {
	for _, c := range codes {
		if !e.locked[kind+"/"+c] {
			return false
		}
	}
	return true
}

// nearCorner reads the current boundaries the move touches.
func (e *topoEdit) nearCorner(c geo.CornerMove) ([]geo.Unit, []geo.Enclave, error) {
	units, err := collect(e, unitsNearPointSQL, scanUnit, c.From[0], c.From[1], c.Pad())
	if err != nil {
		return nil, nil, err
	}
	enclaves, err := collect(e, enclavesNearPointSQL, scanEnclave, c.From[0], c.From[1], c.Pad())
	if err != nil {
		return nil, nil, err
	}
	return keep(units, func(u geo.Unit) bool { return c.Touches(u.Geom) }),
		keep(enclaves, func(x geo.Enclave) bool { return c.Touches(x.Geom) }), nil
}

// nodesAlong reads the vertices of every current boundary that lie near
// the edges meeting the corner in the boundaries the move touches.
func (e *topoEdit) nodesAlong(c geo.CornerMove, units []geo.Unit, enclaves []geo.Enclave) ([]orb.Point, error) {
	var spokes []orb.LineString
	for _, u := range units {
		spokes = append(spokes, c.Spokes(u.Geom)...)
	}
	for _, x := range enclaves {
		spokes = append(spokes, c.Spokes(x.Geom)...)
	}
	if len(spokes) == 0 {
		return nil, nil
	}
	var x0, y0, x1, y1 []float64
	for _, s := range spokes {
		x0, y0, x1, y1 = append(x0, s[0][0]), append(y0, s[0][1]), append(x1, s[1][0]), append(y1, s[1][1])
	}
	rows, err := e.tx.Query(e.ctx, nodesAlongSQL, x0, y0, x1, y1, c.Pad())
	if err != nil {
		return nil, fmt.Errorf("nodes along the moved edges: %w", err)
	}
	var p orb.Point
	var nodes []orb.Point
	if _, err := pgx.ForEachRow(rows, []any{&p[0], &p[1]}, func() error {
		nodes = append(nodes, p)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("nodes along the moved edges: %w", err)
	}
	return nodes, nil
}

// alreadyMoved answers a move whose vertex is nowhere. It was made before
// if a current boundary has the vertex at To and its version before had
// it at From: the answer is then the first one's, the boundaries at To
// that the move touched, as they are, each also listed as unchanged, and
// Replayed when the request has no client id and actor wrote every one of
// them (a retry whose first answer was lost). A vertex at To alone proves nothing
// (it may be any other corner), so otherwise the vertex was never there.
func (e *topoEdit) alreadyMoved(m geo.VertexMove, c geo.CornerMove, actor string) error {
	units, enclaves, err := e.atPoint(m.To)
	if err != nil {
		return err
	}
	prevUnits, err := collect(e, previousUnitsSQL, scanUnit, unitCodes(units))
	if err != nil {
		return err
	}
	prevEnclaves, err := collect(e, previousEnclavesSQL, scanEnclave, enclaveCodes(enclaves))
	if err != nil {
		return err
	}
	movedUnits, u := movedBy(c, units, prevUnits, func(u geo.Unit) string { return u.Code }, unitGeom)
	movedEnclaves, x := movedBy(c, enclaves, prevEnclaves, func(x geo.Enclave) string { return x.Code }, enclaveGeom)
	if !u && !x {
		return geo.Errorf(geo.ENOTFOUND, "from",
			"no current unit or enclave has a vertex at %v: give it exactly, as GET /v1/units returns it", m.From)
	}
	e.res.Units, e.res.Enclaves = movedUnits, movedEnclaves
	// The answer carries these boundaries whole: the caller's scope must
	// cover them as it had to cover the move itself, or anyone who read
	// from and to in a boundary's history would get them.
	if err := e.permitAnswer(nil); err != nil {
		return err
	}
	// A request with a client id of its own is another request, made
	// already: only one without a key can be the retry of its author's.
	e.res.Replayed = m.ClientID == ""
	for _, u := range movedUnits {
		e.res.Unchanged = append(e.res.Unchanged, geo.VersionRef{Kind: "unit", Code: u.Code, Version: u.Version})
		e.res.Replayed = e.res.Replayed && u.CreatedBy == actor
	}
	for _, x := range movedEnclaves {
		e.res.Unchanged = append(e.res.Unchanged, geo.VersionRef{Kind: "enclave", Code: x.Code, Version: x.Version})
		e.res.Replayed = e.res.Replayed && x.CreatedBy == actor
	}
	return nil
}

// movedBy keeps the current boundaries whose version before the move
// touched, and reports whether one of those had the vertex at From itself.
func movedBy[T any](c geo.CornerMove, current, previous []T, code func(T) string, geom func(T) orb.MultiPolygon) ([]T, bool) {
	before := map[string]orb.MultiPolygon{}
	for _, p := range previous {
		before[code(p)] = geom(p)
	}
	var out []T
	exact := false
	for _, v := range current {
		if g, ok := before[code(v)]; ok && c.Touches(g) {
			out = append(out, v)
			exact = exact || geo.HasVertex(g, c.From)
		}
	}
	return out, exact
}

// atPoint reads the current boundaries that have p as a vertex.
func (e *topoEdit) atPoint(p orb.Point) ([]geo.Unit, []geo.Enclave, error) {
	units, err := collect(e, unitsAtPointSQL, scanUnit, p[0], p[1])
	if err != nil {
		return nil, nil, err
	}
	enclaves, err := collect(e, enclavesAtPointSQL, scanEnclave, p[0], p[1])
	if err != nil {
		return nil, nil, err
	}
	return keep(units, func(u geo.Unit) bool { return geo.HasVertex(u.Geom, p) }),
		keep(enclaves, func(x geo.Enclave) bool { return geo.HasVertex(x.Geom, p) }), nil
}

// collect runs a query of the edit and scans its rows.
func collect[T any](e *topoEdit, sql string, scan pgx.RowToFunc[T], args ...any) ([]T, error) {
	rows, err := e.tx.Query(e.ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("read the boundaries of the move: %w", err)
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("read the boundaries of the move: %w", err)
	}
	return out, nil
}

// keep keeps the values for which ok holds.
func keep[T any](all []T, ok func(T) bool) []T {
	out := all[:0]
	for _, v := range all {
		if ok(v) {
			out = append(out, v)
		}
	}
	return out
}

// hasVertex reports whether one of the boundaries has p as a vertex.
func hasVertex[T any](all []T, geom func(T) orb.MultiPolygon, p orb.Point) bool {
	for _, v := range all {
		if geo.HasVertex(geom(v), p) {
			return true
		}
	}
	return false
}

func unitCodes(units []geo.Unit) []string {
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = u.Code
	}
	return out
}

func enclaveCodes(enclaves []geo.Enclave) []string {
	out := make([]string, len(enclaves))
	for i, x := range enclaves {
		out[i] = x.Code
	}
	return out
}
