package importer

import (
	"encoding/json"
	"math"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// decodeGeometry reads a GeoJSON geometry into a multipolygon. Positions
// are parsed by strconv (correctly rounded), so coordinates keep every digit
// the file has. Closing and dropping degenerate rings is noted on f.
func decodeGeometry(raw json.RawMessage, f *Feature) (orb.MultiPolygon, orb.Bound, *featureError) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, orb.Bound{}, featErr(geo.IssueEmptyGeometry, "the feature has no geometry")
	}
	var g struct {
		Type        string            `json:"type"`
		Coordinates json.RawMessage   `json:"coordinates"`
		Geometries  []json.RawMessage `json:"geometries"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, orb.Bound{}, featErr(geo.IssueUnreadable, "the geometry is not a GeoJSON geometry object")
	}
	var polys [][][][]float64
	switch g.Type {
	case "Polygon":
		var p [][][]float64
		if err := json.Unmarshal(g.Coordinates, &p); err != nil {
			return nil, orb.Bound{}, featErr(geo.IssueUnreadable, "the Polygon's coordinates are not an array of rings of positions")
		}
		polys = [][][][]float64{p}
	case "MultiPolygon":
		if err := json.Unmarshal(g.Coordinates, &polys); err != nil {
			return nil, orb.Bound{}, featErr(geo.IssueUnreadable, "the MultiPolygon's coordinates are not an array of polygons")
		}
	case "GeometryCollection":
		return collection(g.Geometries, f)
	case "Point", "MultiPoint", "LineString", "MultiLineString":
		return nil, orb.Bound{}, featErr(geo.IssueNotPolygonal, "the geometry is a %s, not an area", g.Type)
	default:
		return nil, orb.Bound{}, featErr(geo.IssueUnreadable, "unknown geometry type %q", clipText(g.Type, 30))
	}
	return buildPolygons(polys, f)
}

// collection accepts a GeometryCollection of polygons only.
func collection(members []json.RawMessage, f *Feature) (orb.MultiPolygon, orb.Bound, *featureError) {
	var out orb.MultiPolygon
	b := emptyBound()
	for _, m := range members {
		var t struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(m, &t); t.Type == "GeometryCollection" {
			return nil, orb.Bound{}, featErr(geo.IssueUnreadable, "nested GeometryCollections are not accepted")
		}
		mp, mb, err := decodeGeometry(m, f)
		if err != nil {
			return nil, orb.Bound{}, err
		}
		out = append(out, mp...)
		b = b.Union(mb)
	}
	if len(out) == 0 {
		return nil, orb.Bound{}, featErr(geo.IssueEmptyGeometry, "the GeometryCollection is empty")
	}
	return out, b, nil
}

func buildPolygons(polys [][][][]float64, f *Feature) (orb.MultiPolygon, orb.Bound, *featureError) {
	mp := make(orb.MultiPolygon, 0, len(polys))
	b := emptyBound()
	for _, p := range polys {
		poly := make(orb.Polygon, 0, len(p))
		for _, r := range p {
			ring, err := buildRing(r, &b)
			if err != nil {
				return nil, orb.Bound{}, err
			}
			poly = append(poly, ring)
		}
		mp = append(mp, poly)
	}
	if mp = tidy(mp, f); len(mp) == 0 {
		return nil, orb.Bound{}, featErr(geo.IssueEmptyGeometry, "the geometry has no polygon with at least 4 points")
	}
	return mp, b, nil
}

func buildRing(r [][]float64, b *orb.Bound) (orb.Ring, *featureError) {
	ring := make(orb.Ring, len(r))
	for i, pos := range r {
		if len(pos) < 2 {
			return nil, featErr(geo.IssueUnreadable, "a position has %d numbers; it needs longitude and latitude", len(pos))
		}
		p := orb.Point{pos[0], pos[1]}
		if !finite(p) {
			return nil, featErr(geo.IssueOutOfRange, "a coordinate is not a finite number")
		}
		ring[i] = p
		*b = b.Extend(p)
	}
	return ring, nil
}

func emptyBound() orb.Bound {
	return orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
}

// parseGeoJSONCRS reads the "crs" member of GeoJSON 2008 (dropped by RFC
// 7946, still written by ArcGIS and old GDAL): a named CRS such as
// "urn:ogc:def:crs:EPSG::4547", "EPSG:4547" or CRS84, or {"type":"EPSG"}.
func parseGeoJSONCRS(raw json.RawMessage) declaredCRS {
	d := declaredCRS{From: "GeoJSON crs member"}
	var c struct {
		Type       string `json:"type"`
		Properties struct {
			Name string      `json:"name"`
			Code json.Number `json:"code"`
		} `json:"properties"`
	}
	if string(raw) == "null" {
		return declaredCRS{}
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		d.Name = "unreadable"
		return d
	}
	switch c.Type {
	case "name":
		d.Name = c.Properties.Name
		d.SRID = sridFromURN(c.Properties.Name)
	case "EPSG", "epsg":
		d.Name = "EPSG:" + c.Properties.Code.String()
		d.SRID = sridFromURN(d.Name)
	default:
		d.Name = c.Type + " crs"
	}
	return d
}
