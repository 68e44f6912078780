package geo

import (
	"runtime"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// Filling the cell records (rules 2 and 3 of index_build.go). A full build
// and an applied change compute a coarse cell the same way, from the
// candidates flagged at its fine descendants; they differ only in how they
// find those (index_flag.go).

// cellFiller computes the contents of coarse cells from the current
// polygons.
type cellFiller struct {
	res, cres int
	polys     *polyTable
	buckets   *bboxBuckets
}

// splitBlock computes the block of coarse cell k: children[off] is its fine
// descendant in slot off (0 for a sequence missing under a pentagon) and
// cands[off] the slots flagged there (sorted, unique). A polygon flagged at
// no descendant of k is uniform over all of region(k) (rules 1 and 3), so
// it is tested once, at k's centre; a polygon flagged at some descendants
// is tested at the centre of each of the others. Neighbouring descendants
// flagged for nothing have the same record (together they form a connected
// region far from every edge), so each connected group of them gets one
// centre test. st, if not nil, counts the cells.
func (f *cellFiller) splitBlock(k uint64, children []uint64, cands [][]uint32, st *SnapshotStats) fineBlock {
	var flagged []uint32 // flagged at some descendant
	for _, c := range cands {
		flagged = append(flagged, c...)
	}
	slices.Sort(flagged)
	flagged = slices.Compact(flagged)
	center := cellCenter(k)
	whole := f.sureAt(center, flagged) // the polygons uniform over k
	exact := cellParent(cellOf(center, f.res), f.cres) == k
	var group [fineSlots]int16 // slot of the group's first cell, or -1
	if exact {
		f.groupClearCells(k, children, cands, &group)
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
	var refs [fineSlots]uint32
	pool := newRecordPool(fineSlots)
	for off, c := range need {
		if c == 0 {
			continue
		}
		var ents []uint32
		if exact {
			ents = f.childEntries(centers[off], cands[off], flagged, whole)
		} else {
			ents = f.entries(centers[off], cands[off])
		}
		refs[off] = pool.ref(ents)
	}
	for off, c := range children {
		if c == 0 {
			continue // a deleted sub-sequence under a pentagon: no such cell
		}
		if group[off] >= 0 {
			refs[off] = refs[group[off]]
		}
		if st == nil {
			continue
		}
		switch {
		case len(cands[off]) > 0:
			st.BoundaryCells++
		case refs[off] != 0:
			st.InteriorCells++
		}
	}
	return newFineBlock(&refs, pool)
}

// groupClearCells labels the connected groups of k's descendants that are
// flagged for no polygon: group[off] is the slot of the group's first cell,
// -1 for flagged or missing cells.
func (f *cellFiller) groupClearCells(k uint64, children []uint64, cands [][]uint32, group *[fineSlots]int16) {
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
				if n == 0 || cellParent(n, f.cres) != k {
					continue
				}
				if no := fineOffset(n, f.cres); children[no] == n && isClear(no) && group[no] < 0 {
					group[no] = int16(first)
					queue = append(queue, no)
				}
			}
		}
	}
}

// fineChildren lists k's fine descendants by slot, 0 for the sequences
// that do not exist under a pentagon.
func (f *cellFiller) fineChildren(k uint64) []uint64 {
	pentagon := h3.Cell(k).IsPentagon()
	children := make([]uint64, fineSlots)
	for off := range children {
		c := fineChild(k, f.cres, off)
		if pentagon && !h3.Cell(c).IsValid() {
			continue
		}
		children[off] = c
	}
	return children
}

// childEntries is the record of a fine cell with the given centre: its
// candidates, the polygons flagged elsewhere in the coarse cell that cover
// the centre, and the polygons uniform over the coarse cell (whole).
func (f *cellFiller) childEntries(center orb.Point, cands, flagged []uint32, whole []uint32) []uint32 {
	ents := slices.Clone(whole)
	for _, slot := range cands {
		ents = append(ents, makeEntry(slot, f.polys.get(slot).class, false))
	}
	f.buckets.each(center, func(slot uint32, e *polyEntry) {
		if _, ok := slices.BinarySearch(flagged, slot); !ok {
			return // uniform over the coarse cell: in whole already
		}
		if _, ok := slices.BinarySearch(cands, slot); !ok && e.covers(center) {
			ents = append(ents, makeEntry(slot, e.class, true))
		}
	})
	return f.finish(ents)
}

// entries returns the record of a point whose candidates (slots, sorted)
// are cands: the candidates, plus every other polygon covering the point as
// sure.
func (f *cellFiller) entries(p orb.Point, cands []uint32) []uint32 {
	ents := f.sureAt(p, cands)
	for _, slot := range cands {
		ents = append(ents, makeEntry(slot, f.polys.get(slot).class, false))
	}
	return f.finish(ents)
}

