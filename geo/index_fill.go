package geo

import (
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// Filling the cell records (rules 2 and 3 of index_build.go).

// fillSplit stores every coarse cell that has a flagged descendant as a
// block of fine slots. Coarse cells are independent, so workers fill them
// in parallel, each interning records in its own table; the tables are
// merged afterwards.
func (b *builder) fillSplit() {
	var groups [][]cellSeg // the flags of one coarse cell each
	for i := 0; i < len(b.pairs); {
		k := cellParent(b.pairs[i].cell, b.cres)
		j := i + 1
		for j < len(b.pairs) && cellParent(b.pairs[j].cell, b.cres) == k {
			j++
		}
		groups = append(groups, b.pairs[i:j])
		i = j
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(groups)/64))
	chunk := (len(groups) + workers - 1) / max(workers, 1)
	type result struct {
		recs  *recordTable
		slots []uint32 // fineSlots per group, refs into recs
		stats SnapshotStats
	}
	results := make([]result, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := min(w*chunk, len(groups)), min((w+1)*chunk, len(groups))
		wg.Add(1)
		go func(w int, groups [][]cellSeg) {
			defer wg.Done()
			r := result{recs: newRecordTable(b.rs), slots: make([]uint32, 0, len(groups)*fineSlots)}
			for _, g := range groups {
				k := cellParent(g[0].cell, b.cres)
				r.slots = append(r.slots, b.splitSlots(k, g, r.recs, &r.stats)...)
			}
			results[w] = r
		}(w, groups[lo:hi])
	}
	wg.Wait()
	b.s.fine = make([]uint32, 0, len(groups)*fineSlots)
	for w, r := range results {
		remap := b.recs.merge(r.recs)
		lo := min(w*chunk, len(groups))
		for gi := 0; gi*fineSlots < len(r.slots); gi++ {
			slots := r.slots[gi*fineSlots : (gi+1)*fineSlots]
			for i, ref := range slots {
				if ref != 0 && ref&inlineBit == 0 {
					slots[i] = remap[ref]
				}
			}
			b.storeSplit(cellParent(groups[lo+gi][0].cell, b.cres), slots)
		}
		b.s.stats.BoundaryCells += r.stats.BoundaryCells
		b.s.stats.InteriorCells += r.stats.InteriorCells
		results[w] = result{}
	}
	b.pairs = nil
}

// storeSplit appends a split coarse cell's block of slots.
func (b *builder) storeSplit(k uint64, slots []uint32) {
	b.coarse[k] = uint32(len(b.s.fine) / fineSlots)
	b.s.fine = append(b.s.fine, slots...)
	b.s.stats.SplitCoarseCells++
}

// splitSlots computes the fine slots of coarse cell k from its descendants'
// flags (sorted by cell). A polygon flagged at no descendant of k is
// uniform over all of region(k) (rules 1 and 3), so it is tested once, at
// k's centre; a polygon flagged at some descendants is tested at the centre
// of each of the others. Neighbouring descendants flagged for nothing have
// the same record (together they form a connected region far from every
// edge), so each connected group of them gets one centre test.
func (b *builder) splitSlots(k uint64, flags []cellSeg, recs *recordTable, st *SnapshotStats) []uint32 {
	children, cands := b.childCandidates(k, flags)
	var flagged []int32 // flagged at some descendant
	for _, c := range cands {
		flagged = append(flagged, c...)
	}
	slices.Sort(flagged)
	flagged = slices.Compact(flagged)
	center := cellCenter(k)
	whole := b.sureAt(center, flagged) // the polygons uniform over k
	exact := cellParent(cellOf(center, b.res), b.cres) == k
	var group [fineSlots]int16 // slot of the group's first cell, or -1
	if exact {
		b.groupClearCells(k, children, cands, &group)
	} else {
		for i := range group {
			group[i] = -1 // not expected from H3: test every fine cell alone
		}
	}
	need := make([]uint64, fineSlots) // the cells whose centre is tested
	for off, c := range children {
		if group[off] < 0 || int(group[off]) == off {
			need[off] = c
		}
	}
	centers := make([]orb.Point, fineSlots)
	cellCenters(need, centers)
	slots := make([]uint32, fineSlots)
	for off, c := range need {
		if c == 0 {
			continue
		}
		if exact {
			slots[off] = recs.ref(b.childEntries(centers[off], cands[off], flagged, whole))
		} else {
			slots[off] = recs.ref(b.entries(centers[off], cands[off]))
		}
	}
	for off, c := range children {
		if c == 0 {
			continue // a deleted sub-sequence under a pentagon: no such cell
		}
		if group[off] >= 0 {
			slots[off] = slots[group[off]]
		}
		switch {
		case len(cands[off]) > 0:
			st.BoundaryCells++
		case slots[off] != 0:
			st.InteriorCells++
		}
	}
	return slots
}

