package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// Moving a corner (POST /v1/boundaries:move-vertex) in boundaries drawn by
// different hands, so that what they shared stays shared and the coverage
// audit is what it was:
//
//   - Coincident vertices. A grid drawn against its community often has the
//     community's corner a millimetre off (snapping off, a reprojection, a
//     shapefile's round trip). Every vertex within VertexSnapM of the corner
//     is taken for it and moves to the same place; a boundary with an edge
//     that passes within VertexSnapM of the corner (a street's edge where
//     three of its communities meet) gets the corner as a new vertex there,
//     moved.
//   - Nodes on the moved edges. A community's edge carries the corners of
//     its grids (where two grids meet on it) without having them as
//     vertices. Were the whole edge to pivot about its far end, those corners
//     would be left off it: gaps, and grids outside their community. So each
//     edge that meets the corner (a spoke) bends at the nearest vertex of any
//     boundary lying on it within VertexSnapM (its node), as a topological
//     editor bends an edge at its first node: only the stretch from the
//     corner to the node moves, with the boundaries that have that stretch,
//     and the rest of the edge stays exactly where it was, with all that
//     lies on it. A node a little off the edge goes in as its projection
//     onto it, so the part that stays is the very line that was; one on it
//     (within a micrometre) as it is, shared bit for bit.

// VertexSnapM is the distance in metres within which a vertex (or an edge)
// is taken to be at the moved corner, and a vertex to lie on an edge that
// meets it: more than two drawings of one point differ by (snapping off,
// reprojection, file round trips: millimetres), less than any two corners
// of a governance map that are meant to be distinct lie apart.
const VertexSnapM = 0.01

// CornerMove moves a corner, and what coincides with it, in the boundaries
// it touches. Distances are measured in metres on the local plane at From
// (equirectangular: exact enough at a centimetre).
type CornerMove struct {
	From, To orb.Point
	sx, sy   float64 // metres per degree of longitude and of latitude at From
}

// NewCornerMove prepares the move of the corner at from to to.
func NewCornerMove(from, to orb.Point) CornerMove {
	return CornerMove{From: from, To: to, sx: metresPerDeg * math.Cos(from[1]*degToRad), sy: metresPerDeg}
}

// Pad returns a margin in degrees that holds every point within VertexSnapM
// of a point (a database's first, coarse filter), with room to spare.
func (c CornerMove) Pad() float64 {
	return 2 * VertexSnapM / math.Min(c.sx, c.sy)
}

// near reports whether p and q are within VertexSnapM of each other.
func (c CornerMove) near(p, q orb.Point) bool {
	dx, dy := (p[0]-q[0])*c.sx, (p[1]-q[1])*c.sy
	return dx*dx+dy*dy <= VertexSnapM*VertexSnapM
}

// foot returns the parameter t (0 at a, 1 at b) of the point of segment ab
// nearest to p, and whether p lies within VertexSnapM of that point.
func (c CornerMove) foot(p, a, b orb.Point) (float64, bool) {
	dx, dy := (b[0]-a[0])*c.sx, (b[1]-a[1])*c.sy
	px, py := (p[0]-a[0])*c.sx, (p[1]-a[1])*c.sy
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, (px*dx+py*dy)/l2))
	}
	ex, ey := px-t*dx, py-t*dy
	return t, ex*ex+ey*ey <= VertexSnapM*VertexSnapM
}

// at is the point of segment ab at parameter t.
func at(a, b orb.Point, t float64) orb.Point {
	return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
}

// cornerRing is a ring (open: no repeated closing point) with the places
// of the corner marked: its vertices within VertexSnapM of From, and From's
// foot on each edge that passes that close with neither end so close.
type cornerRing struct {
	pts    []orb.Point
	corner []bool
}

func (c CornerMove) mark(ring orb.Ring) cornerRing {
	open := []orb.Point(ring)
	if n := len(open); n > 1 && open[0] == open[n-1] {
		open = open[:n-1]
	}
	var r cornerRing
	for k, p := range open {
		q := open[(k+1)%len(open)]
		pc := c.near(p, c.From)
		r.pts, r.corner = append(r.pts, p), append(r.corner, pc)
		if pc || c.near(q, c.From) {
			continue
		}
		if t, on := c.foot(c.From, p, q); on && t > 0 && t < 1 {
			r.pts, r.corner = append(r.pts, at(p, q, t)), append(r.corner, true)
		}
	}
	return r
}

// spokes calls fn with every edge of r that meets the corner, from the
// corner (as it is now) to the edge's other end.
func (r cornerRing) spokes(fn func(corner, end orb.Point)) {
	n := len(r.pts)
	for k := range n {
		if !r.corner[k] {
			continue
		}
		for _, j := range []int{(k + n - 1) % n, (k + 1) % n} {
			if !r.corner[j] {
				fn(r.pts[k], r.pts[j])
			}
		}
	}
}

// Touches reports whether the move changes mp: it has a vertex within
// VertexSnapM of From, or an edge that passes that close.
func (c CornerMove) Touches(mp orb.MultiPolygon) bool {
	for _, poly := range mp {
		for _, ring := range poly {
			if slices.Contains(c.mark(ring).corner, true) {
				return true
			}
		}
	}
	return false
}

