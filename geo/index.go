package geo

import (
	"time"
	"unsafe"

	"github.com/paulmach/orb"
)

// The resolver index: an immutable snapshot of the current units and
// enclaves, covered with H3 cells, answering Resolve in memory.
//
// Layout. Points are looked up at one fine H3 resolution R. Cells of the
// coarse resolution R-fineDepth are the unit of compaction:
//
//   - a coarse cell none of whose fine descendants is near any polygon edge
//     is "uniform": every point in it is covered by the same polygons, and
//     the coarse table maps it straight to that record;
//   - any other coarse cell is "split": the coarse table maps it to a block
//     of 7^fineDepth record slots, one per fine descendant, indexed by the
//     descendant's digits;
//   - a coarse cell missing from the table is covered by nothing.
//
// A record lists, in rule order, the polygons that may cover a point of the
// cell, each either "sure" (the cell lies wholly inside it) or a candidate
// that the exact PostGIS test (pip.go) decides; entries that cannot change
// an answer are pruned (recordTable.prune). index_build.go explains why
// these answers are exact.
//
// Resolve costs one cgo call (the fine cell), bit operations (the coarse
// parent and the digits), one hash probe, one slot read, and the exact tests
// of the candidates (index_arena.go), with no allocation unless there are
// conflicts.

// fineDepth is the number of resolutions between the coarse (compaction)
// level and the fine (lookup) level; a split coarse cell has 7^fineDepth slots.
const (
	fineDepth = 3
	fineSlots = 343 // 7^fineDepth
)

// A record reference (the value of a fine slot, and of a uniform coarse
// cell) is either the offset of a record in Snapshot.recEnt or, when
// inlineBit is set, the record's only entry itself, which saves a memory
// read for the many cells that one polygon answers alone.
const (
	uniformBit = 1 << 31 // coarse-table value: a record reference, not a block index
	inlineBit  = 1 << 30 // record reference: a single entry, not a record id
)

// Snapshot is an immutable resolver index over a set of current units and
// enclaves. It is safe for concurrent use.
type Snapshot struct {
	rules *ruleSet

	res, coarseRes int
	coarse         cellTable // coarse cell → uniform record | split block
	fine           []uint32  // fineSlots record references per split coarse cell
	recEnt         []uint32  // records: at offset r, a length n, then n entries; offset 0 is the empty record

	stats SnapshotStats
}

// SnapshotStats describes a built index, for logs and metrics.
type SnapshotStats struct {
	Resolution         int           `json:"resolution"`           // H3 resolution of the point lookup
	CoarseResolution   int           `json:"coarse_resolution"`    // H3 resolution of the compacted cells
	Units              int           `json:"units"`                // units indexed
	Enclaves           int           `json:"enclaves"`             // enclaves indexed
	Vertices           int           `json:"vertices"`             // points of all rings
	Segments           int           `json:"segments"`             // distinct polygon edges
	FlaggedPairs       int           `json:"flagged_pairs"`        // (fine cell, edge) pairs within the flag margin
	BoundaryCells      int           `json:"boundary_cells"`       // fine cells near an edge: candidates get the exact test
	InteriorCells      int           `json:"interior_cells"`       // fine cells in split coarse cells answered without geometry
	SplitCoarseCells   int           `json:"split_coarse_cells"`   // coarse cells stored as fine slots
	UniformCoarseCells int           `json:"uniform_coarse_cells"` // coarse cells stored compacted (no edge near)
	Records            int           `json:"records"`              // distinct cell records
	MicroSegments      int           `json:"micro_segments"`       // edges of non-zero length < 1e-12°, which PostGIS's rtree code skips and its plain code does not
	CenterMismatches   int           `json:"center_mismatches"`    // coarse cells whose centre fell outside them (answered per fine cell instead)
	BuildDuration      time.Duration `json:"build_duration"`       // wall time of NewSnapshot
	ApproxBytes        int64         `json:"approx_bytes"`         // memory held by the index, geometry included
}

// NewSnapshot builds an immutable index of the given current units and
// enclaves (the caller passes those valid now). It copies the geometries;
// it keeps references to the Properties maps, which must not be modified
// afterwards. It fails on unknown levels, duplicate codes and non-finite
// coordinates.
func NewSnapshot(units []Unit, enclaves []Enclave, version int64) (*Snapshot, error) {
	return newSnapshotAt(units, enclaves, version, 0)
}

// newSnapshotAt is NewSnapshot with the fine H3 resolution forced (0: chosen
// from the data), which lets the tests check every layout against the oracle.
func newSnapshotAt(units []Unit, enclaves []Enclave, version int64, res int) (*Snapshot, error) {
	start := time.Now()
	rs, err := newRuleSet(units, enclaves, version)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{rules: rs}
	if err := build(s, res); err != nil {
		return nil, err
	}
	s.stats.Units, s.stats.Enclaves = len(rs.units), len(rs.enclaves)
	s.stats.ApproxBytes = s.approxBytes()
	s.stats.BuildDuration = time.Since(start)
	return s, nil
}

