package geo

import (
	"unsafe"

	"github.com/paulmach/orb"
)

// The geometry arena. NewSnapshot copies every ring into one []float64, so
// that the snapshot owns its geometry (callers may reuse theirs) and so that
// Resolve's exact tests read memory in the best order: per polygon, its
// PostGIS box, then its rings' points. For a simple polygon (one part, no
// holes, a short ring, nothing skipped) the whole test is one sequential
// read starting at a single cache miss.
//
// Layout of polygon id's block, at arena[off[id]]:
//
//	fx0 fy0 fx1 fy1  n  x0 y0 x1 y1 ...  (more rings)
//
// n is the number of points of the shell when the polygon is simple (its
// points follow), and 0 otherwise (the pipPoly decides).
const arenaHeader = 5

// geomArena is the arena and each polygon's offset into it.
type geomArena struct {
	data []float64
	off  []uint32
}

// arenaSize is the number of float64s that the geometries need.
func arenaSize(geoms []orb.MultiPolygon) int {
	n := 0
	for _, mp := range geoms {
		n += arenaHeader
		for _, poly := range mp {
			for _, ring := range poly {
				n += 2 * len(ring)
			}
		}
	}
	return n
}

// newGeomArena copies the geometries (in polygon id order) into an arena
// and returns the copies, which reference it, and their pipPolys.
func newGeomArena(geoms []orb.MultiPolygon) (*geomArena, []orb.MultiPolygon, []pipPoly) {
	a := &geomArena{data: make([]float64, arenaSize(geoms)), off: make([]uint32, len(geoms))}
	copies := make([]orb.MultiPolygon, len(geoms))
	polys := make([]pipPoly, len(geoms))
	at := 0
	for id, mp := range geoms {
		a.off[id] = uint32(at)
		at += arenaHeader
		cp := make(orb.MultiPolygon, len(mp))
		for i, poly := range mp {
			cp[i] = make(orb.Polygon, len(poly))
			for j, ring := range poly {
				pts := pointsAt(a.data, at, len(ring))
				copy(pts, ring)
				cp[i][j] = orb.Ring(pts)
				at += 2 * len(ring)
			}
		}
		copies[id], polys[id] = cp, newPipPoly(cp)
		a.writeHeader(id, cp, &polys[id])
	}
	return a, copies, polys
}

// writeHeader fills polygon id's box and, when the polygon is simple (a
// single ring, which is then stored right after the header), its length.
func (a *geomArena) writeHeader(id int, mp orb.MultiPolygon, g *pipPoly) {
	h := a.data[a.off[id] : a.off[id]+arenaHeader]
	h[0], h[1], h[2], h[3] = g.fx0, g.fy0, g.fx1, g.fy1
	if len(mp) == 1 && len(mp[0]) == 1 && len(mp[0][0]) > 0 && g.first.shell.bands == nil {
		h[4] = float64(len(mp[0][0]))
	}
}

// pointsAt views n points stored at data[at:] as []orb.Point ([2]float64
// has the layout of two float64s). The view's capacity is n, so appending
// to it copies.
func pointsAt(data []float64, at, n int) []orb.Point {
	if n == 0 {
		return nil
	}
	_ = data[at+2*n-1] // bounds check
	return unsafe.Slice((*orb.Point)(unsafe.Pointer(&data[at])), n)
}

// covers is pipPoly.covers for polygon id, reading the arena block first.
func (a *geomArena) covers(id uint32, p orb.Point, polys []pipPoly) bool {
	off := int(a.off[id])
	h := a.data[off : off+arenaHeader : off+arenaHeader]
	if p[0] < h[0] || p[0] > h[2] || p[1] < h[1] || p[1] > h[3] {
		return false
	}
	if n := int(h[4]); n > 0 {
		return scanRing(pointsAt(a.data, off+arenaHeader, n), p) != pipOutside
	}
	return polys[id].locate(p) != pipOutside
}
