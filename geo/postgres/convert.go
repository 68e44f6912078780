package postgres

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"
)

// This file is the one place where go-geom (the database edge) and orb (the
// rest of gridmap) meet. Coordinates are copied as float64, never formatted,
// so shared grid corners stay bit-identical.

// toOrb converts a multipolygon scanned from PostGIS.
func toOrb(g *geom.MultiPolygon) orb.MultiPolygon {
	if g == nil {
		return nil
	}
	out := make(orb.MultiPolygon, g.NumPolygons())
	for i := range out {
		p := g.Polygon(i)
		poly := make(orb.Polygon, p.NumLinearRings())
		for j := range poly {
			poly[j] = ringToOrb(p.LinearRing(j))
		}
		out[i] = poly
	}
	return out
}

func ringToOrb(r *geom.LinearRing) orb.Ring {
	flat, stride := r.FlatCoords(), r.Stride()
	ring := make(orb.Ring, len(flat)/stride)
	for k := range ring {
		ring[k] = orb.Point{flat[k*stride], flat[k*stride+1]}
	}
	return ring
}

// toGeom converts an orb multipolygon for writing, with SRID 4326 set (an
// unset SRID reaches PostGIS as 0 and is refused by the typed column).
func toGeom(mp orb.MultiPolygon) (*geom.MultiPolygon, error) {
	coords := make([][][]geom.Coord, len(mp))
	for i, poly := range mp {
		coords[i] = make([][]geom.Coord, len(poly))
		for j, ring := range poly {
			cs := make([]geom.Coord, len(ring))
			for k, pt := range ring {
				cs[k] = geom.Coord{pt[0], pt[1]}
			}
			coords[i][j] = cs
		}
	}
	g, err := geom.NewMultiPolygon(geom.XY).SetCoords(coords)
	if err != nil {
		return nil, fmt.Errorf("build multipolygon: %w", err)
	}
	return g.SetSRID(4326), nil
}

// lineToGeom converts a line for a query, with SRID 4326.
func lineToGeom(l orb.LineString) (*geom.LineString, error) {
	coords := make([]geom.Coord, len(l))
	for i, p := range l {
		coords[i] = geom.Coord{p[0], p[1]}
	}
	g, err := geom.NewLineString(geom.XY).SetCoords(coords)
	if err != nil {
		return nil, fmt.Errorf("build line: %w", err)
	}
	return g.SetSRID(4326), nil
}