// sureAt returns, as sure entries, the polygons other than those in
// exclude (sorted) that cover p.
func (f *cellFiller) sureAt(p orb.Point, exclude []uint32) []uint32 {
	var ents []uint32
	f.buckets.each(p, func(slot uint32, e *polyEntry) {
		if _, found := slices.BinarySearch(exclude, slot); !found && e.covers(p) {
			ents = append(ents, makeEntry(slot, e.class, true))
		}
	})
	return ents
}

// finish puts a record into rule order and prunes it.
func (f *cellFiller) finish(ents []uint32) []uint32 {
	f.polys.sortEntries(ents)
	return pruneRecord(ents)
}

// coarseProbe returns a point of region(k) at which a polygon flagged at no
// descendant of k is tested: k's centre, or the centre of its first fine
// descendant when H3 puts k's centre in another coarse cell (not expected).
func (f *cellFiller) coarseProbe(k uint64) (p orb.Point, exact bool) {
	p = cellCenter(k)
	if cellParent(cellOf(p, f.res), f.cres) == k {
		return p, true
	}
	for _, c := range f.fineChildren(k) {
		if c != 0 {
			return cellCenter(c), false
		}
	}
	return p, false
}

// fillSplit stores every coarse cell that has a flagged descendant as a
// block of fine slots. Coarse cells are independent, so workers fill them
// in parallel.
func (b *builder) fillSplit() {
	var groups [][]cellSeg // the flags of one coarse cell each
	for i := 0; i < len(b.pairs); {
		k := cellParent(b.pairs[i].cell, b.fill.cres)
		j := i + 1
		for j < len(b.pairs) && cellParent(b.pairs[j].cell, b.fill.cres) == k {
			j++
		}
		groups = append(groups, b.pairs[i:j])
		i = j
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(groups)/64))
	chunk := (len(groups) + workers - 1) / max(workers, 1)
	blocks := make([]fineBlock, len(groups))
	stats := make([]SnapshotStats, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := min(w*chunk, len(groups)), min((w+1)*chunk, len(groups))
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			for gi := lo; gi < hi; gi++ {
				k := cellParent(groups[gi][0].cell, b.fill.cres)
				children, cands := b.childCandidates(k, groups[gi])
				blocks[gi] = b.fill.splitBlock(k, children, cands, &stats[w])
			}
		}(w, lo, hi)
	}
	wg.Wait()
	for gi, g := range groups {
		k := cellParent(g[0].cell, b.fill.cres)
		b.cells[k] = cellValue{key: k, block: blocks[gi]}
	}
	for _, st := range stats {
		b.stats.BoundaryCells += st.BoundaryCells
		b.stats.InteriorCells += st.InteriorCells
	}
	b.stats.SplitCoarseCells = len(groups)
	b.pairs = nil
}

// childCandidates lists k's fine descendants and the slots flagged at each.
func (b *builder) childCandidates(k uint64, flags []cellSeg) ([]uint64, [][]uint32) {
	children := b.fill.fineChildren(k)
	cands := make([][]uint32, fineSlots)
	for off, c := range children {
		if c == 0 {
			continue
		}
		for len(flags) > 0 && flags[0].cell < c {
			flags = flags[1:] // cannot happen for valid cells; keeps the scan safe
		}
		var cs []uint32
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
	seen := make(map[uint64]bool, 2*len(b.cells))
	var queue []uint64
	push := func(k uint64) {
		for _, n := range cellNeighbours(k) {
			if n != 0 && !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	split := make([]uint64, 0, len(b.cells))
	for k := range b.cells {
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
		v := b.fill.uniformCell(k, b.stats)
		if v.block == nil && len(v.uniform) == 0 {
			continue // covered by nothing: leave it out, and do not cross it
		}
		b.cells[k] = v
		push(k)
	}
}

// uniformCell computes a coarse cell with no flagged descendant: one
// record for all of it or, when H3 puts its centre elsewhere (not
// expected), a block answering per fine cell.
func (f *cellFiller) uniformCell(k uint64, st *SnapshotStats) cellValue {
	center, exact := f.coarseProbe(k)
	if !exact {
		if st != nil {
			st.CenterMismatches++
			st.SplitCoarseCells++
		}
		blk := f.splitBlock(k, f.fineChildren(k), make([][]uint32, fineSlots), st)
		return cellValue{key: k, block: blk}
	}
	ents := f.entries(center, nil)
	if len(ents) > 0 && st != nil {
		st.UniformCoarseCells++
	}
	return cellValue{key: k, uniform: ents}
}
