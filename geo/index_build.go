package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// Building the index, and why its answers are exact.
//
// Let region(c) be the set of points that H3 assigns to fine cell c, and
// region(K) = ∪ region(c) over the fine descendants c of coarse cell K (the
// points whose fine cell has parent K — exactly what Resolve computes).
//
//  1. Flagging. A fine cell c is flagged for polygon P when an edge of P
//     comes within a margin m of c's hexagon: the ring of H3's boundary
//     vertices joined by straight lines in lon/lat. H3's region(c) is
//     bounded by great-circle arcs between those vertices; m covers their
//     sag from the chords plus 5e-6° (~0.5 m). The flagged cells of an edge
//     are found by a walk from the cell of its first point over the
//     neighbours of flagged cells: a cell within m of the edge neighbours a
//     cell the edge crosses, and the cells an edge crosses follow one another
//     as neighbours, so the walk finds them all. So a cell not flagged for P
//     is at least ~0.5 m from every edge of P; region(c) is connected, hence
//     P's answer is the same at every point of it, namely its answer at c's
//     centre; and that far from every edge PostGIS's floating-point test
//     agrees with the exact geometry (each cross product's sign is certain).
//  2. Fine records. In a split coarse cell, every fine cell's record lists
//     the polygons flagged there as candidates (tested exactly per point),
//     and every other polygon that covers the cell's centre as sure. A
//     polygon flagged at no descendant of the coarse cell is far from all of
//     region(K), which is connected, so it is tested once, at K's centre.
//  3. Uniform coarse cells. A coarse cell with no flagged descendant has a
//     connected region(K) far from every edge, so one centre test answers
//     it. They are found by a flood over coarse cells starting next to the
//     split ones and crossing only uniform cells covered by something: a
//     uniform cell inside polygon P is joined to the split cells around P's
//     edges by a chain of uniform cells inside P. A coarse cell the flood
//     never stores, and a fine slot left empty, is covered by nothing.
//  4. PostGIS oddities that act far from the edges get virtual edges, so
//     rule 1 flags them too: a segment the rtree code skips as zero length
//     but that is not horizontal (and a ring that is not closed) changes the
//     winding number along horizontal lines through it, across the whole
//     box, and the answer then also changes at the float32 box's sides.
//
// H3 facts relied on, checked by the tests: a cell's centre lies in its own
// region, and region(c) is its boundary polygon; the fine descendants of a
// coarse cell are connected; neighbouring coarse cells have neighbouring
// descendants.

// Resolution choice.
const (
	minIndexRes  = 4         // coarsest fine resolution (coarse = minus fineDepth)
	maxIndexRes  = 13        // finest fine resolution (~44 m² cells)
	cellsPerUnit = 40.0      // a typical finest unit spans at least this many fine cells
	maxFineCells = 3e6       // build time and memory guard: estimated fine cells over the covered area
	metresPerDeg = 111_320.0 // for area estimates only
)

// builder holds the build's working state.
type builder struct {
	s    *Snapshot
	rs   *ruleSet
	res  int
	cres int

	segs     []segment // distinct edges (and virtual edges) to sample
	segStart []int32   // polygons of segment i: segPoly[segStart[i]:segStart[i+1]]
	segPoly  []int32
	pairs    []cellSeg // flagged (fine cell, segment), sorted by cell

	buckets *bboxBuckets
	coarse  map[uint64]uint32
	recs    *recordTable
}

// segment is one straight edge in lon/lat.
type segment struct{ a, b orb.Point }

// cellSeg says segment seg flags fine cell cell.
type cellSeg struct {
	cell uint64
	seg  int32
}

// build fills s's cell index from s.rules, at fine resolution res (0:
// chosen from the data).
func build(s *Snapshot, res int) error {
	b := &builder{s: s, rs: s.rules, coarse: map[uint64]uint32{}, recs: newRecordTable(s.rules)}
	b.chooseResolution(res)
	b.collectSegments()
	if err := b.flagSegments(); err != nil {
		return err
	}
	b.buckets = newBBoxBuckets(b.rs.polys)
	b.fillSplit()
	b.fillUniform()
	b.finish()
	return nil
}

