package geo

import (
	"slices"
	"time"

	"github.com/paulmach/orb"
)

// Applying a change without rebuilding the index.
//
// A change replaces, adds or retires polygons. The records that can change
// are those of the coarse cells whose record mentions a changed polygon,
// before or after the change: its footprint, the coarse cells with a fine
// descendant flagged for one of its edges, and the coarse cells wholly
// inside it (rules 1 and 3 of index_build.go: such a cell is reached from
// the edge cells by a flood over cells whose probe point the polygon
// covers). Every cell of the footprints is computed afresh from the current
// polygons, exactly as a build computes it, and nothing else changes; so
// the cost of a change grows with the changed polygons, not with the city.
//
// Readers never see half a change: the new snapshot copies the slot chunks
// and the cell shards it changes and shares the rest with the old one
// (a persistent structure: cheaper than an overlay, which every Resolve
// would have to consult, and than copying, which grows with the city), and
// is published only when complete.

// Index is a resolver index that follows changes: the latest Snapshot and
// what applying a change to it needs. It is not safe for concurrent use;
// its snapshots are.
type Index struct {
	snap      *Snapshot
	res, cres int

	unitSlot    map[string]uint32   // current unit code → slot
	enclaveSlot map[string]uint32   // current enclave code → slot
	children    map[string][]string // parent code → codes of current units naming it
	managed     map[string][]string // managing code → codes of current enclaves naming it
	free        []uint32            // slots to reuse

	buckets *bboxBuckets
	flagger *flagger
	owned   map[uint32]bool // slot chunks the snapshot being made owns
}

// newEmptyIndex returns an index of nothing at version.
func newEmptyIndex(version int64) *Index {
	return &Index{snap: &Snapshot{version: version},
		unitSlot: map[string]uint32{}, enclaveSlot: map[string]uint32{},
		children: map[string][]string{}, managed: map[string][]string{}}
}

// Snapshot returns the latest snapshot.
func (ix *Index) Snapshot() *Snapshot { return ix.snap }

// filler returns the cell computer over the current polygons.
func (ix *Index) filler() *cellFiller {
	return &cellFiller{res: ix.res, cres: ix.cres, polys: &ix.snap.polys, buckets: ix.buckets}
}

// finishBuild stores a build's cells and statistics.
func (ix *Index) finishBuild(cells map[uint64]cellValue, took time.Duration) {
	vals := make([]cellValue, 0, len(cells))
	for _, v := range cells {
		vals = append(vals, v)
	}
	slices.SortFunc(vals, func(a, b cellValue) int { return cmpU64(a.key, b.key) })
	s := ix.snap
	s.cells = newCellIndex(vals)
	s.res, s.coarseRes = ix.res, ix.cres
	s.stats.Resolution, s.stats.CoarseResolution = ix.res, ix.cres
	s.stats.Units, s.stats.Enclaves = len(ix.unitSlot), len(ix.enclaveSlot)
	s.stats.ApproxBytes = s.approxBytes()
	s.stats.BuildDuration = took
	ix.flagger = newFlagger(ix.res)
}

// Apply makes the change and returns the new snapshot (also Snapshot()).
// The snapshots handed out before stay valid and unchanged. On an error
// (a polygon the index cannot hold) the index is unusable: rebuild it.
func (ix *Index) Apply(cs ChangeSet) (*Snapshot, error) {
	if err := checkInput(cs.Units, cs.Enclaves); err != nil {
		return nil, err
	}
	prev := ix.snap
	next := *prev
	next.polys = prev.polys.clone()
	next.version = cs.Version
	next.stats.ChangesApplied++
	ix.snap, ix.owned = &next, map[uint32]bool{}
	ix.buckets.polys = &next.polys
	defer func() { ix.owned = nil }()

	affected := map[uint64]bool{}
	if err := ix.oldFootprints(cs, affected); err != nil {
		return nil, err
	}
	relinkUnits, relinkEnclaves := ix.replace(cs)
	for _, u := range cs.Units {
		if err := ix.footprint(ix.snap.polys.get(ix.unitSlot[u.Code]), affected); err != nil {
			return nil, err
		}
	}
	for _, e := range cs.Enclaves {
		if err := ix.footprint(ix.snap.polys.get(ix.enclaveSlot[e.Code]), affected); err != nil {
			return nil, err
		}
	}
	ix.relinkAll(relinkUnits, relinkEnclaves)
	if ix.buckets.outgrown(len(ix.unitSlot) + len(ix.enclaveSlot)) {
		ix.buckets = newBBoxBuckets(&next.polys)
	}
	ix.recompute(prev, affected)
	next.stats.Units, next.stats.Enclaves = len(ix.unitSlot), len(ix.enclaveSlot)
	return ix.snap, nil
}

