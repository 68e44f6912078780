package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// Split candidates: a quick grid cell's candidate answered without its
// ring.
//
// Near an edge a candidate is tested exactly, and at city scale that test
// is the costliest part of Resolve: the polygon's entry, its spans and its
// points are cache misses. But a cell usually meets only one or two of a
// candidate's edges (a side, or a bend of it), and every other edge of the
// polygon is more than the margin away. Then the lines through those
// edges cut the cell's neighbourhood into convex faces that no edge of the
// polygon crosses, so the winding number of each of its rings, and the
// answer, is the same all over a face. Which face a point lies in is the
// vector of its sides of the lines; where that side is certain (Shewchuk's
// orientation filter, with the same products PostGIS's determineSide
// computes), PostGIS computes every cross product's sign right — the near
// edges' by the filter, the others' because they are far — and so answers
// what the face answers. The builder finds each face's answer by testing
// the polygon exactly at sample points inside it; a point whose side of a
// line is not certain (on or next to it), or that lands in a face no
// sample reached, is tested exactly as before.
//
// A split candidate's entry carries entrySplit, and its descriptor, one
// word, is kept with the cell's record (splitRefBit), in entry order: the
// number of its edges, which of them run against the tile's copy, two bits
// per face (seen, covered) and the edges' numbers in the tile. A tile keeps
// each edge once, after its records (its header word says where), as two
// consecutive vertices of runs of vertices, each two float64s of two words
// each: the two units on either side of a boundary, the levels above them
// that share it, and the boundary's next edge share its copy.

// Split descriptors.
const (
	entrySplit        = 1 << 31 // a candidate answered by its descriptor
	splitMaxEdges     = 2       // faces are numbered by one bit per edge
	splitRevShift     = 2       // the low 2 bits: the number of edges
	splitFaceShift    = splitRevShift + splitMaxEdges
	splitEdgeShift    = splitFaceShift + 2<<splitMaxEdges // then the edges' numbers
	splitEdgeNumBits  = 10                                // an edge's number: its first vertex in the tile
	splitEdgeNumMask  = 1<<splitEdgeNumBits - 1
	splitMaxTileEdges = 1 << (splitEdgeNumBits - 1) // so that their vertices can be numbered
	splitVertexWords  = 4                           // one vertex: two float64s
)

// splitCovers answers whether the split candidate whose descriptor is d,
// in tile, covers p; ok is false when the exact test must answer.
func splitCovers(d uint32, tile []uint32, p orb.Point) (covered, ok bool) {
	verts := tile[tile[quickEdgesAt]:]
	face := 0
	for k := range int(d & (1<<splitRevShift - 1)) {
		w := verts[int(d>>(splitEdgeShift+splitEdgeNumBits*k)&splitEdgeNumMask)*splitVertexWords:]
		a, b := vertexAt(w), vertexAt(w[splitVertexWords:])
		if d>>(splitRevShift+k)&1 != 0 {
			a, b = b, a // the polygon's ring runs b→a: PostGIS computes that way round
		}
		switch certainSide(a, b, p) {
		case 0:
			return false, false
		case 1:
			face |= 1 << k
		}
	}
	bits := d >> (splitFaceShift + 2*face)
	return bits&2 != 0, bits&1 != 0
}

// certainSide is the side of line a→b that p lies on (1 left, -1 right)
// when determineSide's sign is certain to be the exact one, else 0
// (Shewchuk's orient2d filter; determineSide computes the same products).
func certainSide(a, b, p orb.Point) int {
	const errBound = (3 + 16*0x1p-53) * 0x1p-53
	left := float64((b[0] - a[0]) * (p[1] - a[1]))
	right := float64((p[0] - a[0]) * (b[1] - a[1]))
	det := left - right
	var sum float64
	switch {
	case left > 0 && right > 0:
		sum = left + right
	case left < 0 && right < 0:
		sum = -left - right
	default: // no cancellation: det's sign is exact
		sum = 0
	}
	switch {
	case det > errBound*sum:
		return 1
	case -det > errBound*sum:
		return -1
	}
	return 0
}

// vertexAt reads the vertex copy at the start of w.
func vertexAt(w []uint32) orb.Point {
	return orb.Point{wordFloat(w[0], w[1]), wordFloat(w[2], w[3])}
}

// wordFloat joins the words of a float64 (low, high).
func wordFloat(lo, hi uint32) float64 { return math.Float64frombits(uint64(hi)<<32 | uint64(lo)) }

// appendFloat appends a float64's words (low, high).
func appendFloat(w []uint32, f float64) []uint32 {
	b := math.Float64bits(f)
	return append(w, uint32(b), uint32(b>>32))
}

// appendVertex appends a vertex's copy.
func appendVertex(w []uint32, v orb.Point) []uint32 {
	return appendFloat(appendFloat(w, v[0]), v[1])
}

// splitFaces returns the descriptor word of polygon e at the cell whose
// box (in degrees) is cell, but for the edges' numbers and directions
// (its number of edges and the faces' bits), where edges are all of e's
// edges that pass within the margin of it, in ring order; ok is false
// when e cannot be split there.
func splitFaces(e *polyEntry, edges []segment, cell orb.Bound) (desc uint32, ok bool) {
	if e.virtual != nil || len(edges) == 0 || len(edges) > splitMaxEdges {
		return 0, false // rule 4's oddities act along whole lines
	}
	var seen, covered [1 << splitMaxEdges]bool
	var buf [16]orb.Point
	for _, q := range splitSamples(edges, cell, buf[:0]) {
		face, certain := 0, true
		for k, sg := range edges {
			switch certainSide(sg.a, sg.b, q) {
			case 0:
				certain = false
			case 1:
				face |= 1 << k
			}
		}
		if !certain {
			continue
		}
		c := e.covers(q)
		if seen[face] && covered[face] != c {
			return 0, false // cannot happen if the faces are as above: do not rely on them
		}
		seen[face], covered[face] = true, c
	}
	desc = uint32(len(edges))
	for f := range 1 << len(edges) {
		if seen[f] {
			desc |= 1 << (splitFaceShift + 2*f)
		}
		if covered[f] {
			desc |= 2 << (splitFaceShift + 2*f)
		}
	}
	return desc, true
}

