package geo

import (
	"cmp"
	"math"
	"slices"
	"time"

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

// builder holds a full build's working state.
type builder struct {
	ix    *Index
	fill  *cellFiller
	polys []*polyEntry // every entry, by slot (nil: a free slot)
	stats *SnapshotStats

	segs     []segment // distinct edges (and virtual edges) to sample
	segStart []int32   // polygons of segment i: segPoly[segStart[i]:segStart[i+1]]
	segPoly  []uint32
	pairs    []cellSeg // flagged (fine cell, segment), sorted by cell

	cells map[uint64]cellValue // coarse cell → its block or uniform record
}

// segment is one straight edge in lon/lat.
type segment struct{ a, b orb.Point }

// cellSeg says segment seg flags fine cell cell.
type cellSeg struct {
	cell uint64
	seg  int32
}

// NewIndex builds an index of the given current units and enclaves at a
// data version; Apply then follows changes. See NewSnapshot.
func NewIndex(units []Unit, enclaves []Enclave, version int64) (*Index, error) {
	return newIndexAt(units, enclaves, version, indexLayout{})
}

// indexLayout says how an index answers. The zero value is what NewIndex
// builds: the quick grid, and H3 cells only where the data is too wide for
// one. The tests force H3 cells at every resolution with it.
type indexLayout struct {
	cellsOnly bool // no quick grid: the H3 cells answer every point
	res       int  // with cellsOnly, the fine H3 resolution (0: chosen from the data)
}

// newIndexAt is NewIndex with the given layout.
func newIndexAt(units []Unit, enclaves []Enclave, version int64, layout indexLayout) (*Index, error) {
	start := time.Now()
	if err := checkInput(units, enclaves); err != nil {
		return nil, err
	}
	ix := newEmptyIndex(version)
	ix.addAll(units, enclaves)
	ix.buckets = newBBoxBuckets(&ix.snap.polys)
	if layout.cellsOnly {
		ix.quickOff = true
	} else {
		ix.buildQuick()
	}
	if ix.quickOff {
		if err := ix.buildCells(layout.res); err != nil {
			return nil, err
		}
	}
	ix.finishBuild(time.Since(start))
	return ix, nil
}

// buildCells builds the H3 cell table over the current polygons, at the
// fine resolution res (0: chosen from the data). An index needs it only
// when it has no quick grid: the grid answers every other point (NaN
// aside, which every polygon refuses), and keeping cells no lookup reads
// would cost memory, build time and, on every change, a recomputation of
// whole coarse cells, which at province scale (a coarser resolution) grows
// with the city's density rather than with the edit.
func (ix *Index) buildCells(res int) error {
	b := &builder{ix: ix, stats: &ix.snap.stats, cells: map[uint64]cellValue{}}
	for slot := uint32(0); slot < ix.snap.polys.n; slot++ {
		b.polys = append(b.polys, ix.snap.polys.get(slot)) // nil for a free slot
	}
	ix.res, ix.cres = b.chooseResolution(res)
	b.fill = ix.filler()
	b.collectSegments()
	if err := b.flagSegments(); err != nil {
		return err
	}
	b.fillSplit()
	b.fillUniform()
	ix.storeCells(b.cells)
	return nil
}

// addAll installs every unit and enclave in a slot, in rule order (so that
// neighbouring slots are tested together), with their chains.
func (ix *Index) addAll(units []Unit, enclaves []Enclave) {
	es := slices.Clone(enclaves)
	slices.SortFunc(es, func(a, b Enclave) int {
		return cmp.Or(compareArea(a.AreaM2, b.AreaM2), cmp.Compare(a.Code, b.Code))
	})
	us := slices.Clone(units)
	slices.SortFunc(us, func(a, b Unit) int {
		return cmp.Or(cmp.Compare(b.Level.Rank(), a.Level.Rank()), cmp.Compare(a.Code, b.Code))
	})
	for i := range es {
		ix.install(newEnclaveEntry(&es[i]))
	}
	for i := range us {
		ix.install(newUnitEntry(&us[i]))
	}
	// Nobody reads the entries yet, so their chains are set in place.
	ix.snap.polys.each(func(_ uint32, e *polyEntry) {
		if e.isUnit() {
			e.chain = ix.chainOf(e)
		}
	})
	ix.snap.polys.each(func(_ uint32, e *polyEntry) {
		if e.isEnc {
			e.ref, e.chain = ix.managerOf(e.parent, nil)
		}
	})
	ix.snap.polys.syncAnswers()
}

// chooseResolution picks the fine resolution from the polygons' sizes: the
// coarsest at which a typical unit of the finest level present spans
// cellsPerUnit cells, made coarser while the covered area would need more
// than maxFineCells fine cells. One step finer makes resolves ~10-15% faster
// on a big city (fewer points need an exact test) but costs ~2.5 times the
// build time (every fine cell near an edge needs H3's cell boundary, every
// other one a centre test): the guard keeps a 50,000-grid city at ~4 s of
// build CPU instead of ~10.
func (b *builder) chooseResolution(force int) (res, coarseRes int) {
	finest, areas := -1, []float64(nil)
	perLevel := make(map[int]float64)
	for _, e := range b.polys {
		if e == nil || e.isEnc {
			continue
		}
		a := approxAreaM2(e.geom())
		r := e.level().Rank()
		perLevel[r] += a
		if r > finest {
			finest, areas = r, areas[:0]
		}
		if r == finest {
			areas = append(areas, a)
		}
	}
	for _, e := range b.polys {
		if e == nil || e.isUnit() {
			continue
		}
		a := approxAreaM2(e.geom())
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
	res = maxIndexRes
	for r := minIndexRes; r <= maxIndexRes; r++ {
		if typical/hexAreaM2(r) >= cellsPerUnit {
			res = r
			break
		}
	}
	for res > minIndexRes && covered/hexAreaM2(res) > maxFineCells {
		res--
	}
	if force > 0 {
		res = max(fineDepth, min(force, h3MaxRes))
	}
	return res, res - fineDepth
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
