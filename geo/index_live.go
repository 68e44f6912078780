package geo

import (
	"slices"
	"time"

	"github.com/paulmach/orb"
)

// Applying a change without rebuilding the index.
//
// A change replaces, adds or retires polygons. In the quick grid, the
// tiles that can change are those meeting a changed polygon's box, before
// or after the change (updateQuick). When there are H3 cells (data too
// wide for a quick grid, buildCells), the records that can change there
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

	dirty        []orb.Bound   // boxes of the polygons the change being applied touches
	quickScratch *quickBuilder // computes the quick grid's tiles, and holds its shared ones (quickBuilder)
	quickOff     bool          // the data was too wide for a quick grid: none until a full build
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

// storeCells stores a build's H3 cells in the snapshot being made.
func (ix *Index) storeCells(cells map[uint64]cellValue) {
	vals := make([]cellValue, 0, len(cells))
	for _, v := range cells {
		vals = append(vals, v)
	}
	slices.SortFunc(vals, func(a, b cellValue) int { return cmpU64(a.key, b.key) })
	s := ix.snap
	s.cells = newCellIndex(vals)
	s.res, s.coarseRes = ix.res, ix.cres
	s.stats.Resolution, s.stats.CoarseResolution = ix.res, ix.cres
	ix.flagger = newFlagger(ix.res)
}

// hasCells reports whether the index keeps H3 cells (buildCells).
func (ix *Index) hasCells() bool { return ix.res > 0 }

// finishBuild stores a full build's statistics.
func (ix *Index) finishBuild(took time.Duration) {
	s := ix.snap
	s.stats.Units, s.stats.Enclaves = len(ix.unitSlot), len(ix.enclaveSlot)
	s.stats.ApproxBytes = s.approxBytes()
	s.stats.BuildDuration = took
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
	ix.snap, ix.owned, ix.dirty = &next, map[uint32]bool{}, nil
	ix.buckets.polys = &next.polys
	defer func() { ix.owned, ix.dirty = nil, nil }()

	affected := map[uint64]bool{}
	same := ix.sameShape(cs)
	if err := ix.oldFootprints(cs, same, affected); err != nil {
		return nil, err
	}
	relinkUnits, relinkEnclaves := ix.replace(cs)
	for _, u := range cs.Units {
		if !same[u.Code] {
			if err := ix.footprint(ix.snap.polys.get(ix.unitSlot[u.Code]), affected); err != nil {
				return nil, err
			}
		}
	}
	for _, e := range cs.Enclaves {
		if !same["enclave/"+e.Code] {
			if err := ix.footprint(ix.snap.polys.get(ix.enclaveSlot[e.Code]), affected); err != nil {
				return nil, err
			}
		}
	}
	ix.relinkAll(relinkUnits, relinkEnclaves)
	if ix.buckets.outgrown(len(ix.unitSlot) + len(ix.enclaveSlot)) {
		ix.buckets = newBBoxBuckets(&next.polys)
	}
	if ix.hasCells() {
		ix.recompute(prev, affected)
	}
	if err := ix.updateQuick(prev); err != nil {
		return nil, err
	}
	next.stats.Units, next.stats.Enclaves = len(ix.unitSlot), len(ix.enclaveSlot)
	return ix.snap, nil
}

// sameShape returns the changed codes (enclaves prefixed "enclave/") whose
// new version has exactly the old geometry and the same place in rule
// order: a rename, new attributes, a new parent or managing unit. Their
// slots keep every cell record as it is; only their entries change.
func (ix *Index) sameShape(cs ChangeSet) map[string]bool {
	same := map[string]bool{}
	for _, u := range cs.Units {
		if s, ok := ix.unitSlot[u.Code]; ok {
			if old := ix.snap.polys.get(s); old.level() == u.Level && equalGeom(old.geom(), u.Geom) {
				same[u.Code] = true
			}
		}
	}
	for _, e := range cs.Enclaves {
		if s, ok := ix.enclaveSlot[e.Code]; ok {
			if old := ix.snap.polys.get(s); compareArea(old.area, e.AreaM2) == 0 && equalGeom(old.geom(), e.Geom) {
				same["enclave/"+e.Code] = true
			}
		}
	}
	return same
}

