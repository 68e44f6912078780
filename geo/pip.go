package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// Exact point-in-multipolygon with PostGIS 3.3 ST_Covers semantics.
//
// PostGIS answers ST_Covers(polygon, point) without GEOS: covers() first
// rejects a point outside the polygon's stored bounding box (float32,
// rounded outwards), then runs its own winding-number test
// (lwgeom_functions_analytic.c: point_in_ring_rtree, point_in_multipolygon).
// The code below repeats that arithmetic operation for operation in float64.
// Every product is wrapped in float64(...) because the Go spec lets an
// implementation fuse a*b-c*d into an FMA unless an explicit conversion
// forces the rounding; PostGIS on x86-64 is built without FMA.

// The results of a point-in-ring / point-in-polygon test, as PostGIS
// numbers them.
const (
	pipOutside  = -1
	pipBoundary = 0
	pipInside   = 1
)

// zeroLenSq is PostGIS's "zero length segment" threshold, 1e-12*1e-12,
// evaluated as C does (two doubles multiplied at run time).
var zeroLenSq = func() float64 { t := 1e-12; return t * t }()

// ringBandMin is the number of segments from which a ring gets a y-band
// edge index; shorter rings are scanned.
const ringBandMin = 64

// pipRing is one ring, exactly as stored (closed, not reordered, not
// deduplicated), with what the test needs precomputed.
type pipRing struct {
	pts        []orb.Point
	ymin, ymax float64    // over all points; no segment reaches p.y outside them
	bands      *ringBands // nil for short rings without skipped segments
	micro      int        // segments PostGIS skips as zero-length (shorter than 1e-12, or exactly zero)
}

// pipPart is one polygon of a multipolygon: its shell and holes.
type pipPart struct {
	shell pipRing
	holes []pipRing
}

// pipPoly is one multipolygon with its PostGIS bounding box. The first part
// is held inline: most units are one polygon, and Resolve then reaches the
// points with one memory read less.
type pipPoly struct {
	// fx0..fy1 is the box PostGIS stores with the geometry: the shells'
	// extent rounded outwards to float32. An empty geometry has an empty box.
	fx0, fy0, fx1, fy1 float64
	first              pipPart   // the first non-empty polygon
	more               []pipPart // the others, in order
	parts              int       // number of non-empty polygons
}

// newPipPoly prepares a multipolygon for repeated tests. The geometry is
// referenced, not copied.
func newPipPoly(mp orb.MultiPolygon) pipPoly {
	g := pipPoly{fx0: math.Inf(1), fy0: math.Inf(1), fx1: math.Inf(-1), fy1: math.Inf(-1)}
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, poly := range mp {
		if len(poly) == 0 {
			continue // PostGIS skips empty polygons
		}
		part := pipPart{shell: newPipRing(poly[0])}
		for _, h := range poly[1:] {
			part.holes = append(part.holes, newPipRing(h))
		}
		if g.parts == 0 {
			g.first = part
		} else {
			g.more = append(g.more, part)
		}
		g.parts++
		// The box is computed from the shells only (lwpoly_calculate_gbox_cartesian).
		for _, pt := range poly[0] {
			x0, x1 = math.Min(x0, pt[0]), math.Max(x1, pt[0])
			y0, y1 = math.Min(y0, pt[1]), math.Max(y1, pt[1])
		}
	}
	if x0 <= x1 {
		g.fx0, g.fy0 = floatDown(x0), floatDown(y0)
		g.fx1, g.fy1 = floatUp(x1), floatUp(y1)
	}
	return g
}

// box returns the polygon's float box; ok is false for an empty geometry,
// which covers nothing.
func (g *pipPoly) box() (b orb.Bound, ok bool) {
	return orb.Bound{Min: orb.Point{g.fx0, g.fy0}, Max: orb.Point{g.fx1, g.fy1}}, g.fx0 <= g.fx1
}

// part returns the i-th non-empty polygon.
func (g *pipPoly) part(i int) *pipPart {
	if i == 0 {
		return &g.first
	}
	return &g.more[i-1]
}

// newPipRing prepares one ring.
func newPipRing(pts []orb.Point) pipRing {
	r := pipRing{pts: pts, ymin: math.Inf(1), ymax: math.Inf(-1)}
	for _, pt := range pts {
		r.ymin, r.ymax = math.Min(r.ymin, pt[1]), math.Max(r.ymax, pt[1])
	}
	for i := 0; i+1 < len(pts); i++ {
		if isMicroSegment(pts[i], pts[i+1]) {
			r.micro++
		}
	}
	if len(pts) > ringBandMin || r.micro > 0 {
		r.bands = newRingBands(pts, r.ymin, r.ymax)
	}
	return r
}

// covers reports whether PostGIS ST_Covers(g, p) is true.
func (g *pipPoly) covers(p orb.Point) bool {
	// covers() short-circuit 1: gbox_contains_2d(polygon box, point box).
	if p[0] < g.fx0 || p[0] > g.fx1 || p[1] < g.fy0 || p[1] > g.fy1 {
		return false
	}
	return g.locate(p) != pipOutside
}

