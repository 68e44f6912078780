package geo

import "slices"

// The cell table: coarse H3 cell → its record (a uniform cell) or its block
// of fine slots (a split cell). It is a persistent hash map of shards: a
// change rebuilds the few shards whose cells it touches and shares the rest
// with the previous snapshot, so readers of either never see the other's
// writes and the cost of a change does not grow with the city.
//
// Records live next to what refers to them: a uniform cell's record in its
// shard's pool, a fine slot's record in its block's pool. Replacing a shard
// or a block therefore drops its old records with it, and no garbage builds
// up over edits.

// cellSlot is one key (a coarse cell; 0 marks a free slot) and its value:
// a split cell's block, or a uniform cell's record reference into its
// shard's records. The block is held here, not behind an index, because
// every hop is a cache miss for a random point.
type cellSlot struct {
	key   uint64
	block fineBlock // nil for a uniform cell
	rec   uint32    // a uniform cell's record
}

// fineBlock is a split coarse cell in one array, so a lookup reads one
// allocation: [0] is the empty record, [1+off] the record reference of the
// fine descendant at offset off (fineOffset), and the records those point
// to follow (laid out as recordPool lays them out).
type fineBlock []uint32

// newFineBlock returns a block of the given record references, one per
// fine offset, interned by pool (made with newRecordPool(fineSlots)).
func newFineBlock(refs *[fineSlots]uint32, pool *recordPool) fineBlock {
	blk := fineBlock(pool.done())
	copy(blk[1:1+fineSlots], refs[:])
	return blk
}

// record returns the record reference of the fine cell at offset off.
func (b fineBlock) record(off int) uint32 { return b[1+off] }

// cellShard is one shard of the table: open addressing at load <= 1/2.
type cellShard struct {
	slots []cellSlot
	shift uint     // 64 - log2(len(slots))
	recs  []uint32 // uniform cells' records, laid out as recordPool lays them out
	sbits uint     // log2 of the table's shard count, whose hash bits home skips
	n     int      // keys stored
}

// cellIndex is the table: len(shards) is a power of two, and a key's shard
// is chosen by the top bits of its hash. Shards are held by value: a
// change copies the small shard headers, and a lookup saves a miss.
type cellIndex struct {
	shards []cellShard
	shift  uint // 64 - log2(len(shards))
	n      int  // keys stored, over all shards
}

// emptyPool holds the empty record at offset 0.
var emptyPool = []uint32{0}

// cellHash mixes a cell index; the top bits choose the shard, the next ones
// the home slot within it.
func cellHash(k uint64) uint64 { return (k ^ k>>31) * 0x9E3779B97F4A7C15 }

// get returns k's slot (nil when k is not stored) and its shard.
func (ix *cellIndex) get(k uint64) (*cellShard, *cellSlot) {
	if len(ix.shards) == 0 {
		return nil, nil
	}
	sh := &ix.shards[cellHash(k)>>ix.shift]
	mask := len(sh.slots) - 1
	for i := sh.home(k); ; i = (i + 1) & mask {
		switch sh.slots[i].key {
		case k:
			return sh, &sh.slots[i]
		case 0:
			return sh, nil
		}
	}
}

// cellValue is what a coarse cell holds while a shard is being built: a
// block for a split cell, else the entries of its uniform record. A value
// with neither is a deletion (in updates).
type cellValue struct {
	key     uint64
	block   fineBlock
	uniform []uint32
}

// newCellIndex builds a table of the given values with about cellsPerShard
// cells per shard.
func newCellIndex(vals []cellValue) cellIndex {
	sbits := uint(0)
	for 1<<sbits*cellsPerShard < len(vals) {
		sbits++
	}
	groups := make([][]cellValue, 1<<sbits)
	for _, v := range vals {
		i := cellHash(v.key) >> (64 - sbits) // 0 when sbits is 0: Go shifts by >= 64 give 0
		groups[i] = append(groups[i], v)
	}
	ix := cellIndex{shards: make([]cellShard, len(groups)), shift: 64 - sbits, n: len(vals)}
	for i, g := range groups {
		ix.shards[i] = newCellShard(g, sbits)
	}
	return ix
}