// groupClearCells labels the connected groups of k's descendants that are
// flagged for no polygon: group[off] is the slot of the group's first cell,
// -1 for flagged or missing cells.
func (b *builder) groupClearCells(k uint64, children []uint64, cands [][]int32, group *[fineSlots]int16) {
	for i := range group {
		group[i] = -1
	}
	isClear := func(off int) bool { return children[off] != 0 && len(cands[off]) == 0 }
	var queue []int
	for first := range children {
		if !isClear(first) || group[first] >= 0 {
			continue
		}
		group[first] = int16(first)
		queue = append(queue[:0], first)
		for len(queue) > 0 {
			off := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			for _, n := range cellNeighbours(children[off]) {
				if n == 0 || cellParent(n, b.cres) != k {
					continue
				}
				if no := fineOffset(n, b.cres); children[no] == n && isClear(no) && group[no] < 0 {
					group[no] = int16(first)
					queue = append(queue, no)
				}
			}
		}
	}
}

// childCandidates lists k's fine descendants (0 for non-existent ones
// under a pentagon) and the polygons flagged at each.
func (b *builder) childCandidates(k uint64, flags []cellSeg) ([]uint64, [][]int32) {
	pentagon := h3.Cell(k).IsPentagon()
	children := make([]uint64, fineSlots)
	cands := make([][]int32, fineSlots)
	for off := range children {
		c := fineChild(k, b.cres, off)
		if pentagon && !h3.Cell(c).IsValid() {
			continue
		}
		children[off] = c
		for len(flags) > 0 && flags[0].cell < c {
			flags = flags[1:] // cannot happen for valid cells; keeps the scan safe
		}
		var cs []int32
		for len(flags) > 0 && flags[0].cell == c {
			sg := flags[0].seg
			cs = append(cs, b.segPoly[b.segStart[sg]:b.segStart[sg+1]]...)
			flags = flags[1:]
		}
		slices.Sort(cs)
		cands[off] = slices.Compact(cs)
	}
	return children, cands
}

// childEntries is the record of a fine cell with the given centre: its
// candidates, the polygons flagged elsewhere in the coarse cell that cover
// the centre, and the polygons uniform over the coarse cell (whole), in id
// order.
func (b *builder) childEntries(center orb.Point, cands, flagged []int32, whole []uint32) []uint32 {
	ents := slices.Clone(whole)
	for _, id := range cands {
		ents = append(ents, uint32(id)<<1)
	}
	b.buckets.each(center, func(id int32) {
		if _, ok := slices.BinarySearch(flagged, id); !ok {
			return // uniform over the coarse cell: in whole already
		}
		if _, ok := slices.BinarySearch(cands, id); !ok && b.rs.polys[id].covers(center) {
			ents = append(ents, uint32(id)<<1|entrySure)
		}
	})
	slices.Sort(ents)
	return ents
}

// fineChild is the fine descendant of coarse cell k in slot off: the
// inverse of fineOffset.
func fineChild(k uint64, coarseRes, off int) uint64 {
	var digits [fineDepth]int
	for i := fineDepth - 1; i >= 0; i-- {
		digits[i] = off % 7
		off /= 7
	}
	return cellChild(k, coarseRes, digits[:]...)
}

