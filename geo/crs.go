package geo

import (
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// Coordinate systems of input points (docs/design.md, "Coordinate systems").
//
// Boundaries are stored in CGCS2000, which equals WGS-84 within centimetres,
// so every input point is converted to WGS-84 before it is resolved. Phones
// and map apps report in three systems: raw GPS in WGS-84, AMap/Tencent in
// GCJ-02 (an obfuscated offset of 0.3–0.7 km inside China) and Baidu in BD-09
// (GCJ-02 shifted once more, ~870 m). gridmap converts *input* server-side to
// match its CGCS2000 boundaries; it never publishes maps or tiles in
// de-obfuscated coordinates (测绘法 art. 40, GB 20263-2006 §4.1), so the
// inverse functions below stay on the server.
//
// The formulas and the "in China" box are those of gcoord (hujiulong/gcoord
// 1.0.7, src/crs/GCJ02.ts and BD09.ts); geo/testdata/gcoord_vectors.json holds
// its output (scripts/gcoord-vectors.mjs) and crs_test.go checks against it.

// ParseCRS parses a client's CRS name, case-insensitively. The empty string
// means WGS84. CGCS2000 (EPSG:4490) is returned as CGCS2000 so that callers
// may record what the client sent; ToWGS84 passes it through unchanged, as
// it differs from WGS-84 by centimetres at most. BD09MC is rejected: it is
// Baidu Mercator in metres, and treating metres as degrees would put the
// point on another continent rather than fail.
func ParseCRS(s string) (CRS, error) {
	s = strings.TrimSpace(s)
	for _, a := range crsAliases {
		if strings.EqualFold(s, a.name) {
			return a.crs, nil
		}
	}
	for _, m := range []string{"bd09mc", "bd-09mc", "bd09meter"} {
		if strings.EqualFold(s, m) {
			return "", Invalid("crs", "bd09mc is Baidu Mercator in metres, not degrees; send bd09 (bd09ll) longitude/latitude")
		}
	}
	if len(s) > 32 {
		s = s[:32] + "..." // the message goes back to the client; keep it short
	}
	return "", Invalid("crs", "unknown crs %q; want wgs84, cgcs2000, gcj02 or bd09", s)
}

var crsAliases = [...]struct {
	name string
	crs  CRS
}{
	{"", WGS84}, {"wgs84", WGS84}, {"wgs-84", WGS84}, {"wgs1984", WGS84}, {"epsg:4326", WGS84},
	{"cgcs2000", CGCS2000}, {"epsg:4490", CGCS2000},
	{"gcj02", GCJ02}, {"gcj-02", GCJ02},
	{"bd09", BD09}, {"bd-09", BD09}, {"bd09ll", BD09},
}

// ToWGS84 converts p, given in crs, to WGS-84 for resolution against the
// CGCS2000 boundaries. "" means WGS84. It does not allocate. crs must be ""
// or one of the CRS constants (use ParseCRS on client input); any other
// value is a programming error and panics, because guessing would silently
// misplace the point by hundreds of metres.
func ToWGS84(p orb.Point, crs CRS) orb.Point {
	switch crs {
	case WGS84, CGCS2000, "":
		return p
	case GCJ02:
		return GCJ02ToWGS84(p)
	case BD09:
		return GCJ02ToWGS84(BD09ToGCJ02(p))
	}
	panic("geo.ToWGS84: unknown CRS " + string(crs))
}

// FromWGS84 converts a WGS-84 point to crs, as ToWGS84's inverse: a
// closed formula each way, so FromWGS84(ToWGS84(p)) is p within the
// inverse's iteration tolerance. It panics on an unknown crs, as ToWGS84.
func FromWGS84(p orb.Point, crs CRS) orb.Point {
	switch crs {
	case WGS84, CGCS2000, "":
		return p
	case GCJ02:
		return WGS84ToGCJ02(p)
	case BD09:
		return GCJ02ToBD09(WGS84ToGCJ02(p))
	}
	panic("geo.FromWGS84: unknown CRS " + string(crs))
}

// inChina is gcoord's rough box, chosen over coordtransform's tighter one
// (73.66–135.05E, 3.86–53.55N) so that results match the reference vectors
// and the Nansha islands are inside. It also covers Korea, Mongolia and parts
// of India and Russia, where GCJ-02 is applied too, as in gcoord; that is
// irrelevant for Chinese cities. Outside it GCJ-02 equals WGS-84.
func inChina(lon, lat float64) bool {
	return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271
}

const (
	gcjA  = 6378245.0            // Krasovsky 1940 semi-major axis, as in the GCJ-02 formula
	gcjEE = 0.006693421622965823 // its first eccentricity squared (gcoord's literal)

	// convergence of the fixed-point inversions: 1e-9° is about 0.1 mm.
	invTol     = 1e-9
	invMaxIter = 10
)

// gcjDelta is the GCJ-02 offset (degrees) at the WGS-84 point (lon, lat),
// without the box test.
func gcjDelta(lon, lat float64) (dLon, dLat float64) {
	x, y := lon-105, lat-35
	common := (20*math.Sin(6*x*math.Pi) + 20*math.Sin(2*x*math.Pi)) * 2 / 3
	sx := math.Sqrt(math.Abs(x))

	dLat = -100 + 2*x + 3*y + 0.2*y*y + 0.1*x*y + 0.2*sx + common
	dLat += (20*math.Sin(y*math.Pi) + 40*math.Sin(y/3*math.Pi)) * 2 / 3
	dLat += (160*math.Sin(y/12*math.Pi) + 320*math.Sin(y*math.Pi/30)) * 2 / 3

	dLon = 300 + x + 2*y + 0.1*x*x + 0.1*x*y + 0.1*sx + common
	dLon += (20*math.Sin(x*math.Pi) + 40*math.Sin(x/3*math.Pi)) * 2 / 3
	dLon += (150*math.Sin(x/12*math.Pi) + 300*math.Sin(x/30*math.Pi)) * 2 / 3

	rad := lat / 180 * math.Pi
	s := math.Sin(rad)
	m := 1 - gcjEE*s*s
	sm := math.Sqrt(m)
	dLon = dLon * 180 / (gcjA / sm * math.Cos(rad) * math.Pi)
	dLat = dLat * 180 / (gcjA * (1 - gcjEE) / (m * sm) * math.Pi)
	return dLon, dLat
}

// WGS84ToGCJ02 applies the GCJ-02 offset to a WGS-84 point inside gcoord's
// China box and returns points outside it unchanged. The dashboard uses it
// to draw WGS-84 data on GCJ-02 base maps.
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if !inChina(p[0], p[1]) {
		return p
	}
	dLon, dLat := gcjDelta(p[0], p[1])
	return orb.Point{p[0] + dLon, p[1] + dLat}
}