// Resolve applies the resolution rules to a WGS84 point [lon, lat], which
// the caller has validated (finite, in range). The result is identical to
// applying the rules with PostGIS ST_Covers over every unit and enclave.
// Its Ref pointers are shared by all results of this snapshot: treat them as
// read-only.
func (s *Snapshot) Resolve(p orb.Point) Resolution {
	ref, all := s.lookup(p)
	if all {
		return s.rules.apply(p, s.rules.all)
	}
	if ref&inlineBit != 0 {
		one := [1]uint32{ref &^ inlineBit}
		return s.rules.apply(p, one[:])
	}
	n := s.recEnt[ref]
	return s.rules.apply(p, s.recEnt[ref+1:ref+1+n])
}

// lookup returns the record reference of p's cell; all is true when H3
// refused the point and every polygon must be tested.
func (s *Snapshot) lookup(p orb.Point) (ref uint32, all bool) {
	c := cellOf(p, s.res)
	if c == 0 {
		return 0, true
	}
	v, ok := s.coarse.get(cellParent(c, s.coarseRes))
	switch {
	case !ok:
		return 0, false // record 0: covered by nothing
	case v&uniformBit != 0:
		return v &^ uniformBit, false
	}
	return s.fine[int(v)*fineSlots+fineOffset(c, s.coarseRes)], false
}

// fineOffset is the slot of fine cell c within its coarse cell's block:
// its digits below the coarse resolution read as a base-7 number.
func fineOffset(c uint64, coarseRes int) int {
	off := 0
	for k := 1; k <= fineDepth; k++ {
		off = off*7 + cellDigit(c, coarseRes+k)
	}
	return off
}

// Version returns the data version the snapshot was built from.
func (s *Snapshot) Version() int64 { return s.rules.version }

// Stats describes the index.
func (s *Snapshot) Stats() SnapshotStats { return s.stats }

// Unit returns the current unit with the given code.
func (s *Snapshot) Unit(code string) (*Unit, bool) {
	i, ok := s.rules.byCode[code]
	if !ok {
		return nil, false
	}
	return &s.rules.units[i], true
}

// approxBytes estimates the memory the index holds: tables, records, the
// geometry arena, edge bands (not the small per-unit strings and refs).
func (s *Snapshot) approxBytes() int64 {
	n := int64(len(s.coarse.slots)) * int64(unsafe.Sizeof(cellSlot{}))
	n += int64(len(s.fine)+len(s.recEnt)) * 4
	n += int64(len(s.rules.polys)) * int64(unsafe.Sizeof(pipPoly{}))
	n += int64(len(s.rules.uinfo)) * int64(unsafe.Sizeof(unitInfo{}))
	n += int64(len(s.rules.arena.data))*8 + int64(len(s.rules.arena.off))*4
	for i := range s.rules.polys {
		for _, r := range s.rules.polys[i].rings() {
			n += r.bandBytes()
		}
	}
	return n
}

// bandBytes is the memory of a ring's band index.
func (r *pipRing) bandBytes() int64 {
	if r.bands == nil {
		return 0
	}
	return 48 + int64(len(r.bands.start)+len(r.bands.seg))*4
}

// cellTable is an open-addressing hash map from H3 cell to uint32, built
// once and read concurrently. Key and value share a slot, so a probe costs
// one memory read. Key 0 (never a valid H3 index) marks a free slot.
type cellTable struct {
	slots []cellSlot
	shift uint
}

// cellSlot is one key and its value.
type cellSlot struct {
	key uint64
	val uint32
}

// newCellTable returns a table with room for n keys at load factor <= 1/2.
func newCellTable(n int) cellTable {
	bits := uint(4)
	for 1<<bits < 2*n {
		bits++
	}
	return cellTable{slots: make([]cellSlot, 1<<bits), shift: 64 - bits}
}

// home is the first slot probed for key k (Fibonacci hashing of a mixed key).
func (t *cellTable) home(k uint64) int {
	return int((k ^ k>>31) * 0x9E3779B97F4A7C15 >> t.shift)
}

// put sets k's value; the table must not be full.
func (t *cellTable) put(k uint64, v uint32) {
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		if t.slots[i].key == 0 || t.slots[i].key == k {
			t.slots[i] = cellSlot{k, v}
			return
		}
	}
}

// get returns k's value.
func (t *cellTable) get(k uint64) (uint32, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		switch t.slots[i].key {
		case k:
			return t.slots[i].val, true
		case 0:
			return 0, false
		}
	}
}