// cellsPerShard is the shard size a table is built for; a change copies
// the shards it touches, so this bounds the copying per touched cell.
const cellsPerShard = 32

// update returns a table with the given values stored (a value with no
// block and no record deletes its key). It shares every untouched shard
// with ix; when the table has grown well past its shard count it is
// rebuilt with more shards, which keeps the cost per change bounded on
// average, as a growing hash table does.
func (ix *cellIndex) update(changes []cellValue) cellIndex {
	byShard := map[uint64][]cellValue{}
	for _, v := range changes {
		i := cellHash(v.key) >> ix.shift
		byShard[i] = append(byShard[i], v)
	}
	out := cellIndex{shards: slices.Clone(ix.shards), shift: ix.shift, n: ix.n}
	sbits := 64 - ix.shift
	for i, vs := range byShard {
		old := ix.shards[i]
		merged := make(map[uint64]cellValue, old.n+len(vs))
		for _, v := range old.values() {
			merged[v.key] = v
		}
		for _, v := range vs {
			if v.block == nil && len(v.uniform) == 0 {
				delete(merged, v.key)
			} else {
				merged[v.key] = v
			}
		}
		vals := make([]cellValue, 0, len(merged))
		for _, v := range merged {
			vals = append(vals, v)
		}
		slices.SortFunc(vals, func(a, b cellValue) int { return cmpU64(a.key, b.key) })
		out.n += len(vals) - old.n
		out.shards[i] = newCellShard(vals, sbits)
	}
	if out.n > 4*cellsPerShard*len(out.shards) {
		return newCellIndex(out.values())
	}
	return out
}

// values lists every cell of the table.
func (ix *cellIndex) values() []cellValue {
	out := make([]cellValue, 0, ix.n)
	for _, sh := range ix.shards {
		out = append(out, sh.values()...)
	}
	return out
}

// newCellShard builds a shard holding vals, for a table of 2^sbits shards.
func newCellShard(vals []cellValue, sbits uint) cellShard {
	tbits := uint(2)
	for 1<<tbits < 2*len(vals) {
		tbits++
	}
	sh := cellShard{slots: make([]cellSlot, 1<<tbits), shift: 64 - tbits, sbits: sbits, n: len(vals)}
	pool := newRecordPool(0)
	for _, v := range vals {
		slot := cellSlot{key: v.key, block: v.block}
		if v.block == nil {
			slot.rec = pool.ref(v.uniform)
		}
		sh.put(slot)
	}
	sh.recs = pool.done()
	return sh
}

// home is k's first probed slot: the hash bits below the shard bits.
func (sh *cellShard) home(k uint64) int {
	return int(cellHash(k) << sh.sbits >> sh.shift)
}

// put stores a slot; the shard must have room and not hold its key.
func (sh *cellShard) put(s cellSlot) {
	mask := len(sh.slots) - 1
	for i := sh.home(s.key); ; i = (i + 1) & mask {
		if sh.slots[i].key == 0 {
			sh.slots[i] = s
			return
		}
	}
}

// values lists what the shard holds, with uniform records decoded.
func (sh *cellShard) values() []cellValue {
	out := make([]cellValue, 0, sh.n)
	for _, s := range sh.slots {
		if s.key == 0 {
			continue
		}
		v := cellValue{key: s.key, block: s.block}
		if s.block == nil {
			v.uniform = decodeRecord(s.rec, sh.recs)
		}
		out = append(out, v)
	}
	return out
}

// decodeRecord returns a copy of the entries a record reference stands for.
func decodeRecord(ref uint32, pool []uint32) []uint32 {
	var one [1]uint32
	return slices.Clone(record(ref, pool, &one))
}

// cmpU64 orders keys, for deterministic shard layouts.
func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
