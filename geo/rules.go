package geo

import (
	"cmp"
	"math"

	"github.com/paulmach/orb"
)

// The resolution rules (docs/design.md, "Resolution rules"), applied to the
// polygons the index says may cover a point.
//
// A cell record lists its polygons in rule order (index_polys.go): first the
// enclaves, smallest AreaM2 first (ties: smallest code), then the units,
// finest level first and within a level by code. The first covering enclave
// in a record is the winning enclave, the first covering unit is the
// geographic winner, and the other covering units of its level, in order,
// are the conflicts.

// check rejects input the rules cannot answer unambiguously: unknown levels,
// duplicate codes, non-finite coordinates.
func checkInput(units []Unit, enclaves []Enclave) error {
	seen := make(map[string]bool, len(units))
	for i := range units {
		u := &units[i]
		if !u.Level.Valid() {
			return Invalid("level", "unit %q has unknown level %q", u.Code, u.Level)
		}
		if seen[u.Code] {
			return Invalid("code", "unit code %q appears twice among the current units", u.Code)
		}
		seen[u.Code] = true
		if !finiteGeom(u.Geom) {
			return Invalid("geometry", "unit %q has a coordinate that is not a finite WGS84 longitude/latitude", u.Code)
		}
	}
	seenE := make(map[string]bool, len(enclaves))
	for i := range enclaves {
		e := &enclaves[i]
		if seenE[e.Code] {
			return Invalid("code", "enclave code %q appears twice among the current enclaves", e.Code)
		}
		seenE[e.Code] = true
		if !finiteGeom(e.Geom) {
			return Invalid("geometry", "enclave %q has a coordinate that is not a finite WGS84 longitude/latitude", e.Code)
		}
	}
	return nil
}

// finiteGeom reports whether every coordinate is a finite WGS84 longitude
// and latitude; the index needs H3 to place every vertex.
func finiteGeom(mp orb.MultiPolygon) bool {
	for _, poly := range mp {
		for _, ring := range poly {
			for _, p := range ring {
				if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) { // false for NaN
					return false
				}
			}
		}
	}
	return true
}

// compareArea orders areas ascending, NaN last, so that the sort is total.
func compareArea(a, b float64) int {
	switch an, bn := math.IsNaN(a), math.IsNaN(b); {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return cmp.Compare(a, b)
}

// apply runs the rules over a cell record: ents lists, in rule order, every
// polygon that may cover p (sure entries do), and sp the descriptors of its
// split candidates. It allocates only for conflicts.
func (s *Snapshot) apply(p orb.Point, ents []uint32, sp splitReader) (Resolution, *Memo) {
	res := Resolution{Point: [2]float64{p[0], p[1]}, IndexVersion: s.version}
	var enc *polyEntry
	i := 0
	for ; i < len(ents) && entryClass(ents[i]) == enclaveCls; i++ {
		if enc != nil {
			sp.skip(ents[i])
		} else if s.entryCovers(p, ents[i], &sp) {
			enc = s.polys.get(entrySlot(ents[i])) // the smallest enclave: later ones cannot win
		}
	}
	winClass := uint32(0)
	var win *slotAnswer // what the answer copies, read from the dense table
	for ; i < len(ents); i++ {
		c := entryClass(ents[i])
		if win != nil && c != winClass {
			break // only the finest covering level counts
		}
		slot := entrySlot(ents[i])
		if !s.entryCovers(p, ents[i], &sp) {
			continue
		}
		if win != nil {
			res.Conflicts = append(res.Conflicts, *s.polys.answer(slot).ref)
			continue
		}
		win, winClass = s.polys.answer(slot), c
		if enc != nil {
			break // an enclave answer has no conflicts
		}
	}
	return res, fill(&res, enc, win, winClass)
}

// warmEntries bounds how many of a record's entries warm loads ahead;
// pointsPerLine is the number of ring points in a 64-byte cache line.
const (
	warmEntries   = 4
	pointsPerLine = 4
)

// warm loads the hot parts of a record's first entries, and the rings of
// its candidates, before the rules test them. At city scale a random
// point's entries are rarely cached; these loads do not depend on one
// another, so the processor overlaps their misses instead of taking them
// one after another, as the tests (each a ring scan longer than the
// processor looks ahead) would. Of the sure entries it loads the answer of
// the first alone (a record lists every level covering its cell, and only
// the winner is read), and with sure false none: for a single Resolve that
// load costs more than it saves, while overlapping the candidates' misses
// saves 1-16 % of a city-scale Resolve (interleaved runs). It returns a sum
// of what it read so that the loads are not optimised away.
func (s *Snapshot) warm(ents []uint32, sure bool) float64 {
	var es [warmEntries]*polyEntry // nil: a sure entry
	n := 0
	acc := 0.0
	for _, e := range ents {
		switch slot := entrySlot(e); {
		case e&entrySplit != 0:
			continue // answered without its entry, mostly
		case e&entrySure == 0:
			es[n] = s.polys.get(slot)
		case sure:
			es[n], sure = nil, false // the first sure entry: fill's line
			if s.polys.answer(slot).ref != nil {
				acc++
			}
		default:
			continue
		}
		if n++; n == warmEntries {
			break
		}
	}
	for _, e := range es[:n] {
		if e != nil {
			acc += float64(e.box[0])
		}
	}
	for _, e := range es[:n] {
		if e == nil {
			continue
		}
		for k := 0; k < len(e.simple); k += pointsPerLine {
			acc += e.simple[k][0] // one load per cache line
		}
		for k := 0; k < len(e.spans); k += 2 * pointsPerLine {
			acc += e.spans[k]
		}
	}
	return acc
}

// keep consumes a value the compiler must not prove unused.
//
//go:noinline
func keep(float64) {}

// applyAll answers a point H3 could not place by testing every polygon.
func (s *Snapshot) applyAll(p orb.Point) (Resolution, *Memo) {
	var ents []uint32
	s.polys.each(func(slot uint32, e *polyEntry) {
		if e.covers(p) {
			ents = append(ents, makeEntry(slot, e.class, true))
		}
	})
	s.polys.sortEntries(ents)
	return s.apply(p, ents, splitReader{})
}

// fill sets status, responsible unit and chains from the winning enclave
// and the geographic winner of class winClass (either may be nil). It
// returns the memo beside the answer when the winner alone made it (no
// enclave), else nil.
func fill(res *Resolution, enc *polyEntry, win *slotAnswer, winClass uint32) *Memo {
	if win != nil {
		res.Geographic = win.chain
	}
	switch {
	case enc != nil:
		res.Status = StatusEnclave
		res.Enclave = enc.eref
		res.Responsible = enc.ref
		res.Chain = enc.chain
		return nil
	case win != nil:
		res.Responsible = win.ref
		res.Chain = res.Geographic
		res.Status = StatusUnmanaged
		if winClass <= gridClass {
			res.Status = StatusManaged
		}
		return &win.memo
	}
	res.Status = StatusOutside
	return nil
}