// oldFootprints adds the footprints of the versions a change replaces or
// retires.
func (ix *Index) oldFootprints(cs ChangeSet, into map[uint64]bool) error {
	var codes []uint32
	for _, u := range cs.Units {
		if s, ok := ix.unitSlot[u.Code]; ok {
			codes = append(codes, s)
		}
	}
	for _, c := range cs.RetiredUnits {
		if s, ok := ix.unitSlot[c]; ok {
			codes = append(codes, s)
		}
	}
	for _, e := range cs.Enclaves {
		if s, ok := ix.enclaveSlot[e.Code]; ok {
			codes = append(codes, s)
		}
	}
	for _, c := range cs.RetiredEnc {
		if s, ok := ix.enclaveSlot[c]; ok {
			codes = append(codes, s)
		}
	}
	for _, s := range codes {
		if err := ix.footprint(ix.snap.polys.get(s), into); err != nil {
			return err
		}
	}
	return nil
}

// replace retires and installs the change's polygons and returns the codes
// whose chains may have changed.
func (ix *Index) replace(cs ChangeSet) (units, enclaves map[string]bool) {
	units, enclaves = map[string]bool{}, map[string]bool{}
	for _, code := range cs.RetiredUnits {
		if slot, ok := ix.unitSlot[code]; ok {
			ix.markBelow(code, units, enclaves)
			ix.retire(slot, ix.snap.polys.get(slot))
		}
	}
	for _, code := range cs.RetiredEnc {
		if slot, ok := ix.enclaveSlot[code]; ok {
			ix.retire(slot, ix.snap.polys.get(slot))
		}
	}
	for i := range cs.Units {
		ne := newUnitEntry(&cs.Units[i])
		var old *polyEntry
		if slot, ok := ix.unitSlot[ne.unit.Code]; ok {
			old = ix.snap.polys.get(slot)
		}
		if old != nil && old.unit.Name == ne.unit.Name && old.unit.Level == ne.unit.Level {
			ne.self, ne.ref = old.self, old.ref // chains that name it stay valid
		}
		if old == nil || old.self != ne.self || old.unit.ParentCode != ne.unit.ParentCode {
			ix.markBelow(ne.unit.Code, units, enclaves)
		}
		units[ne.unit.Code] = true
		ix.install(ne)
	}
	for i := range cs.Enclaves {
		ne := newEnclaveEntry(&cs.Enclaves[i])
		enclaves[ne.enclave.Code] = true
		ix.install(ne)
	}
	return units, enclaves
}

// markBelow marks the current descendants of a unit code, and the enclaves
// any of them (or the code itself) manages: their chains name it.
func (ix *Index) markBelow(code string, units, enclaves map[string]bool) {
	queue := []string{code}
	for len(queue) > 0 {
		c := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, e := range ix.managed[c] {
			enclaves[e] = true
		}
		for _, child := range ix.children[c] {
			if !units[child] {
				units[child] = true
				queue = append(queue, child)
			}
		}
	}
}

// install puts an entry in its code's slot (or a free one) and updates the
// buckets, the relations and the checksums.
func (ix *Index) install(e *polyEntry) {
	slots := ix.unitSlot
	if e.enclave != nil {
		slots = ix.enclaveSlot
	}
	slot, ok := slots[e.code()]
	if ok {
		ix.unlink(slot, ix.snap.polys.get(slot))
	} else {
		slot = ix.allocSlot()
		slots[e.code()] = slot
	}
	ix.snap.polys.set(slot, e, ix.owned)
	if ix.buckets != nil {
		ix.buckets.add(slot, e)
	}
	if e.unit != nil {
		ix.children[e.unit.ParentCode] = append(ix.children[e.unit.ParentCode], e.unit.Code)
	} else {
		ix.managed[e.enclave.ManagingCode] = append(ix.managed[e.enclave.ManagingCode], e.enclave.Code)
	}
	ix.snap.sums.count(e, 1)
}

// retire frees a slot.
func (ix *Index) retire(slot uint32, e *polyEntry) {
	ix.unlink(slot, e)
	ix.snap.polys.set(slot, nil, ix.owned)
	if e.unit != nil {
		delete(ix.unitSlot, e.unit.Code)
	} else {
		delete(ix.enclaveSlot, e.enclave.Code)
	}
	ix.free = append(ix.free, slot)
}

