package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// Moving a shared vertex. The vertex is matched exactly — the doubles as
// stored, compared in Go after the geometry came as WKB — in every current
// unit (at every level) and enclave whose box holds the point; each gets
// the vertex at its new place in a new version.

// The candidates of a move: current boundaries whose box holds the point ($1, $2).
const (
	unitsAtPointSQL = `SELECT ` + unitColumns + ` FROM unit
WHERE valid_to IS NULL AND geom && ST_SetSRID(ST_MakePoint($1, $2), 4326) ORDER BY code`
	enclavesAtPointSQL = `SELECT ` + enclaveColumns + ` FROM enclave
WHERE valid_to IS NULL AND geom && ST_SetSRID(ST_MakePoint($1, $2), 4326) ORDER BY code`
)

// MoveVertex moves the vertex m.From to m.To in every current unit and
// enclave that has it, in one transaction. A retried move that finds the
// vertex nowhere but at m.To already succeeded: it changes nothing and
// answers with the boundaries there (also listed as Unchanged).
func (db *DB) MoveVertex(ctx context.Context, actor string, m geo.VertexMove) (geo.TopologyResult, error) {
	if err := m.Validate(); err != nil {
		return geo.TopologyResult{}, err
	}
	return db.topology(ctx, actor, m.Allow, fmt.Sprintf("move vertex %v", m.From), func(e *topoEdit) error {
		units, enclaves, err := e.withVertex(m.From)
		if err != nil {
			return err
		}
		if len(units)+len(enclaves) == 0 {
			return e.alreadyMoved(m)
		}
		for _, u := range units {
			u.Geom, _ = geo.MoveVertex(u.Geom, m.From, m.To)
			e.change(u)
		}
		for _, x := range enclaves {
			x.Geom, _ = geo.MoveVertex(x.Geom, m.From, m.To)
			e.changeEnclave(x)
		}
		return nil
	})
}

// withVertex finds the current units and enclaves that have p as a vertex
// and locks them; it reads them again under the locks, so that a single
// edit that held one meanwhile is seen.
func (e *topoEdit) withVertex(p orb.Point) ([]geo.Unit, []geo.Enclave, error) {
	units, enclaves, err := e.atPoint(p)
	if err != nil {
		return nil, nil, err
	}
	if err := e.lock("unit", unitCodes(units)...); err != nil {
		return nil, nil, err
	}
	if err := e.lock("enclave", enclaveCodes(enclaves)...); err != nil {
		return nil, nil, err
	}
	if len(units)+len(enclaves) == 0 {
		return nil, nil, nil
	}
	return e.atPoint(p)
}

// atPoint reads the current boundaries that have p as a vertex.
func (e *topoEdit) atPoint(p orb.Point) ([]geo.Unit, []geo.Enclave, error) {
	rows, err := e.tx.Query(e.ctx, unitsAtPointSQL, p[0], p[1])
	if err != nil {
		return nil, nil, err
	}
	units, err := pgx.CollectRows(rows, scanUnit)
	if err != nil {
		return nil, nil, err
	}
	rows, err = e.tx.Query(e.ctx, enclavesAtPointSQL, p[0], p[1])
	if err != nil {
		return nil, nil, err
	}
	enclaves, err := pgx.CollectRows(rows, scanEnclave)
	if err != nil {
		return nil, nil, err
	}
	return keepWithVertex(units, func(u geo.Unit) orb.MultiPolygon { return u.Geom }, p),
		keepWithVertex(enclaves, func(x geo.Enclave) orb.MultiPolygon { return x.Geom }, p), nil
}

// keepWithVertex keeps the boundaries that have p as a vertex.
func keepWithVertex[T any](all []T, geom func(T) orb.MultiPolygon, p orb.Point) []T {
	out := all[:0]
	for _, v := range all {
		if geo.HasVertex(geom(v), p) {
			out = append(out, v)
		}
	}
	return out
}

// alreadyMoved answers a move whose vertex is nowhere: done before (the
// vertex is at To: the answer is the first one's, the boundaries there as
// they are, each also listed as unchanged), or never there.
func (e *topoEdit) alreadyMoved(m geo.VertexMove) error {
	units, enclaves, err := e.atPoint(m.To)
	if err != nil {
		return err
	}
	if len(units)+len(enclaves) == 0 {
		return geo.Errorf(geo.ENOTFOUND, "from",
			"no current unit or enclave has a vertex at %v: give it exactly, as GET /v1/units returns it", m.From)
	}
	e.res.Units, e.res.Enclaves = units, enclaves
	for _, u := range units {
		e.res.Unchanged = append(e.res.Unchanged, geo.VersionRef{Kind: "unit", Code: u.Code, Version: u.Version})
	}
	for _, x := range enclaves {
		e.res.Unchanged = append(e.res.Unchanged, geo.VersionRef{Kind: "enclave", Code: x.Code, Version: x.Version})
	}
	return nil
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