// splitSamples appends to pts the points at which splitFaces tests the
// polygon: around the point where two edges meet, every angle between
// their lines; failing that, both sides of each edge's part near the cell;
// failing that, the cell's centre. All lie within half the margin of the
// cell, where no other edge of the polygon comes.
func splitSamples(edges []segment, cell orb.Bound, pts []orb.Point) []orb.Point {
	r := flagMarginDeg / 4
	near := cell.Pad(flagMarginDeg / 2)
	around := func(v, u orb.Point) { // v ± r·u, where they lie near
		for _, q := range [2]orb.Point{{v[0] + r*u[0], v[1] + r*u[1]}, {v[0] - r*u[0], v[1] - r*u[1]}} {
			if near.Contains(q) { // false for NaN (u the zero vector)
				pts = append(pts, q)
			}
		}
	}
	var dirs [splitMaxEdges]orb.Point
	for k, sg := range edges {
		dirs[k] = unit(orb.Point{sg.b[0] - sg.a[0], sg.b[1] - sg.a[1]})
	}
	if len(edges) == 2 {
		d, e := dirs[0], dirs[1]
		for _, v := range sharedEnds(edges[0], edges[1]) {
			if near.Contains(v) {
				around(v, unit(orb.Point{d[0] + e[0], d[1] + e[1]}))
				around(v, unit(orb.Point{d[0] - e[0], d[1] - e[1]}))
			}
		}
	}
	if len(pts) == 0 {
		for k, sg := range edges {
			if m, ok := clippedMid(sg, near); ok {
				around(m, orb.Point{-dirs[k][1], dirs[k][0]})
			}
		}
	}
	if len(pts) == 0 {
		pts = append(pts, cell.Center())
	}
	return pts
}

// sharedEnds returns the ends two edges share (where they meet, the
// corners of the faces around it): none, one, or two for an edge and its
// reverse.
func sharedEnds(s, t segment) []orb.Point {
	var out []orb.Point
	for _, v := range [2]orb.Point{s.a, s.b} {
		if v == t.a || v == t.b {
			out = append(out, v)
		}
	}
	return out
}

// clippedMid returns the midpoint of the part of segment sg inside box b
// (Liang–Barsky); ok is false when the segment misses the box.
func clippedMid(sg segment, b orb.Bound) (orb.Point, bool) {
	t0, t1 := 0.0, 1.0
	d := orb.Point{sg.b[0] - sg.a[0], sg.b[1] - sg.a[1]}
	for axis := range 2 {
		lo, hi := b.Min[axis]-sg.a[axis], b.Max[axis]-sg.a[axis]
		if d[axis] == 0 {
			if lo > 0 || hi < 0 {
				return orb.Point{}, false
			}
			continue
		}
		u0, u1 := lo/d[axis], hi/d[axis]
		t0, t1 = math.Max(t0, math.Min(u0, u1)), math.Min(t1, math.Max(u0, u1))
	}
	if t0 > t1 {
		return orb.Point{}, false
	}
	t := (t0 + t1) / 2
	return orb.Point{sg.a[0] + t*d[0], sg.a[1] + t*d[1]}, true
}

// unit returns v scaled to length 1 (NaN for the zero vector, which the
// samples then drop).
func unit(v orb.Point) orb.Point {
	l := math.Hypot(v[0], v[1])
	return orb.Point{v[0] / l, v[1] / l}
}

// splitRefBit marks a palette reference to a split record: at its offset
// in the tile, the reference of its entries (a record the tile's cells
// with the same entries share), then its descriptors.
const splitRefBit = 1 << 31

// quickRecord returns the entries of the record that reference ref of tile
// stands for and, for a split record, its descriptors.
func quickRecord(ref uint32, tile []uint32, one *[1]uint32) (ents, descs []uint32) {
	if ref&splitRefBit != 0 {
		at := ref &^ splitRefBit
		return record(tile[at], tile, one), tile[at+1:]
	}
	return record(ref, tile, one), nil
}

// splitReader walks a record's split descriptors in entry order; its zero
// value reads a record that has none.
type splitReader struct {
	tile  []uint32 // the quick grid tile holding the record
	descs []uint32
	at    int
}

// next returns the next descriptor.
func (r *splitReader) next() uint32 {
	r.at++
	return r.descs[r.at-1]
}

// skip passes over entry e's descriptor, if it has one.
func (r *splitReader) skip(e uint32) {
	if e&entrySplit != 0 {
		r.at++
	}
}

// entryCovers reports whether the polygon of record entry e covers p: sure
// entries do, split ones say, others (and split ones unsure at p) are
// tested exactly. Every split entry of a record must pass through here or
// skip, in order, for sp to stay in step.
func (s *Snapshot) entryCovers(p orb.Point, e uint32, sp *splitReader) bool {
	switch {
	case e&entrySure != 0:
		return true
	case e&entrySplit != 0:
		if covered, ok := splitCovers(sp.next(), sp.tile, p); ok {
			return covered
		}
	}
	return s.polys.get(entrySlot(e)).covers(p)
}
