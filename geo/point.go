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
