package api

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// parseAt reads an optional point in time (see geo.ParseTime).
func parseAt(field, s string) (time.Time, error) { return geo.ParseTime(field, s) }

// parseBBox reads "minLng,minLat,maxLng,maxLat" in WGS84 degrees.
func parseBBox(field, s string) (*orb.Bound, error) {
	if s == "" {
		return nil, nil
	}
	b, err := boxNumbers(field, s)
	if err != nil {
		return nil, err
	}
	if b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
		return nil, geo.Invalid(field, "coordinates out of range (longitude ±180, latitude ±90)")
	}
	return &b, nil
}

// boxNumbers reads 4 comma-separated numbers min1,min2,max1,max2 of any
// coordinate system.
func boxNumbers(field, s string) (orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, geo.Invalid(field, "want 4 comma-separated numbers minLng,minLat,maxLng,maxLat, got %d", len(parts))
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return orb.Bound{}, geo.Invalid(field, "%q is not a finite number", clip(p))
		}
		v[i] = f
	}
	if v[0] > v[2] || v[1] > v[3] {
		return orb.Bound{}, geo.Invalid(field, "min must not exceed max (order is minLng,minLat,maxLng,maxLat)")
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}

// parseLimit reads a page size between 1 and max (default def).
func parseLimit(s string, def, max int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, geo.Invalid("limit", "limit must be a whole number from 1 to %d", max)
	}
	return n, nil
}

// parseCode checks a unit code given in a path or a query.
func parseCode(field, s string) (string, error) {
	if _, err := geo.LevelOfCode(s); err != nil {
		return "", geo.Invalid(field, "%q is not a unit code (6, 9, 12, 15 or 18 digits)", clip(s))
	}
	return s, nil
}

// clip shortens echoed input (see geo.Clip).
func clip(s string) string { return geo.Clip(s) }