// locate is point_in_multipolygon: -1 outside, 0 on the boundary, 1 inside.
// Parts are tested in order and the first part that is not "outside" decides,
// exactly as PostGIS does (it matters for overlapping parts).
func (g *pipPoly) locate(p orb.Point) int {
	for i := 0; i < g.parts; i++ {
		if r := g.part(i).locate(p); r != pipOutside {
			return r
		}
	}
	return pipOutside
}

// locate is one polygon's turn in point_in_multipolygon: outside its shell,
// or inside one of its holes, is "outside" (try the next part).
func (part *pipPart) locate(p orb.Point) int {
	r := part.shell.locate(p)
	if r != pipInside {
		return r
	}
	for j := range part.holes {
		switch part.holes[j].locate(p) {
		case pipInside:
			return pipOutside
		case pipBoundary:
			return pipBoundary
		}
	}
	return pipInside
}

// locate is point_in_ring: -1 outside, 0 on the ring, 1 inside.
//
// Only segments whose closed y-range contains p.y can change the result
// (isOnSegment and both winding conditions need p.y in that range), so
// skipping the others, or looking only at one y-band's list of them, gives
// the same answer; the order of segments does not matter either (an "on the
// boundary" answer wins whenever it is found; the winding number is a sum).
func (r *pipRing) locate(p orb.Point) int {
	if p[1] < r.ymin || p[1] > r.ymax {
		return pipOutside
	}
	if r.bands != nil {
		return r.bands.locate(r.pts, p)
	}
	return scanRing(r.pts, p) // r.micro == 0: no segment is skipped as zero-length
}

// scanRing is point_in_ring over all segments of a ring that has no
// segment PostGIS skips as zero-length.
func scanRing(pts []orb.Point, p orb.Point) int {
	wn := 0
	if scanSegments(pts, 0, len(pts)-1, p, &wn) {
		return pipBoundary
	}
	return windingResult(wn)
}

// scanSegments applies segments lo..hi-1 of pts (those whose y-range holds
// p's y) to the winding number and reports whether p lies on one of them.
func scanSegments(pts []orb.Point, lo, hi int, p orb.Point, wn *int) bool {
	for i := lo; i < hi; i++ {
		s1, s2 := pts[i], pts[i+1]
		if (p[1] < s1[1] && p[1] < s2[1]) || (p[1] > s1[1] && p[1] > s2[1]) {
			continue
		}
		if segmentStep(s1, s2, p, wn) {
			return true
		}
	}
	return false
}

// windingResult is the location a winding number says.
func windingResult(wn int) int {
	if wn == 0 {
		return pipOutside
	}
	return pipInside
}

// segmentStep applies one (non-ignored) segment to the winding number and
// reports whether p lies on it.
func segmentStep(s1, s2, p orb.Point, wn *int) (onBoundary bool) {
	side := determineSide(s1, s2, p)
	if side == 0 && isOnSegment(s1, s2, p) {
		return true
	}
	if s1[1] <= p[1] && p[1] < s2[1] && side > 0 {
		*wn++
	} else if s2[1] <= p[1] && p[1] < s1[1] && side < 0 {
		*wn--
	}
	return false
}

// determineSide is PostGIS's: >0 left of s1→s2, <0 right, 0 on the line.
func determineSide(s1, s2, p orb.Point) float64 {
	return float64((s2[0]-s1[0])*(p[1]-s1[1])) - float64((p[0]-s1[0])*(s2[1]-s1[1]))
}

// isOnSegment is PostGIS's: p within the segment's closed bounding box.
func isOnSegment(s1, s2, p orb.Point) bool {
	minX, maxX := s1[0], s2[0]
	if s1[0] > s2[0] {
		minX, maxX = s2[0], s1[0]
	}
	minY, maxY := s1[1], s2[1]
	if s1[1] > s2[1] {
		minY, maxY = s2[1], s1[1]
	}
	if maxX < p[0] || minX > p[0] {
		return false
	}
	return !(maxY < p[1] || minY > p[1])
}

// isMicroSegment reports whether point_in_ring_rtree ignores the segment:
// squared length below 1e-12*1e-12, computed as PostGIS does.
func isMicroSegment(s1, s2 orb.Point) bool {
	dx, dy := s2[0]-s1[0], s2[1]-s1[1]
	return float64(dx*dx)+float64(dy*dy) < zeroLenSq
}

// floatDown is PostGIS's next_float_down: the largest float32 <= d.
func floatDown(d float64) float64 {
	if d > math.MaxFloat32 {
		return math.MaxFloat32
	}
	if d <= -math.MaxFloat32 {
		return -math.MaxFloat32
	}
	f := float32(d)
	if float64(f) <= d {
		return float64(f)
	}
	return float64(math.Nextafter32(f, -math.MaxFloat32))
}

// floatUp is PostGIS's next_float_up: the smallest float32 >= d.
func floatUp(d float64) float64 {
	if d >= math.MaxFloat32 {
		return math.MaxFloat32
	}
	if d < -math.MaxFloat32 {
		return -math.MaxFloat32
	}
	f := float32(d)
	if float64(f) >= d {
		return float64(f)
	}
	return float64(math.Nextafter32(f, math.MaxFloat32))
}