// Spokes returns the edges of mp that meet the corner, each from the corner
// to its other end: the nodes of the move are looked for along them.
func (c CornerMove) Spokes(mp orb.MultiPolygon) []orb.LineString {
	var out []orb.LineString
	for _, poly := range mp {
		for _, ring := range poly {
			c.mark(ring).spokes(func(corner, end orb.Point) { out = append(out, orb.LineString{corner, end}) })
		}
	}
	return out
}

// onLineM is the distance in metres under which a node is on the spoke
// as drawn (a corner computed by an overlay is never exactly on it): it
// goes in as it is, so that the boundaries share it bit for bit.
const onLineM = 1e-6

// node is the point where the spoke from corner to end bends: the vertex
// among nodes that lies on it (within VertexSnapM) nearest to the corner,
// neither at the corner nor at end; projected onto the spoke unless it is
// on it within onLineM.
func (c CornerMove) node(corner, end orb.Point, nodes []orb.Point) (orb.Point, bool) {
	best, bt := orb.Point{}, math.Inf(1)
	for _, v := range nodes {
		if c.near(v, c.From) || c.near(v, corner) || c.near(v, end) {
			continue
		}
		if t, on := c.foot(v, corner, end); on && t > 0 && t < bt {
			best, bt = v, t
		}
	}
	if bt >= 1 {
		return orb.Point{}, false
	}
	foot := at(corner, end, bt)
	if dx, dy := (best[0]-foot[0])*c.sx, (best[1]-foot[1])*c.sy; dx*dx+dy*dy <= onLineM*onLineM {
		return best, true
	}
	return foot, true
}

// Apply returns mp with the corner at To, each edge that meets it bent at
// its node (the vertices of every boundary along the spokes are nodes; a
// boundary's own may be among them), and whether anything changed. The
// input is not changed. A ring all of whose vertices but one were within
// VertexSnapM of the corner collapses: a collapsed hole is dropped, and so
// is a collapsed part when the boundary has others (a part no wider than
// the snap is no land anyone manages); a boundary left with nothing keeps
// the collapsed ring, for the edit's validation to refuse by name.
func (c CornerMove) Apply(mp orb.MultiPolygon, nodes []orb.Point) (orb.MultiPolygon, bool) {
	out := make(orb.MultiPolygon, 0, len(mp))
	changed := false
	for _, poly := range mp {
		moved, ch := c.applyPolygon(poly, nodes)
		changed = changed || ch
		if len(moved[0]) < 4 && len(mp) > 1 {
			continue
		}
		out = append(out, moved)
	}
	if len(out) == 0 {
		return c.applyWhole(mp, nodes)
	}
	return out, changed
}

// applyWhole is Apply keeping every part, collapsed or not.
func (c CornerMove) applyWhole(mp orb.MultiPolygon, nodes []orb.Point) (orb.MultiPolygon, bool) {
	out := make(orb.MultiPolygon, len(mp))
	for i, poly := range mp {
		out[i], _ = c.applyPolygon(poly, nodes)
	}
	return out, true
}

// applyPolygon moves the corner in one polygon, dropping collapsed holes.
func (c CornerMove) applyPolygon(poly orb.Polygon, nodes []orb.Point) (orb.Polygon, bool) {
	out := make(orb.Polygon, 0, len(poly))
	changed := false
	for j, ring := range poly {
		moved := c.applyRing(ring, nodes)
		changed = changed || !orb.Equal(moved, ring)
		if j > 0 && len(moved) < 4 {
			continue
		}
		out = append(out, moved)
	}
	return out, changed
}

// applyRing moves the corner in one ring.
func (c CornerMove) applyRing(ring orb.Ring, nodes []orb.Point) orb.Ring {
	r := c.mark(ring)
	if !slices.Contains(r.corner, true) {
		return slices.Clone(ring)
	}
	var pts []orb.Point
	n := len(r.pts)
	for k := range n {
		p, q := r.pts[k], r.pts[(k+1)%n]
		if r.corner[k] {
			pts = append(pts, c.To)
		} else {
			pts = append(pts, p)
		}
		if r.corner[k] == r.corner[(k+1)%n] {
			continue
		}
		corner, end := p, q
		if !r.corner[k] {
			corner, end = q, p
		}
		if x, ok := c.node(corner, end, nodes); ok {
			pts = append(pts, x)
		}
	}
	return closeRing(pts)
}

// closeRing drops repeated consecutive points (a corner and a vertex that
// coincided with it) and repeats the first point last.
func closeRing(pts []orb.Point) orb.Ring {
	var r orb.Ring
	for _, p := range pts {
		if len(r) == 0 || r[len(r)-1] != p {
			r = append(r, p)
		}
	}
	for len(r) > 1 && r[len(r)-1] == r[0] {
		r = r[:len(r)-1]
	}
	if len(r) > 0 {
		r = append(r, r[0])
	}
	return r
}