// fillUniform floods from the split coarse cells over the coarse cells with
// no flagged descendant, storing each that something covers (rule 3).
func (b *builder) fillUniform() {
	seen := make(map[uint64]bool, 2*len(b.coarse))
	var queue []uint64
	push := func(k uint64) {
		for _, n := range cellNeighbours(k) {
			if n != 0 && !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	split := make([]uint64, 0, len(b.coarse))
	for k := range b.coarse {
		split = append(split, k)
		seen[k] = true
	}
	slices.Sort(split) // deterministic builds
	for _, k := range split {
		push(k)
	}
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		center := cellCenter(k)
		if cellParent(cellOf(center, b.res), b.cres) != k {
			// Not expected from H3; answer this cell per fine cell instead.
			b.s.stats.CenterMismatches++
			b.storeSplit(k, b.splitSlots(k, nil, b.recs, &b.s.stats))
			push(k)
			continue
		}
		ref := b.recs.ref(b.entries(center, nil))
		if ref == 0 {
			continue // covered by nothing: leave it out, and do not cross it
		}
		b.coarse[k] = uniformBit | ref
		b.s.stats.UniformCoarseCells++
		push(k)
	}
}

// entries returns the record of a point whose candidates (polygon ids,
// sorted) are cands: the candidates, plus every other polygon covering the
// point as sure, in id order.
func (b *builder) entries(p orb.Point, cands []int32) []uint32 {
	ents := b.sureAt(p, cands)
	for _, id := range cands {
		ents = append(ents, uint32(id)<<1)
	}
	slices.Sort(ents)
	return ents
}

// sureAt returns, as sure entries in id order, the polygons other than
// those in exclude (sorted) that cover p.
func (b *builder) sureAt(p orb.Point, exclude []int32) []uint32 {
	var ents []uint32
	b.buckets.each(p, func(id int32) {
		if _, found := slices.BinarySearch(exclude, id); !found && b.rs.polys[id].covers(p) {
			ents = append(ents, uint32(id)<<1|entrySure)
		}
	})
	return ents
}

// finish moves the coarse map and the records into the snapshot.
func (b *builder) finish() {
	b.s.coarse = newCellTable(len(b.coarse))
	for k, v := range b.coarse {
		b.s.coarse.put(k, v)
	}
	b.s.recEnt = slices.Clip(b.recs.ent)
	b.s.stats.Records = b.recs.n
	b.s.fine = slices.Clip(b.s.fine)
	b.coarse, b.recs = nil, nil
}

// bboxBuckets finds the polygons whose float box contains a point, for the
// build's centre tests: a uniform grid over the data, each bucket listing the
// polygons whose box meets it. Buckets are assigned by a monotone function
// of the coordinates, so a point inside a box always lands in a bucket that
// lists the polygon.
type bboxBuckets struct {
	x0, y0, sx, sy float64
	nx, ny         int
	start          []int32
	ids            []int32
	polys          []pipPoly
}

// newBBoxBuckets indexes the polygons' float boxes.
func newBBoxBuckets(polys []pipPoly) *bboxBuckets {
	bk := &bboxBuckets{polys: polys, x0: math.Inf(1), y0: math.Inf(1)}
	x1, y1 := math.Inf(-1), math.Inf(-1)
	for i := range polys {
		if g := &polys[i]; g.fx0 <= g.fx1 {
			bk.x0, bk.y0 = math.Min(bk.x0, g.fx0), math.Min(bk.y0, g.fy0)
			x1, y1 = math.Max(x1, g.fx1), math.Max(y1, g.fy1)
		}
	}
	if bk.x0 > x1 {
		bk.start = []int32{0, 0}
		bk.nx, bk.ny = 1, 1
		return bk
	}
	n := int(math.Min(256, math.Max(1, math.Sqrt(float64(len(polys))))))
	bk.nx, bk.ny = n, n
	if x1 > bk.x0 {
		bk.sx = float64(n) / (x1 - bk.x0)
	}
	if y1 > bk.y0 {
		bk.sy = float64(n) / (y1 - bk.y0)
	}
	counts := make([]int32, n*n+1)
	bk.visit(func(b int, _ int32) { counts[b+1]++ })
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	bk.start = counts
	bk.ids = make([]int32, counts[n*n])
	fill := slices.Clone(counts[:n*n])
	bk.visit(func(b int, id int32) { bk.ids[fill[b]] = id; fill[b]++ })
	return bk
}

// visit calls fn for every (bucket, polygon) pair of the index.
func (bk *bboxBuckets) visit(fn func(bucket int, id int32)) {
	for id := range bk.polys {
		g := &bk.polys[id]
		if g.fx0 > g.fx1 {
			continue
		}
		ix0, ix1 := bk.col(g.fx0), bk.col(g.fx1)
		iy0, iy1 := bk.row(g.fy0), bk.row(g.fy1)
		for iy := iy0; iy <= iy1; iy++ {
			for ix := ix0; ix <= ix1; ix++ {
				fn(iy*bk.nx+ix, int32(id))
			}
		}
	}
}

// col and row map a coordinate to a bucket column or row, clamped.
func (bk *bboxBuckets) col(x float64) int { return clampInt(int((x-bk.x0)*bk.sx), bk.nx) }
func (bk *bboxBuckets) row(y float64) int { return clampInt(int((y-bk.y0)*bk.sy), bk.ny) }

// clampInt clamps k to 0..n-1.
func clampInt(k, n int) int { return max(0, min(k, n-1)) }

// each calls fn for every polygon whose float box contains p.
func (bk *bboxBuckets) each(p orb.Point, fn func(id int32)) {
	b := bk.row(p[1])*bk.nx + bk.col(p[0])
	for _, id := range bk.ids[bk.start[b]:bk.start[b+1]] {
		g := &bk.polys[id]
		if p[0] >= g.fx0 && p[0] <= g.fx1 && p[1] >= g.fy0 && p[1] <= g.fy1 {
			fn(id)
		}
	}
}