// chooseResolution picks the fine resolution from the polygons' sizes: the
// coarsest at which a typical unit of the finest level present spans
// cellsPerUnit cells, made coarser while the covered area would need more
// than maxFineCells fine cells. One step finer makes resolves ~10-15% faster
// on a big city (fewer points need an exact test) but costs ~2.5 times the
// build time (every fine cell near an edge needs H3's cell boundary, every
// other one a centre test): the guard keeps a 50,000-grid city at ~4 s of
// build CPU instead of ~10.
func (b *builder) chooseResolution(force int) {
	finest, areas := -1, []float64(nil)
	perLevel := make(map[int]float64)
	for i := range b.rs.units {
		u := &b.rs.units[i]
		a := approxAreaM2(u.Geom)
		perLevel[u.Level.Rank()] += a
		if r := u.Level.Rank(); r > finest {
			finest, areas = r, areas[:0]
		}
		if u.Level.Rank() == finest {
			areas = append(areas, a)
		}
	}
	for i := range b.rs.enclaves {
		a := approxAreaM2(b.rs.enclaves[i].Geom)
		perLevel[-1] += a
		if finest < 0 {
			areas = append(areas, a)
		}
	}
	covered := 0.0
	for _, a := range perLevel {
		covered = math.Max(covered, a)
	}
	typical := 1e6
	if len(areas) > 0 {
		slices.Sort(areas)
		typical = math.Max(areas[len(areas)/2], 1)
	}
	b.res = maxIndexRes
	for r := minIndexRes; r <= maxIndexRes; r++ {
		if typical/hexAreaM2(r) >= cellsPerUnit {
			b.res = r
			break
		}
	}
	for b.res > minIndexRes && covered/hexAreaM2(b.res) > maxFineCells {
		b.res--
	}
	if force > 0 {
		b.res = max(fineDepth, min(force, h3MaxRes))
	}
	b.cres = b.res - fineDepth
	b.s.res, b.s.coarseRes = b.res, b.cres
	b.s.stats.Resolution, b.s.stats.CoarseResolution = b.res, b.cres
}

// hexAreaM2 is H3's average hexagon area at resolution r.
func hexAreaM2(r int) float64 {
	a, err := h3.HexagonAreaAvgM2(r)
	if err != nil || a <= 0 {
		return 1
	}
	return a
}

// approxAreaM2 is a planar area estimate (shells minus holes) in m², used
// only to choose the resolution.
func approxAreaM2(mp orb.MultiPolygon) float64 {
	total := 0.0
	for _, poly := range mp {
		for i, ring := range poly {
			a := 0.0
			lat := 0.0
			for j := 0; j+1 < len(ring); j++ {
				a += ring[j][0]*ring[j+1][1] - ring[j+1][0]*ring[j][1]
				lat += ring[j][1]
			}
			if len(ring) > 1 {
				lat /= float64(len(ring) - 1)
			}
			a = math.Abs(a) / 2 * metresPerDeg * metresPerDeg * math.Cos(lat*degToRad)
			if i == 0 {
				total += a
			} else {
				total -= a
			}
		}
	}
	return math.Max(total, 0)
}

// collectSegments lists every distinct edge once (neighbouring units share
// their edges, and coarser units reuse their children's), with the polygons
// that have it, plus the virtual edges of rule 4.
func (b *builder) collectSegments() {
	n := 0
	virtual := make([][]segment, len(b.rs.polys))
	for pid := range b.rs.polys {
		for _, r := range b.rs.polys[pid].rings() {
			n += len(r.pts)
		}
		virtual[pid] = b.rs.polys[pid].virtualEdges()
		n += len(virtual[pid])
	}
	index := newSegIndex(n)
	links := make([][2]int32, 0, n) // (segment, polygon); a ring of k points has k-1 segments
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
	for pid := range b.rs.polys {
		g := &b.rs.polys[pid]
		for _, r := range g.rings() {
			b.s.stats.Vertices += len(r.pts)
			for i := 0; r.micro > 0 && i+1 < len(r.pts); i++ {
				if isMicroSegment(r.pts[i], r.pts[i+1]) && r.pts[i] != r.pts[i+1] {
					b.s.stats.MicroSegments++ // not a repeated point: the two PostGIS paths differ
				}
			}
			for i := 0; i+1 < len(r.pts); i++ {
				add(r.pts[i], r.pts[i+1], pid)
			}
			if len(r.pts) == 1 {
				add(r.pts[0], r.pts[0], pid)
			}
		}
		for _, v := range virtual[pid] {
			add(v.a, v.b, pid)
		}
	}
	b.sortSegments(links)
	slices.SortFunc(links, func(x, y [2]int32) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) })
	links = slices.Compact(links)
	b.segStart = make([]int32, len(b.segs)+1)
	b.segPoly = make([]int32, len(links))
	for i, l := range links {
		b.segStart[l[0]+1]++
		b.segPoly[i] = l[1]
	}
	for i := 1; i < len(b.segStart); i++ {
		b.segStart[i] += b.segStart[i-1]
	}
	b.s.stats.Segments = len(b.segs)
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
