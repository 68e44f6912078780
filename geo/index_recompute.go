package geo

import (
	"slices"

	"github.com/paulmach/orb"
)

// The cells a change touches (its footprints) and their recomputation from
// the current polygons (see index_live.go).

// footprint adds to into the H3 coarse cells whose record may name e: those
// with a descendant flagged for one of e's edges, and those e covers
// wholly, found by a flood from the former over cells whose probe point e
// covers. It also notes e's box, where the quick grid is recomputed
// (updateQuick).
func (ix *Index) footprint(e *polyEntry, into map[uint64]bool) error {
	if box, ok := e.pip.box(); ok {
		ix.dirty = append(ix.dirty, box)
	}
	if !ix.hasCells() {
		return nil // the quick grid answers: its tiles in the box are all that change
	}
	edge := map[uint64]bool{}
	var cells []uint64
	var failed bool
	flag := func(sg segment) {
		var ok bool
		if cells, ok = ix.flagger.cells(sg, cells[:0]); !ok {
			failed = true
		}
		for _, c := range cells {
			k := cellParent(c, ix.cres)
			edge[k], into[k] = true, true
		}
	}
	for _, r := range e.pip.rings() {
		r.eachSegment(func(a, b orb.Point) { flag(segment{a, b}) })
	}
	for _, v := range e.virtual {
		flag(v)
	}
	if failed {
		return Errorf(EINTERNAL, "", "H3 could not place an edge of %s; the index would not be exact", e.code)
	}
	f := ix.filler()
	seen := map[uint64]bool{}
	var queue []uint64
	push := func(k uint64) {
		for _, n := range cellNeighbours(k) {
			if n != 0 && !edge[n] && !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	for k := range edge {
		push(k)
	}
	for len(queue) > 0 {
		k := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if p, _ := f.coarseProbe(k); e.covers(p) {
			into[k] = true
			push(k)
		}
	}
	return nil
}

// recompute computes every affected coarse cell afresh and stores the
// results in the new snapshot's cell table.
func (ix *Index) recompute(prev *Snapshot, affected map[uint64]bool) {
	keys := make([]uint64, 0, len(affected))
	for k := range affected {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	f := ix.filler()
	st := &ix.snap.stats
	changes := make([]cellValue, 0, len(keys))
	for _, k := range keys {
		v := ix.computeCell(f, k)
		changes = append(changes, v)
		if _, old := prev.cells.get(k); old != nil {
			if old.block == nil {
				st.UniformCoarseCells--
			} else {
				st.SplitCoarseCells--
			}
		}
		switch {
		case v.block != nil:
			st.SplitCoarseCells++
		case len(v.uniform) > 0:
			st.UniformCoarseCells++
		}
	}
	ix.snap.cells = prev.cells.update(changes)
}

// computeCell computes coarse cell k from the current polygons. A cell no
// edge comes near (most of a large polygon's inside) is uniform: it is told
// so before its fine descendants are listed, which would cost as much as
// the cells of a whole coarse cell near edges.
func (ix *Index) computeCell(f *cellFiller, k uint64) cellValue {
	if !ix.edgesNear(k) {
		return f.uniformCell(k, nil)
	}
	children := f.fineChildren(k)
	cands, flagged := ix.flagsIn(k, children)
	if !flagged {
		return f.uniformCell(k, nil)
	}
	return cellValue{key: k, block: f.splitBlock(k, children, cands, nil)}
}

// flagsIn finds the candidates of k's fine descendants: for every polygon
// with an edge near region(k), the descendants within the margin of it.
// Neighbouring units share their edges, and coarser units reuse their
// children's, so each distinct segment is walked once for all its polygons.
func (ix *Index) flagsIn(k uint64, children []uint64) (cands [][]uint32, flagged bool) {
	box := coarseBox(k)
	owners := map[segment][]uint32{}
	var order []segment
	ix.buckets.eachBox(box, func(slot uint32, e *polyEntry) {
		e.eachSegmentIn(box, func(sg segment) {
			if sg.b[0] < sg.a[0] || (sg.b[0] == sg.a[0] && sg.b[1] < sg.a[1]) {
				sg.a, sg.b = sg.b, sg.a
			}
			if _, ok := owners[sg]; !ok {
				order = append(order, sg)
			}
			owners[sg] = append(owners[sg], slot)
		})
	})
	cands = make([][]uint32, fineSlots)
	var cells []uint64
	for _, sg := range order {
		cells = ix.flagger.cellsIn(sg, box, cells[:0])
		for _, c := range cells {
			if cellParent(c, ix.cres) != k {
				continue
			}
			if off := fineOffset(c, ix.cres); children[off] == c {
				cands[off] = append(cands[off], owners[sg]...)
				flagged = true
			}
		}
	}
	for off := range cands {
		slices.Sort(cands[off])
		cands[off] = slices.Compact(cands[off])
	}
	return cands, flagged
}

// edgesNear reports whether a polygon's edge (or virtual edge) meets
// coarse cell k's box, the box flagsIn looks for edges in: without one,
// flagsIn flags nothing.
func (ix *Index) edgesNear(k uint64) bool {
	box := coarseBox(k)
	near := false
	ix.buckets.eachBox(box, func(_ uint32, e *polyEntry) {
		if !near {
			e.eachSegmentIn(box, func(segment) { near = true })
		}
	})
	return near
}

// coarseBox is a box holding every fine descendant of coarse cell k with
// room for the flag margin: the coarse hexagon's box grown by 30% of its
// half size on every side. H3 descendants three resolutions down stay
// within about 1.05 times the coarse cell's circumradius of its centre (the
// offsets of the children's centres, 0.655 of the parent's radius per
// level, plus the last circumradius), and a hexagon's box reaches at least
// 0.866 of that radius from its centre on every side: 1.05/0.866 < 1.3.
// TestCoarseBoxHoldsDescendants checks it.
func coarseBox(k uint64) orb.Bound {
	pts, n := cellBoundary(k)
	b := orb.Bound{Min: pts[0], Max: pts[0]}
	for _, p := range pts[1:n] {
		b = b.Extend(p)
	}
	padX := 0.3*(b.Max[0]-b.Min[0])/2 + 2*flagMarginDeg
	padY := 0.3*(b.Max[1]-b.Min[1])/2 + 2*flagMarginDeg
	return orb.Bound{Min: orb.Point{b.Min[0] - padX, b.Min[1] - padY}, Max: orb.Point{b.Max[0] + padX, b.Max[1] + padY}}
}

// eachSegmentIn calls fn for every segment of the polygon (and virtual
// edge) whose box meets box.
func (e *polyEntry) eachSegmentIn(box orb.Bound, fn func(segment)) {
	for _, r := range e.pip.rings() {
		r.segmentsIn(box, fn)
	}
	for _, v := range e.virtual {
		if segmentMeets(v, box) {
			fn(v)
		}
	}
}

// segmentsIn calls fn for every segment of the ring whose box meets box,
// using the ring's y-bands when it has them.
func (r *pipRing) segmentsIn(box orb.Bound, fn func(segment)) {
	if r.ymax < box.Min[1] || r.ymin > box.Max[1] {
		return
	}
	if r.bands == nil || r.micro > 0 { // bands leave out skipped segments; scan
		r.eachSegment(func(a, b orb.Point) {
			if sg := (segment{a, b}); segmentMeets(sg, box) {
				fn(sg)
			}
		})
		return
	}
	bd := r.bands
	lo, hi := bd.bandOf(box.Min[1]), bd.bandOf(box.Max[1])
	for k := lo; k <= hi; k++ {
		for _, i := range bd.seg[bd.start[k]:bd.start[k+1]] {
			sg := segment{r.pts[i], r.pts[i+1]}
			if max(lo, bd.bandOf(min(sg.a[1], sg.b[1]))) != k {
				continue // filed under an earlier band of the range too: seen there
			}
			if segmentMeets(sg, box) {
				fn(sg)
			}
		}
	}
}

// segmentMeets reports whether a segment's box meets box.
func segmentMeets(sg segment, box orb.Bound) bool {
	return min(sg.a[0], sg.b[0]) <= box.Max[0] && max(sg.a[0], sg.b[0]) >= box.Min[0] &&
		min(sg.a[1], sg.b[1]) <= box.Max[1] && max(sg.a[1], sg.b[1]) >= box.Min[1]
}
