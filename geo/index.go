package geo

import (
	"time"
	"unsafe"

	"github.com/paulmach/orb"
)

// The resolver index: an immutable snapshot of the current units and
// enclaves answering Resolve in memory, from the quick grid
// (index_quick.go) or, for data spread too wide for one, from H3 cells.
//
// H3 layout. Points are looked up at one fine H3 resolution R. Cells of the
// coarse resolution R-fineDepth are the unit of compaction:
//
//   - a coarse cell none of whose fine descendants is near any polygon edge
//     is "uniform": every point in it is covered by the same polygons, and
//     the cell table maps it straight to that record;
//   - any other coarse cell is "split": the cell table maps it to a block
//     of 7^fineDepth record slots, one per fine descendant, indexed by the
//     descendant's digits;
//   - a coarse cell missing from the table is covered by nothing.
//
// A record lists, in rule order, the polygons that may cover a point of the
// cell, each either "sure" (the cell lies wholly inside it) or a candidate
// that the exact PostGIS test (pip.go) decides; entries that cannot change
// an answer are pruned (pruneRecord). index_build.go explains why these
// answers are exact; index_live.go how a change is applied to a snapshot
// without rebuilding it.
//
// Resolve looks a point up in the quick grid (index_quick.go), a planar
// raster whose cells hold records built by the same rules and which needs
// no H3 cell. The H3 cells above are built only for data spread too wide
// for a quick grid (buildCells); a point there costs its fine cell
// (h3cell.go), bit operations (the coarse parent and the digits), one hash
// probe, one slot read, and the exact tests of the candidates. Neither
// path allocates unless there are conflicts.

// fineDepth is the number of resolutions between the coarse (compaction)
// level and the fine (lookup) level; a split coarse cell has 7^fineDepth slots.
const (
	fineDepth = 3
	fineSlots = 343 // 7^fineDepth
)

// Snapshot is an immutable resolver index over a set of current units and
// enclaves, at one data version. It is safe for concurrent use. Snapshots
// made from one another by Index.Apply share what a change did not touch.
type Snapshot struct {
	version        int64
	res, coarseRes int // of the H3 cells; 0 when there are none (fineCell)
	polys          polyTable
	cells          cellIndex
	quick          quickGrid
	sums           Checksums
	stats          SnapshotStats
}

// SnapshotStats describes an index, for logs and metrics. The counts of
// cells and records are those of the last full build, adjusted for the
// split and uniform cells of the changes applied since. The H3 figures
// (Resolution to CenterMismatches) are zero while the quick grid answers
// every point and the index keeps no H3 cells.
type SnapshotStats struct {
	Resolution         int           `json:"resolution"`           // H3 resolution of the point lookup
	CoarseResolution   int           `json:"coarse_resolution"`    // H3 resolution of the compacted cells
	Units              int           `json:"units"`                // units indexed
	Enclaves           int           `json:"enclaves"`             // enclaves indexed
	Vertices           int           `json:"vertices"`             // points of all rings (last full build)
	Segments           int           `json:"segments"`             // distinct polygon edges (last full build)
	FlaggedPairs       int           `json:"flagged_pairs"`        // (fine cell, edge) pairs within the flag margin (last full build)
	BoundaryCells      int           `json:"boundary_cells"`       // fine cells near an edge: candidates get the exact test (last full build)
	InteriorCells      int           `json:"interior_cells"`       // fine cells in split coarse cells answered without geometry (last full build)
	SplitCoarseCells   int           `json:"split_coarse_cells"`   // coarse cells stored as fine slots
	UniformCoarseCells int           `json:"uniform_coarse_cells"` // coarse cells stored compacted (no edge near)
	MicroSegments      int           `json:"micro_segments"`       // edges of non-zero length < 1e-12°, which PostGIS's rtree code skips and its plain code does not
	CenterMismatches   int           `json:"center_mismatches"`    // coarse cells whose centre fell outside them (answered per fine cell instead)
	QuickTiles         int           `json:"quick_tiles"`          // quick grid tiles with their own storage (last full build)
	QuickCells         int           `json:"quick_cells"`          // quick grid cells over the data (last full build)
	QuickClearCells    int           `json:"quick_clear_cells"`    // of which clear of every edge: no exact test (last full build)
	BuildDuration      time.Duration `json:"build_duration"`       // wall time of the last full build
	ApproxBytes        int64         `json:"approx_bytes"`         // memory held by the index, geometry included (last full build)
	ChangesApplied     int           `json:"changes_applied"`      // incremental changes since the last full build
}

// NewSnapshot builds an immutable index of the given current units and
// enclaves (the caller passes those valid now). It copies what it keeps:
// codes, names, levels, parents and geometries (not properties). It fails
// on unknown levels, duplicate codes and non-finite coordinates.
func NewSnapshot(units []Unit, enclaves []Enclave, version int64) (*Snapshot, error) {
	ix, err := NewIndex(units, enclaves, version)
	if err != nil {
		return nil, err
	}
	return ix.Snapshot(), nil
}