// equalGeom reports whether two geometries have exactly the same rings.
func equalGeom(a, b orb.MultiPolygon) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if !slices.Equal(a[i][j], b[i][j]) {
				return false
			}
		}
	}
	return true
}

// oldFootprints adds the footprints of the versions a change replaces
// (unless only their attributes change) or retires.
func (ix *Index) oldFootprints(cs ChangeSet, same map[string]bool, into map[uint64]bool) error {
	var codes []uint32
	for _, u := range cs.Units {
		if s, ok := ix.unitSlot[u.Code]; ok && !same[u.Code] {
			codes = append(codes, s)
		}
	}
	for _, c := range cs.RetiredUnits {
		if s, ok := ix.unitSlot[c]; ok {
			codes = append(codes, s)
		}
	}
	for _, e := range cs.Enclaves {
		if s, ok := ix.enclaveSlot[e.Code]; ok && !same["enclave/"+e.Code] {
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
		if slot, ok := ix.unitSlot[ne.code]; ok {
			old = ix.snap.polys.get(slot)
		}
		if old != nil && old.self.Name == ne.self.Name && old.class == ne.class {
			ne.self, ne.ref = old.self, old.ref // chains that name it stay valid
		}
		if old == nil || old.self != ne.self || old.parent != ne.parent {
			ix.markBelow(ne.code, units, enclaves)
		}
		units[ne.code] = true
		ix.install(ne)
	}
	for i := range cs.Enclaves {
		ne := newEnclaveEntry(&cs.Enclaves[i])
		enclaves[ne.code] = true
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
	if e.isEnc {
		slots = ix.enclaveSlot
	}
	slot, ok := slots[e.code]
	if ok {
		ix.unlink(slot, ix.snap.polys.get(slot))
	} else {
		slot = ix.allocSlot()
		slots[e.code] = slot
	}
	ix.snap.polys.set(slot, e, ix.owned)
	if ix.buckets != nil {
		ix.buckets.add(slot, e)
	}
	ix.relations(e)[e.parent] = append(ix.relations(e)[e.parent], e.code)
	ix.snap.sums.count(e, 1)
}

// retire frees a slot.
func (ix *Index) retire(slot uint32, e *polyEntry) {
	ix.unlink(slot, e)
	ix.snap.polys.set(slot, nil, ix.owned)
	if e.isUnit() {
		delete(ix.unitSlot, e.code)
	} else {
		delete(ix.enclaveSlot, e.code)
	}
	ix.free = append(ix.free, slot)
}

// unlink removes what install added for an entry, keeping its slot.
func (ix *Index) unlink(slot uint32, e *polyEntry) {
	if ix.buckets != nil {
		ix.buckets.remove(slot, e)
	}
	rel := ix.relations(e)
	if rel[e.parent] = dropCode(rel[e.parent], e.code); len(rel[e.parent]) == 0 {
		delete(rel, e.parent)
	}
	ix.snap.sums.count(e, -1)
}

// relations is the map relating e to its parent: children by parent code
// for units, enclaves by managing code for enclaves.
func (ix *Index) relations(e *polyEntry) map[string][]string {
	if e.isEnc {
		return ix.managed
	}
	return ix.children
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
		*c.At(e.level()) = e.self
		slot, ok := ix.unitSlot[e.parent]
		if e.parent == "" || !ok {
			break
		}
		p := ix.snap.polys.get(slot)
		if p.class <= e.class { // not a coarser level: malformed data ends the chain
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
	ref, chain := ix.managerOf(e.parent, e.ref)
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
