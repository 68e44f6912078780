package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// The resolution rules (docs/design.md, "Resolution rules"), applied to the
// polygons the index says may cover a point.
//
// Every unit and enclave is a "polygon" with an id. Ids are assigned so that
// a sorted list of ids is already in rule order: first the enclaves, smallest
// AreaM2 first (ties: smallest code), then the units, finest level first and
// within a level by code. The first covering enclave in such a list is the
// winning enclave, the first covering unit is the geographic winner, and the
// other covering units of its level, in order, are the conflicts.

// gridRank is Grid.Rank(): units of this rank or finer are grids.
var gridRank = Grid.Rank()

// An entry of a cell record: polygon id << 1, plus entrySure when the cell
// lies wholly inside the polygon (no exact test needed).
const entrySure = 1

// unitInfo is what a resolution needs about one unit, precomputed so that
// Resolve does no map lookups and no allocations.
type unitInfo struct {
	ref   *LevelRef // the unit as a responsible unit
	chain Chain     // the unit and its ancestors by ParentCode
	rank  int       // Level.Rank
	_     [8]byte   // pad to 64 bytes: one cache line per unit
}

// enclaveInfo is what a resolution needs about one enclave.
type enclaveInfo struct {
	ref         *EnclaveRef
	responsible *LevelRef // the managing unit (or a bare ref when it is missing)
	chain       Chain     // the managing unit's chain; empty when it is missing
}

// ruleSet holds the polygons in id order and the facts the rules need.
type ruleSet struct {
	version  int64
	units    []Unit // sorted: finest level first, then by code
	enclaves []Enclave
	byCode   map[string]int // unit code → index in units
	polys    []pipPoly      // enclaves (ids 0..len(enclaves)-1), then units
	arena    *geomArena     // the geometries of polys, which reference it
	uinfo    []unitInfo
	rankEnd  [NumLevels]int // units of rank r end at index rankEnd[r] (ids are in rank order)
	einfo    []enclaveInfo
	all      []uint32 // every polygon as a candidate: the exact fallback record
}

// newRuleSet validates and orders units and enclaves, copies their
// geometries into the arena, and precomputes refs and chains.
func newRuleSet(units []Unit, enclaves []Enclave, version int64) (*ruleSet, error) {
	rs := &ruleSet{version: version, byCode: make(map[string]int, len(units))}
	rs.units = slices.Clone(units)
	rs.enclaves = slices.Clone(enclaves)
	if err := rs.check(); err != nil {
		return nil, err
	}
	slices.SortFunc(rs.units, func(a, b Unit) int {
		return cmp.Or(cmp.Compare(b.Level.Rank(), a.Level.Rank()), cmp.Compare(a.Code, b.Code))
	})
	slices.SortFunc(rs.enclaves, func(a, b Enclave) int {
		return cmp.Or(compareArea(a.AreaM2, b.AreaM2), cmp.Compare(a.Code, b.Code))
	})
	for i := range rs.units {
		rs.byCode[rs.units[i].Code] = i
	}
	rs.uinfo = make([]unitInfo, len(rs.units))
	for i := range rs.units {
		u := &rs.units[i]
		rs.uinfo[i] = unitInfo{ref: &LevelRef{Level: u.Level, Code: u.Code, Name: u.Name}, rank: u.Level.Rank()}
	}
	for i := range rs.units {
		rs.uinfo[i].chain = rs.chainOf(i)
		rs.rankEnd[rs.uinfo[i].rank] = i + 1
	}
	rs.einfo = make([]enclaveInfo, len(rs.enclaves))
	for i := range rs.enclaves {
		rs.einfo[i] = rs.enclaveInfoOf(&rs.enclaves[i])
	}
	rs.copyGeometry()
	rs.all = make([]uint32, len(rs.polys))
	for i := range rs.all {
		rs.all[i] = uint32(i) << 1
	}
	return rs, nil
}

// copyGeometry moves every geometry into the arena, in polygon id order,
// and points the units' and enclaves' Geom at the copies.
func (rs *ruleSet) copyGeometry() {
	geoms := make([]orb.MultiPolygon, 0, len(rs.enclaves)+len(rs.units))
	for i := range rs.enclaves {
		geoms = append(geoms, rs.enclaves[i].Geom)
	}
	for i := range rs.units {
		geoms = append(geoms, rs.units[i].Geom)
	}
	var copies []orb.MultiPolygon
	rs.arena, copies, rs.polys = newGeomArena(geoms)
	for i := range rs.enclaves {
		rs.enclaves[i].Geom = copies[i]
	}
	for i := range rs.units {
		rs.units[i].Geom = copies[len(rs.enclaves)+i]
	}
}

