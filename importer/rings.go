package importer

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Shapefiles store a polygon as a flat list of rings: clockwise rings are
// outer boundaries, counter-clockwise rings holes (white paper, p. 8). The
// list does not say which hole belongs to which outer ring, and files from
// some tools break the winding rule, so rings are assembled here the way
// GDAL does: holes go to the smallest outer ring that contains them; a hole
// inside no outer ring, or a file wound the other way round, is read
// sensibly and noted. Validity is PostGIS's job afterwards.

// assemble turns rings into a multipolygon, noting repairs on f.
func assemble(rings []orb.Ring, f *Feature) orb.MultiPolygon {
	type ringInfo struct {
		ring  orb.Ring
		area  float64 // signed, positive counter-clockwise
		bound orb.Bound
	}
	var outers, holes []ringInfo
	for i, r := range rings {
		if len(r) > 0 && r[0] != r[len(r)-1] {
			r = append(r, r[0])
			f.note("ring %d was not closed; it was closed", i)
		}
		if len(r) < 4 {
			f.note("ring %d has only %d points and was dropped", i, len(r))
			continue
		}
		info := ringInfo{ring: r, area: signedArea(r), bound: r.Bound()}
		if info.area > 0 {
			holes = append(holes, info)
		} else {
			outers = append(outers, info)
		}
	}
	if len(outers) == 0 && len(holes) > 0 {
		// Wound against the rule throughout: read the rings the other way.
		outers, holes = holes, nil
		f.note("the rings are wound counter-clockwise, against the shapefile rule; they were read as outer rings")
	}
	sort.SliceStable(outers, func(i, j int) bool { return math.Abs(outers[i].area) < math.Abs(outers[j].area) })
	mp := make(orb.MultiPolygon, len(outers))
	for i, o := range outers {
		mp[i] = orb.Polygon{o.ring}
	}
	for _, h := range holes {
		placed := false
		for i, o := range outers { // smallest first: the innermost container
			if o.bound.Contains(h.bound.Min) && o.bound.Contains(h.bound.Max) && ringInside(h.ring, o.ring) {
				mp[i] = append(mp[i], h.ring)
				placed = true
				break
			}
		}
		if !placed {
			mp = append(mp, orb.Polygon{h.ring})
			f.note("a counter-clockwise ring lies in no outer ring; it was read as an outer ring")
		}
	}
	return mp
}

// signedArea is the shoelace area, positive for counter-clockwise rings.
// Coordinates are taken relative to the first point so that projected
// eastings of 39,500,000 m lose no precision in the products.
func signedArea(r orb.Ring) float64 {
	var a float64
	x0, y0 := r[0][0], r[0][1]
	for i := 1; i+1 < len(r); i++ {
		a += (r[i][0]-x0)*(r[i+1][1]-y0) - (r[i+1][0]-x0)*(r[i][1]-y0)
	}
	return a / 2
}

// ringInside reports whether ring h lies inside ring o, judged by the first
// vertex of h that is not on o's boundary (holes may touch their shell).
func ringInside(h, o orb.Ring) bool {
	for _, p := range h {
		switch pointInRing(p, o) {
		case 1:
			return true
		case -1:
			return false
		}
	}
	return true // every vertex on the boundary: the same ring twice; call it inside
}

// pointInRing returns 1 inside, -1 outside, 0 on the boundary (crossing
// number with exact on-edge detection).
func pointInRing(p orb.Point, r orb.Ring) int {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[j], r[i]
		if onSegment(p, a, b) {
			return 0
		}
		if (a[1] > p[1]) != (b[1] > p[1]) {
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if p[0] < x {
				in = !in
			}
		}
	}
	if in {
		return 1
	}
	return -1
}

func onSegment(p, a, b orb.Point) bool {
	cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
	if cross != 0 {
		return false
	}
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}
