package api

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// OGC API – Features Part 2 (Coordinate Reference Systems by Reference):
// items in WGS 84 (CRS84, the default and the storage CRS, or EPSG:4326),
// CGCS2000 (EPSG:4490), Web Mercator (EPSG:3857) or any CGCS2000
// Gauss-Krüger zone (EPSG:4491–4554), reprojected by PostGIS. Coordinates
// follow the axis order the EPSG registry gives each system, as Part 2
// requires and GDAL ≥ 3.7 expects: latitude first for EPSG:4326 and 4490,
// northing first for the Gauss-Krüger zones; CRS84 and 3857 are
// longitude/easting first.

const epsgURI = "http://www.opengis.net/def/crs/EPSG/0/"

// ogcCRS is one coordinate reference system offered.
type ogcCRS struct {
	URI     string
	SRID    int
	swapped bool // the first axis is latitude or northing
}

// crsOf returns the system of an EPSG code offered, or false.
func crsOf(srid int) (ogcCRS, bool) {
	switch {
	case srid == 4326 || srid == 4490 || srid >= 4491 && srid <= 4554:
		return ogcCRS{epsgURI + strconv.Itoa(srid), srid, true}, true
	case srid == 3857:
		return ogcCRS{epsgURI + "3857", 3857, false}, true
	}
	return ogcCRS{}, false
}

var crs84CRS = ogcCRS{URI: crs84, SRID: 4326}

// ogcCRSList lists every system offered, CRS84 first.
var ogcCRSList = func() []string {
	out := []string{crs84}
	for _, srid := range append([]int{4326, 4490, 3857}, gaussKrugerZones()...) {
		c, _ := crsOf(srid)
		out = append(out, c.URI)
	}
	return out
}()

func gaussKrugerZones() []int {
	var out []int
	for srid := 4491; srid <= 4554; srid++ {
		out = append(out, srid)
	}
	return out
}

// parseCRS reads a crs or bbox-crs parameter: the URI, or the short forms
// EPSG:4490, [EPSG:4490] and urn:ogc:def:crs:EPSG::4490; "" is CRS84.
func parseCRS(param, s string) (ogcCRS, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "["), "]")
	switch strings.ToUpper(s) {
	case "", strings.ToUpper(crs84), "OGC:CRS84", "URN:OGC:DEF:CRS:OGC:1.3:CRS84", "URN:OGC:DEF:CRS:OGC::CRS84":
		return crs84CRS, nil
	}
	code := s
	for _, p := range []string{epsgURI, "https://www.opengis.net/def/crs/EPSG/0/", "EPSG:", "epsg:", "urn:ogc:def:crs:EPSG::"} {
		code = strings.TrimPrefix(code, p)
	}
	if n, err := strconv.Atoi(code); err == nil && code != s {
		if c, ok := crsOf(n); ok {
			return c, nil
		}
	}
	return ogcCRS{}, geo.Invalid(param, "%q is not offered; use %s, EPSG 4326, 4490, 3857 or a CGCS2000 Gauss-Krüger zone 4491–4554 (%s…)",
		clip(s), crs84, epsgURI)
}

// contentCRS sets the Content-Crs header of an answer in c.
func contentCRS(ctx *gin.Context, c ogcCRS) {
	ctx.Header("Content-Crs", "<"+c.URI+">")
}

// queryBBox turns a bbox given in c (its axis order) into the WGS 84 box
// the store filters with, reprojecting it through rp when needed.
func (h *handlers) queryBBox(ctx *gin.Context, b *orb.Bound, c ogcCRS) (*orb.Bound, error) {
	if b == nil {
		return nil, nil
	}
	box := *b
	if c.swapped {
		box = orb.Bound{Min: orb.Point{b.Min[1], b.Min[0]}, Max: orb.Point{b.Max[1], b.Max[0]}}
	}
	if c.SRID == 4326 {
		if err := checkLonLatBox(box); err != nil {
			return nil, err
		}
		return &box, nil
	}
	rp, ok := h.deps.Versions.(geo.Reprojector)
	if !ok {
		return nil, geo.Invalid("bbox-crs", "this store reprojects nothing; give the box in %s", crs84)
	}
	out, err := rp.TransformBBox(ctx.Request.Context(), box, c.SRID)
	return &out, err
}

// checkLonLatBox refuses a WGS 84 box outside the valid ranges, as a box in
// the wrong axis order usually is.
func checkLonLatBox(b orb.Bound) error {
	if b.Min[1] < -90 || b.Max[1] > 90 || b.Min[0] < -180 || b.Max[0] > 180 {
		return geo.Invalid("bbox", "the box is outside the longitude and latitude ranges; with bbox-crs EPSG:4326 or 4490 give latitude first")
	}
	return nil
}

// swapXY turns coordinates from longitude/easting-first into the axis
// order of a latitude- or northing-first system, in place; a point, being
// a value, is swapped by swapped.
func swapXY(g orb.Geometry) {
	switch g := g.(type) {
	case orb.MultiPoint:
		swapPoints(g)
	case orb.LineString:
		swapPoints(g)
	case orb.Ring:
		swapPoints(g)
	case orb.Polygon:
		for _, r := range g {
			swapPoints(r)
		}
	case orb.MultiLineString:
		for _, l := range g {
			swapPoints(l)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				swapPoints(r)
			}
		}
	case orb.Collection:
		for i := range g {
			g[i] = swapped(g[i])
		}
	}
}

// swapped returns g with its axes swapped (a point is a value; the rest is
// swapped in place).
func swapped(g orb.Geometry) orb.Geometry {
	if p, ok := g.(orb.Point); ok {
		return orb.Point{p[1], p[0]}
	}
	swapXY(g)
	return g
}

func swapPoints[T ~[]orb.Point](ps T) {
	for i, p := range ps {
		ps[i] = orb.Point{p[1], p[0]}
	}
}