// check rejects input the rules cannot answer unambiguously: unknown levels,
// duplicate codes, non-finite coordinates.
func (rs *ruleSet) check() error {
	seen := make(map[string]bool, len(rs.units))
	for i := range rs.units {
		u := &rs.units[i]
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
	seenE := make(map[string]bool, len(rs.enclaves))
	for i := range rs.enclaves {
		e := &rs.enclaves[i]
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

// chainOf follows ParentCode links up from unit i. A parent code that is not
// among the units (or a link that does not go to a coarser level, which
// would be malformed data) ends the chain: that slot and all above stay empty.
func (rs *ruleSet) chainOf(i int) Chain {
	var c Chain
	for steps := 0; steps < NumLevels; steps++ {
		u := &rs.units[i]
		*c.At(u.Level) = &Ref{Code: u.Code, Name: u.Name}
		j, ok := rs.byCode[u.ParentCode]
		if u.ParentCode == "" || !ok || rs.uinfo[j].rank >= rs.uinfo[i].rank {
			break
		}
		i = j
	}
	return c
}

// enclaveInfoOf precomputes an enclave's refs.
func (rs *ruleSet) enclaveInfoOf(e *Enclave) enclaveInfo {
	info := enclaveInfo{ref: &EnclaveRef{Code: e.Code, Name: e.Name, Status: e.Status}}
	if j, ok := rs.byCode[e.ManagingCode]; ok {
		info.responsible = rs.uinfo[j].ref
		info.chain = rs.uinfo[j].chain
		return info
	}
	lvl, _ := LevelOfCode(e.ManagingCode) // "" for a malformed code
	info.responsible = &LevelRef{Level: lvl, Code: e.ManagingCode}
	return info
}

// hit reports whether the entry's polygon covers p.
func (rs *ruleSet) hit(e uint32, p orb.Point) bool {
	return e&entrySure != 0 || rs.arena.covers(e>>1, p, rs.polys)
}

// apply runs the rules over a cell record: ents lists, in id order, every
// polygon that may cover p (sure entries do). It allocates only for conflicts.
func (rs *ruleSet) apply(p orb.Point, ents []uint32) Resolution {
	res := Resolution{Point: [2]float64{p[0], p[1]}, IndexVersion: rs.version}
	nEnc := uint32(len(rs.enclaves))
	enc := -1
	i := 0
	for ; i < len(ents) && ents[i]>>1 < nEnc; i++ {
		if enc < 0 && rs.hit(ents[i], p) {
			enc = int(ents[i] >> 1) // the smallest enclave: later ones cannot win
		}
	}
	win, end := -1, 0
	for ; i < len(ents); i++ {
		u := int(ents[i]>>1 - nEnc)
		if win >= 0 && u >= end {
			break // only the finest covering level counts
		}
		if !rs.hit(ents[i], p) {
			continue
		}
		if win >= 0 {
			res.Conflicts = append(res.Conflicts, *rs.uinfo[u].ref)
			continue
		}
		win, end = u, rs.rankEnd[rs.uinfo[u].rank]
		if enc >= 0 {
			break // an enclave answer has no conflicts
		}
	}
	rs.fill(&res, enc, win)
	return res
}

// fill sets status, responsible unit and chains from the winning enclave
// (or -1) and the geographic winner (or -1).
func (rs *ruleSet) fill(res *Resolution, enc, win int) {
	if win >= 0 {
		res.Geographic = rs.uinfo[win].chain
	}
	switch {
	case enc >= 0:
		e := &rs.einfo[enc]
		res.Status = StatusEnclave
		res.Enclave = e.ref
		res.Responsible = e.responsible
		res.Chain = e.chain
	case win >= 0:
		res.Responsible = rs.uinfo[win].ref
		res.Chain = res.Geographic
		res.Status = StatusUnmanaged
		if rs.uinfo[win].rank >= gridRank {
			res.Status = StatusManaged
		}
	default:
		res.Status = StatusOutside
	}
}
