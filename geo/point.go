package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// ValidatePoint checks that p is a finite longitude/latitude pair in range.
// field names the input in the error. A latitude outside ±90 whose longitude
// would be a valid latitude most often means the pair was sent as lat,lng;
// the error says so.
func ValidatePoint(field string, p orb.Point) error {
	lng, lat := p[0], p[1]
	switch {
	case math.IsNaN(lng) || math.IsNaN(lat) || math.IsInf(lng, 0) || math.IsInf(lat, 0):
		return Invalid(field, "coordinates must be finite numbers")
	case lat < -90 || lat > 90:
		if lng >= -90 && lng <= 90 && lat >= -180 && lat <= 180 {
			return Invalid(field, "latitude %g is outside ±90; the order is [longitude, latitude] — were they swapped?", lat)
		}
		return Invalid(field, "latitude %g is outside ±90", lat)
	case lng < -180 || lng > 180:
		return Invalid(field, "longitude %g is outside ±180", lng)
	}
	return nil
}

// PointInWGS84 checks p, given in crs (one of the CRS constants), as
// ValidatePoint does, and returns it in WGS 84, refusing a point the
// conversion takes off the earth: BD-09's offset applies everywhere, so its
// (-180, -90) is (-180.0068, -90.0055) in WGS 84.
func PointInWGS84(field string, p orb.Point, crs CRS) (orb.Point, error) {
	if err := ValidatePoint(field, p); err != nil {
		return orb.Point{}, err
	}
	w := ToWGS84(p, crs)
	if ValidatePoint(field, w) != nil {
		return orb.Point{}, Invalid(field, "[%g, %g] in %s is [%g, %g] in WGS 84, outside ±180 and ±90", p[0], p[1], crs, w[0], w[1])
	}
	return w, nil
}
