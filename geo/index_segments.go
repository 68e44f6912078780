package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// The edges of the polygons: the segments the flagging walks along.

// collectSegments lists every distinct edge once (neighbouring units share
// their edges, and coarser units reuse their children's), with the polygons
// that have it, plus the virtual edges of rule 4.
func (b *builder) collectSegments() {
	n := 0
	for _, e := range b.polys {
		if e == nil {
			continue
		}
		for _, r := range e.pip.rings() {
			n += len(r.pts)
		}
		n += len(e.virtual)
	}
	index := newSegIndex(n)
	links := make([][2]int32, 0, n) // (segment, slot); a ring of k points has k-1 segments
	b.segs = make([]segment, 0, n/2+16)
	add := func(a, c orb.Point, poly int) {
		if c[0] < a[0] || (c[0] == a[0] && c[1] < a[1]) {
			a, c = c, a
		}
		id := index.find(segment{a, c}, b.segs)
		if id < 0 {
			id = int32(len(b.segs))
			b.segs = append(b.segs, segment{a, c})
			index.insert(segment{a, c}, id)
		}
		links = append(links, [2]int32{id, int32(poly)})
	}
	for pid, e := range b.polys {
		if e == nil {
			continue
		}
		for _, r := range e.pip.rings() {
			b.stats.Vertices += len(r.pts)
			for i := 0; r.micro > 0 && i+1 < len(r.pts); i++ {
				if isMicroSegment(r.pts[i], r.pts[i+1]) && r.pts[i] != r.pts[i+1] {
					b.stats.MicroSegments++ // not a repeated point: the two PostGIS paths differ
				}
			}
			r.eachSegment(func(a, c orb.Point) { add(a, c, pid) })
		}
		for _, v := range e.virtual {
			add(v.a, v.b, pid)
		}
	}
	b.sortSegments(links)
	slices.SortFunc(links, func(x, y [2]int32) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) })
	links = slices.Compact(links)
	b.segStart = make([]int32, len(b.segs)+1)
	b.segPoly = make([]uint32, len(links))
	for i, l := range links {
		b.segStart[l[0]+1]++
		b.segPoly[i] = uint32(l[1])
	}
	for i := 1; i < len(b.segStart); i++ {
		b.segStart[i] += b.segStart[i-1]
	}
	b.stats.Segments = len(b.segs)
}

// segIndex finds segments by their (normalised) end points: an open-
// addressing table of segment ids, faster than a map with array keys.
type segIndex struct {
	ids   []int32 // id+1; 0 is free
	shift uint
}

func newSegIndex(n int) *segIndex {
	bits := uint(4)
	for 1<<bits < 2*n+16 {
		bits++
	}
	return &segIndex{ids: make([]int32, 1<<bits), shift: 64 - bits}
}

func (x *segIndex) home(sg segment) int {
	h := uint64(0)
	for _, v := range [4]float64{sg.a[0], sg.a[1], sg.b[0], sg.b[1]} {
		h = (h ^ math.Float64bits(v)) * 0x9E3779B97F4A7C15
		h ^= h >> 29
	}
	return int(h * 0xBF58476D1CE4E5B9 >> x.shift)
}

// find returns sg's id, or -1.
func (x *segIndex) find(sg segment, segs []segment) int32 {
	mask := len(x.ids) - 1
	for i := x.home(sg); x.ids[i] != 0; i = (i + 1) & mask {
		if segs[x.ids[i]-1] == sg {
			return x.ids[i] - 1
		}
	}
	return -1
}

// insert adds sg (not present) with the given id.
func (x *segIndex) insert(sg segment, id int32) {
	mask := len(x.ids) - 1
	i := x.home(sg)
	for x.ids[i] != 0 {
		i = (i + 1) & mask
	}
	x.ids[i] = id + 1
}