// Resolve applies the resolution rules to a WGS84 point [lon, lat], which
// the caller has validated (finite, in range). The result is identical to
// applying the rules with PostGIS ST_Covers over every unit and enclave.
// Its Ref pointers are shared by all results of this snapshot: treat them as
// read-only.
func (s *Snapshot) Resolve(p orb.Point) Resolution {
	r, _ := s.resolve(p)
	return r
}

// resolve is Resolve, with the memo beside the answer (nil when an enclave
// or nothing covers p).
func (s *Snapshot) resolve(p orb.Point) (Resolution, *Memo) {
	if ref, tile, ok := s.quick.lookup(p); ok {
		var one [1]uint32
		ents, descs := quickRecord(ref, tile, &one)
		if len(ents) > 1 {
			keep(s.warm(ents, false))
		}
		return s.apply(p, ents, splitReader{tile: tile, descs: descs})
	}
	return s.resolveCell(p)
}

// resolveCell answers p from its H3 cell's record.
func (s *Snapshot) resolveCell(p orb.Point) (Resolution, *Memo) {
	ref, pool, all := s.lookup(p)
	if all {
		return s.applyAll(p)
	}
	var one [1]uint32
	ents := record(ref, pool, &one)
	if len(ents) > 1 {
		keep(s.warm(ents, true))
	}
	return s.apply(p, ents, splitReader{})
}

// record returns the entries a record reference stands for, in pool or, for
// a single inline entry, in one.
func record(ref uint32, pool []uint32, one *[1]uint32) []uint32 {
	if ref&inlineBit != 0 {
		one[0] = ref &^ inlineBit
		return one[:]
	}
	n := pool[ref]
	return pool[ref+1 : ref+1+n]
}

// lookup returns the record reference of p's cell and the pool it points
// into; all is true when there is no cell (fineCell) and every polygon
// must be tested.
func (s *Snapshot) lookup(p orb.Point) (ref uint32, pool []uint32, all bool) {
	c := s.fineCell(p)
	if c == 0 {
		return 0, nil, true
	}
	ref, pool = s.cellRecord(c)
	return ref, pool, false
}

// fineCell returns p's fine H3 cell, or 0 when H3 refuses the point or the
// snapshot keeps no H3 cells: then the quick grid answers every point but
// NaN (and every point of an index of nothing), which no polygon covers.
func (s *Snapshot) fineCell(p orb.Point) uint64 {
	if s.res == 0 {
		return 0
	}
	return cellOf(p, s.res)
}

// cellRecord returns the record reference of fine cell c and the pool it
// points into.
func (s *Snapshot) cellRecord(c uint64) (ref uint32, pool []uint32) {
	sh, cs := s.cells.get(cellParent(c, s.coarseRes))
	switch {
	case cs == nil:
		return 0, emptyPool // covered by nothing
	case cs.block == nil:
		return cs.rec, sh.recs
	}
	return cs.block.record(fineOffset(c, s.coarseRes)), cs.block
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

// QuickClearShare is the share of the quick grid's cells (last full
// build) that are clear of every edge: points there need no exact test.
func (st SnapshotStats) QuickClearShare() float64 {
	if st.QuickCells == 0 {
		return 0
	}
	return float64(st.QuickClearCells) / float64(st.QuickCells)
}

// Version returns the data version the snapshot reflects.
func (s *Snapshot) Version() int64 { return s.version }

// Stats describes the index.
func (s *Snapshot) Stats() SnapshotStats { return s.stats }

// Checksums returns the checksums of what the snapshot indexes, to compare
// with the database's (Checksums.Equal).
func (s *Snapshot) Checksums() Checksums { return s.sums }

// approxBytes estimates the memory the index holds: tables, records,
// geometry and edge bands (not the small per-unit strings and refs).
func (s *Snapshot) approxBytes() int64 {
	var n int64
	for _, sh := range s.cells.shards {
		n += int64(unsafe.Sizeof(sh)) + int64(len(sh.slots))*int64(unsafe.Sizeof(cellSlot{})) + int64(len(sh.recs))*4
		for _, s := range sh.slots {
			n += int64(len(s.block)) * 4
		}
	}
	n += s.quick.bytes()
	n += int64(len(s.polys.answers)) * polyChunkSize * int64(unsafe.Sizeof(slotAnswer{}))
	s.polys.each(func(_ uint32, e *polyEntry) {
		n += int64(unsafe.Sizeof(*e)) + int64(len(e.geometry))*8
		for _, r := range e.pip.rings() {
			n += r.bandBytes()
		}
	})
	return n
}

// bandBytes is the memory of a ring's band index.
func (r *pipRing) bandBytes() int64 {
	if r.bands == nil {
		return 0
	}
	return 48 + int64(len(r.bands.start)+len(r.bands.seg))*4
}