// GCJ02ToWGS84 inverts WGS84ToGCJ02. GCJ-02 has no closed-form inverse, and
// the common one-step shortcut wgs ≈ gcj − delta(gcj) is off by up to ~5 m
// (3 m in Jinan) because the offset varies over its own 0.5 km. Instead it
// solves f(w) = g by fixed-point iteration, w ← w − (f(w) − g): the offset's
// slope is ~1e-3, so each step gains two to three digits and 3–4 steps reach
// 1e-9° (0.1 mm); gcoord stops at 1e-6° (0.1 m). The box test is applied to
// the GCJ-02 input, as gcoord does, and the iteration uses the offset
// without it, so it stays smooth near the box edge.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if !inChina(p[0], p[1]) {
		return p
	}
	lon, lat := p[0], p[1]
	for range invMaxIter {
		dLon, dLat := gcjDelta(lon, lat)
		eLon, eLat := lon+dLon-p[0], lat+dLat-p[1]
		lon, lat = lon-eLon, lat-eLat
		if math.Abs(eLon) < invTol && math.Abs(eLat) < invTol {
			break
		}
	}
	return orb.Point{lon, lat}
}

// baiduK is π·3000/180, the frequency of BD-09's wobble terms.
const baiduK = math.Pi * 3000.0 / 180.0

// GCJ02ToBD09 converts a GCJ-02 point to BD-09 (Baidu longitude/latitude).
// Like gcoord, it applies everywhere, not only inside the China box.
func GCJ02ToBD09(p orb.Point) orb.Point {
	x, y := p[0], p[1]
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*baiduK)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*baiduK)
	return orb.Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

// BD09ToGCJ02 inverts GCJ02ToBD09. The published inverse (gcoord's) is only
// approximate, off by up to 0.21 m in China, so it is used as the first
// guess and refined by fixed-point iteration against the exact forward
// formula until the residual is below 1e-9°; the wobble's slope is at most
// ~0.03, so two or three steps suffice and BD-09 → WGS-84 is sub-centimetre.
func BD09ToGCJ02(p orb.Point) orb.Point {
	x, y := p[0]-0.0065, p[1]-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*baiduK)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*baiduK)
	lon, lat := z*math.Cos(theta), z*math.Sin(theta)
	for range invMaxIter {
		b := GCJ02ToBD09(orb.Point{lon, lat})
		eLon, eLat := b[0]-p[0], b[1]-p[1]
		lon, lat = lon-eLon, lat-eLat
		if math.Abs(eLon) < invTol && math.Abs(eLat) < invTol {
			break
		}
	}
	return orb.Point{lon, lat}
}
