package geo

import "slices"

// Applying a change, continued (index_live.go): the changed polygons put
// in their slots and the retired ones taken out, with the relations and
// checksums that go with them; then the chains of the units and enclaves
// that name a changed unit relinked.

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