// unlink removes what install added for an entry, keeping its slot.
func (ix *Index) unlink(slot uint32, e *polyEntry) {
	if ix.buckets != nil {
		ix.buckets.remove(slot, e)
	}
	if e.unit != nil {
		ix.children[e.unit.ParentCode] = dropCode(ix.children[e.unit.ParentCode], e.unit.Code)
		if len(ix.children[e.unit.ParentCode]) == 0 {
			delete(ix.children, e.unit.ParentCode)
		}
	} else {
		ix.managed[e.enclave.ManagingCode] = dropCode(ix.managed[e.enclave.ManagingCode], e.enclave.Code)
		if len(ix.managed[e.enclave.ManagingCode]) == 0 {
			delete(ix.managed, e.enclave.ManagingCode)
		}
	}
	ix.snap.sums.count(e, -1)
}

// dropCode removes code from codes (order does not matter).
func dropCode(codes []string, code string) []string {
	if i := slices.Index(codes, code); i >= 0 {
		codes[i] = codes[len(codes)-1]
		return codes[:len(codes)-1]
	}
	return codes
}

// allocSlot returns a free slot.
func (ix *Index) allocSlot() uint32 {
	if n := len(ix.free); n > 0 {
		s := ix.free[n-1]
		ix.free = ix.free[:n-1]
		return s
	}
	return ix.snap.polys.n
}

// relinkAll recomputes the chains of the marked units and enclaves, and of
// the enclaves managed by a unit whose chain changed.
func (ix *Index) relinkAll(units, enclaves map[string]bool) {
	for code := range units {
		if ix.relink(code) {
			for _, e := range ix.managed[code] {
				enclaves[e] = true
			}
		}
	}
	for code := range enclaves {
		ix.relinkEnclave(code)
	}
}

// relink recomputes a current unit's chain; it reports whether it changed.
func (ix *Index) relink(code string) bool {
	slot, ok := ix.unitSlot[code]
	if !ok {
		return false
	}
	e := ix.snap.polys.get(slot)
	ch := ix.chainOf(e)
	if ch == e.chain {
		return false
	}
	ne := *e
	ne.chain = ch
	ix.snap.polys.set(slot, &ne, ix.owned)
	return true
}

// chainOf follows ParentCode links up from a unit. A parent code that is
// not among the units (or a link that does not go to a coarser level, which
// would be malformed data) ends the chain: that slot and all above stay
// empty.
func (ix *Index) chainOf(e *polyEntry) Chain {
	var c Chain
	for steps := 0; steps < NumLevels; steps++ {
		u := e.unit
		*c.At(u.Level) = e.self
		slot, ok := ix.unitSlot[u.ParentCode]
		if u.ParentCode == "" || !ok {
			break
		}
		p := ix.snap.polys.get(slot)
		if p.unit.Level.Rank() >= u.Level.Rank() {
			break
		}
		e = p
	}
	return c
}

// relinkEnclave points a current enclave at its managing unit (or at a
// bare reference to the code when no such unit exists).
func (ix *Index) relinkEnclave(code string) {
	slot, ok := ix.enclaveSlot[code]
	if !ok {
		return
	}
	e := ix.snap.polys.get(slot)
	ref, chain := ix.managerOf(e.enclave.ManagingCode, e.ref)
	if ref == e.ref && chain == e.chain {
		return
	}
	ne := *e
	ne.ref, ne.chain = ref, chain
	ix.snap.polys.set(slot, &ne, ix.owned)
}

// managerOf returns the responsible ref and chain of an enclave managed by
// code; have is the enclave's current ref, kept when it is still right.
func (ix *Index) managerOf(code string, have *LevelRef) (*LevelRef, Chain) {
	if slot, ok := ix.unitSlot[code]; ok {
		m := ix.snap.polys.get(slot)
		return m.ref, m.chain
	}
	lvl, _ := LevelOfCode(code) // "" for a malformed code
	bare := LevelRef{Level: lvl, Code: code}
	if have != nil && *have == bare {
		return have, Chain{}
	}
	return &bare, Chain{}
}

// footprint adds to into the coarse cells whose record may name e: those
// with a descendant flagged for one of e's edges, and those e covers
// wholly, found by a flood from the former over cells whose probe point e
// covers.
func (ix *Index) footprint(e *polyEntry, into map[uint64]bool) error {
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
		return Errorf(EINTERNAL, "", "H3 could not place an edge of %s; the index would not be exact", e.code())
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
		if _, old, ok := prev.cells.get(k); ok {
			if old&uniformBit != 0 {
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

// computeCell computes coarse cell k from the current polygons.
func (ix *Index) computeCell(f *cellFiller, k uint64) cellValue {
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
