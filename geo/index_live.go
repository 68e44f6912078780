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
