package main

import (
	"context"
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// editor commits the benchmark's edits: it moves one vertex of a few grids
// back and forth, and moves a few enclaves of its own back and forth, so the
// data ends as it began and every edit is a real new version.
type editor struct {
	db       *postgres.DB
	grids    []geo.Unit
	enclaves []geo.Enclave
}

const (
	benchGrids    = 20
	benchEnclaves = 10
	vertexStep    = 2e-6 // degrees a grid vertex moves (~20 cm)
	enclaveStep   = 1e-5 // degrees an enclave moves (~1 m)
	actor         = "gridmap-freshbench"
)

// pickGridsSQL chooses grids spread over the city, the same ones every run.
const pickGridsSQL = `SELECT code FROM unit WHERE level = 'grid' AND valid_to IS NULL ORDER BY md5(code) LIMIT $1`

// siteSQL is a point inside a grid and the grid's community, for an enclave.
const siteSQL = `SELECT ST_X(p), ST_Y(p), parent_code FROM (SELECT ST_PointOnSurface(geom) p, parent_code
FROM unit WHERE code = $1 AND valid_to IS NULL) s`

func newEditor(ctx context.Context, db *postgres.DB) (*editor, error) {
	ed := &editor{db: db}
	rows, err := db.Pool.Query(ctx, pickGridsSQL, benchGrids)
	if err != nil {
		return nil, err
	}
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		codes = append(codes, c)
	}
	if err := rows.Err(); err != nil || len(codes) < benchEnclaves {
		return nil, fmt.Errorf("pick grids (%d found): %v", len(codes), err)
	}
	for _, c := range codes {
		u, err := db.GetUnit(ctx, c, time.Time{})
		if err != nil {
			return nil, err
		}
		ed.grids = append(ed.grids, u)
	}
	for i := 0; i < benchEnclaves; i++ {
		e, err := ed.enclave(ctx, i, codes[i])
		if err != nil {
			return nil, err
		}
		ed.enclaves = append(ed.enclaves, e)
	}
	return ed, nil
}

// enclave returns bench enclave i, creating it inside grid when missing.
func (ed *editor) enclave(ctx context.Context, i int, grid string) (geo.Enclave, error) {
	code := fmt.Sprintf("BENCH%02d", i)
	if e, err := ed.db.GetEnclave(ctx, code, time.Time{}); err == nil {
		return e, nil
	}
	var x, y float64
	var community string
	if err := ed.db.Pool.QueryRow(ctx, siteSQL, grid).Scan(&x, &y, &community); err != nil {
		return geo.Enclave{}, err
	}
	d := 0.0002
	e := geo.Enclave{Code: code, Name: "bench enclave " + code, ManagingCode: community, Status: geo.EnclaveCustodial,
		Geom: orb.MultiPolygon{{{{x - d, y - d}, {x + d, y - d}, {x + d, y + d}, {x - d, y + d}, {x - d, y - d}}}}}
	res, err := ed.db.CreateEnclave(ctx, actor, e)
	if err != nil {
		return geo.Enclave{}, fmt.Errorf("create %s: %w", code, err)
	}
	return res.Version, nil
}

// settle waits until every node has the data as it is now.
func (ed *editor) settle(ctx context.Context, nodes []watched) error {
	v, err := ed.db.HeadVersion(ctx)
	if err != nil {
		return err
	}
	for i := range nodes {
		if err := nodes[i].await(ctx, v, time.Now()); err != nil {
			return err
		}
	}
	for i := range nodes {
		nodes[i].lat = nodes[i].lat[:0]
	}
	return nil
}

// edit commits edit i and returns the data version that includes it and
// when the commit returned.
func (ed *editor) edit(ctx context.Context, i int) (int64, time.Time, error) {
	sign := 1.0
	if (i/2/len(ed.grids))%2 == 1 {
		sign = -1 // every other pass moves things back
	}
	if i%2 == 0 {
		k := (i / 2) % len(ed.grids)
		u := ed.grids[k]
		u.Geom = moveVertex(u.Geom, sign*vertexStep)
		res, err := ed.db.EditUnit(ctx, actor, u, u.Version)
		if err != nil {
			return 0, time.Time{}, fmt.Errorf("grid %s: %w", u.Code, err)
		}
		ed.grids[k] = res.Version
	} else {
		k := (i / 2) % len(ed.enclaves)
		e := ed.enclaves[k]
		e.Geom = shift(e.Geom, sign*enclaveStep)
		res, err := ed.db.EditEnclave(ctx, actor, e, e.Version)
		if err != nil {
			return 0, time.Time{}, fmt.Errorf("enclave %s: %w", e.Code, err)
		}
		ed.enclaves[k] = res.Version
	}
	committed := time.Now()
	v, err := ed.db.HeadVersion(ctx)
	return v, committed, err
}

// moveVertex moves the second vertex of the first ring east by dx.
func moveVertex(mp orb.MultiPolygon, dx float64) orb.MultiPolygon {
	out := clone(mp)
	ring := out[0][0]
	ring[1] = orb.Point{ring[1][0] + dx, ring[1][1]}
	return out
}

// shift moves every vertex east by dx.
func shift(mp orb.MultiPolygon, dx float64) orb.MultiPolygon {
	out := clone(mp)
	for _, poly := range out {
		for _, ring := range poly {
			for i := range ring {
				ring[i][0] += dx
			}
		}
	}
	return out
}

func clone(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, poly := range mp {
		out[i] = make(orb.Polygon, len(poly))
		for j, ring := range poly {
			out[i][j] = append(orb.Ring(nil), ring...)
		}
	}
	return out
}