// sortSegments renumbers the segments in Morton order of their midpoints,
// so that the flagging workers, which take contiguous runs, walk nearby
// cells one after another and their hexagon caches hit.
func (b *builder) sortSegments(links [][2]int32) {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, sg := range b.segs {
		x0, x1 = math.Min(x0, math.Min(sg.a[0], sg.b[0])), math.Max(x1, math.Max(sg.a[0], sg.b[0]))
		y0, y1 = math.Min(y0, math.Min(sg.a[1], sg.b[1])), math.Max(y1, math.Max(sg.a[1], sg.b[1]))
	}
	keys := make([]uint64, len(b.segs))
	order := make([]int32, len(b.segs))
	for i, sg := range b.segs {
		keys[i] = morton((sg.a[0]+sg.b[0])/2, (sg.a[1]+sg.b[1])/2, x0, y0, x1, y1)
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int { return cmp.Compare(keys[i], keys[j]) })
	newID := make([]int32, len(b.segs))
	segs := make([]segment, len(b.segs))
	for n, old := range order {
		newID[old] = int32(n)
		segs[n] = b.segs[old]
	}
	b.segs = segs
	for i := range links {
		links[i][0] = newID[links[i][0]]
	}
}

// morton interleaves the bits of x and y quantised to 2^21 steps over the box.
func morton(x, y, x0, y0, x1, y1 float64) uint64 {
	q := func(v, lo, hi float64) uint64 {
		if hi <= lo {
			return 0
		}
		return uint64(math.Min(math.Max((v-lo)/(hi-lo), 0), 1) * (1<<21 - 1))
	}
	spread := func(v uint64) uint64 {
		var out uint64
		for i := 0; i < 21; i++ {
			out |= (v >> i & 1) << (2 * i)
		}
		return out
	}
	return spread(q(x, x0, x1)) | spread(q(y, y0, y1))<<1
}

// eachSegment calls fn for every segment of the ring as the flagging sees
// it: consecutive points, and a one-point ring as a zero-length segment.
func (r *pipRing) eachSegment(fn func(a, b orb.Point)) {
	for i := 0; i+1 < len(r.pts); i++ {
		fn(r.pts[i], r.pts[i+1])
	}
	if len(r.pts) == 1 {
		fn(r.pts[0], r.pts[0])
	}
}

// rings lists all rings of the polygon.
func (g *pipPoly) rings() []*pipRing {
	var out []*pipRing
	for i := 0; i < g.parts; i++ {
		part := g.part(i)
		out = append(out, &part.shell)
		for j := range part.holes {
			out = append(out, &part.holes[j])
		}
	}
	return out
}

// virtualEdges returns the edges of rule 4: for every gap in a ring (a
// skipped, non-horizontal micro segment, or the missing closing segment of
// an open ring), horizontal lines through both ends across the float box,
// and then the box's four sides. Normal polygons have none.
func (g *pipPoly) virtualEdges() []segment {
	var out []segment
	for _, r := range g.rings() {
		pts := r.pts
		for i := 0; i+1 < len(pts); i++ {
			if isMicroSegment(pts[i], pts[i+1]) && pts[i][1] != pts[i+1][1] {
				out = append(out, g.horizontal(pts[i][1]), g.horizontal(pts[i+1][1]))
			}
		}
		if n := len(pts); n >= 2 && pts[0] != pts[n-1] {
			out = append(out, g.horizontal(pts[0][1]), g.horizontal(pts[n-1][1]))
		}
	}
	if len(out) > 0 {
		a, c := orb.Point{g.fx0, g.fy0}, orb.Point{g.fx1, g.fy1}
		out = append(out, segment{a, orb.Point{c[0], a[1]}}, segment{orb.Point{c[0], a[1]}, c},
			segment{c, orb.Point{a[0], c[1]}}, segment{orb.Point{a[0], c[1]}, a})
	}
	return out
}

// horizontal is the line y across the polygon's float box.
func (g *pipPoly) horizontal(y float64) segment {
	return segment{orb.Point{g.fx0, y}, orb.Point{g.fx1, y}}
}
