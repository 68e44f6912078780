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
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return nil, geo.Invalid(field, "want 4 comma-separated numbers minLng,minLat,maxLng,maxLat, got %d", len(parts))
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, geo.Invalid(field, "%q is not a finite number", clip(p))
		}
		v[i] = f
	}
	b := orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
	switch {
	case v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90:
		return nil, geo.Invalid(field, "coordinates out of range (longitude ±180, latitude ±90)")
	case v[0] > v[2] || v[1] > v[3]:
		return nil, geo.Invalid(field, "min must not exceed max (order is minLng,minLat,maxLng,maxLat)")
	}
	return &b, nil
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
