package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// Edge indexes of a ring for the point-in-ring test (pip.go): y-bands of
// segments for a long ring, and runs of segments with their y-range (the
// spans an index entry keeps), so that a test looks only at the segments
// whose y-range holds the point.

// ringBands is a y-band edge index of one ring, the counterpart of the
// interval tree PostGIS builds per ring: band b lists every non-ignored
// segment whose closed y-range meets the band. A segment is filed under
// bands bandOf(minY)..bandOf(maxY); bandOf is monotone in y, so a point with
// minY <= p.y <= maxY always looks in a band that lists the segment.
type ringBands struct {
	y0, scale float64
	n         int
	start     []uint32 // band b's segments are seg[start[b]:start[b+1]]
	seg       []uint32 // index i of segment pts[i]→pts[i+1]
}

// newRingBands builds the index; segments PostGIS ignores as zero-length are
// left out, which is the same as skipping them.
func newRingBands(pts []orb.Point, ymin, ymax float64) *ringBands {
	nseg := len(pts) - 1
	if nseg < 1 {
		return &ringBands{n: 1, start: []uint32{0, 0}}
	}
	n := max(1, nseg/2)
	b := &ringBands{y0: ymin, n: n}
	if ymax > ymin {
		b.scale = float64(n) / (ymax - ymin)
	}
	counts := make([]uint32, n+1)
	for i := 0; i < nseg; i++ {
		if lo, hi, ok := b.segBands(pts[i], pts[i+1]); ok {
			for k := lo; k <= hi; k++ {
				counts[k+1]++
			}
		}
	}
	for k := 1; k <= n; k++ {
		counts[k] += counts[k-1]
	}
	b.start = counts
	b.seg = make([]uint32, counts[n])
	fill := append([]uint32(nil), counts[:n]...)
	for i := 0; i < nseg; i++ {
		if lo, hi, ok := b.segBands(pts[i], pts[i+1]); ok {
			for k := lo; k <= hi; k++ {
				b.seg[fill[k]] = uint32(i)
				fill[k]++
			}
		}
	}
	return b
}

// segBands returns the bands a segment is filed under; ok is false for a
// segment PostGIS ignores.
func (b *ringBands) segBands(s1, s2 orb.Point) (lo, hi int, ok bool) {
	if isMicroSegment(s1, s2) {
		return 0, 0, false
	}
	return b.bandOf(math.Min(s1[1], s2[1])), b.bandOf(math.Max(s1[1], s2[1])), true
}

// bandOf maps y (within the ring's y-range) to a band, monotonically.
func (b *ringBands) bandOf(y float64) int {
	k := int((y - b.y0) * b.scale)
	if k < 0 {
		return 0
	}
	if k >= b.n {
		return b.n - 1
	}
	return k
}

// locate is point_in_ring over one band's segments.
func (b *ringBands) locate(pts []orb.Point, p orb.Point) int {
	k := b.bandOf(p[1])
	wn := 0
	for _, i := range b.seg[b.start[k]:b.start[k+1]] {
		s1, s2 := pts[i], pts[i+1]
		if (p[1] < s1[1] && p[1] < s2[1]) || (p[1] > s1[1] && p[1] > s2[1]) {
			continue
		}
		if segmentStep(s1, s2, p, &wn) {
			return pipBoundary
		}
	}
	if wn == 0 {
		return pipOutside
	}
	return pipInside
}

// ringSpan is the number of segments of a simple ring whose y-range is kept
// together: a grid's ring of four bent sides has a run per side, and a
// horizontal ray crosses the runs of two sides.
const ringSpan = 8

// ringSpans is the number of runs of a ring of n points.
func ringSpans(n int) int { return (max(n-1, 0) + ringSpan - 1) / ringSpan }

// fillSpans writes the y-range (min, max) of each run of ring's segments
// into dst and returns the part written.
func fillSpans(dst []float64, ring []orb.Point) []float64 {
	n := ringSpans(len(ring))
	for c := range n {
		lo, hi := c*ringSpan, min((c+1)*ringSpan, len(ring)-1)
		y0, y1 := ring[lo][1], ring[lo][1]
		for _, q := range ring[lo+1 : hi+1] {
			y0, y1 = min(y0, q[1]), max(y1, q[1])
		}
		dst[2*c], dst[2*c+1] = y0, y1
	}
	return dst[: 2*n : 2*n]
}

// scanRingSpans is scanRing skipping the runs of segments whose y-range
// does not hold p's y: scanRing would skip each of their segments.
func scanRingSpans(pts []orb.Point, spans []float64, p orb.Point) int {
	wn := 0
	for c := 0; c+1 < len(spans); c += 2 {
		if p[1] < spans[c] || p[1] > spans[c+1] {
			continue
		}
		lo := c / 2 * ringSpan
		if scanSegments(pts, lo, min(lo+ringSpan, len(pts)-1), p, &wn) {
			return pipBoundary
		}
	}
	return windingResult(wn)
}
