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

// cellSlot is one key (a coarse cell; 0 marks a free slot) and its value.
type cellSlot struct {
	key uint64
	val uint32
}

// fineBlock is a split coarse cell: one record reference per fine
// descendant, indexed by fineOffset, and the records they point into.
type fineBlock struct {
	slots [fineSlots]uint32
	recs  []uint32 // at offset r: a length n, then n entries; offset 0 is empty
}

// cellShard is one shard of the table: open addressing at load <= 1/2.
type cellShard struct {
	slots  []cellSlot
	shift  uint // 64 - log2(len(slots))
	blocks []*fineBlock
	recs   []uint32 // uniform cells' records, laid out as fineBlock.recs
	sbits  uint     // log2 of the table's shard count, whose hash bits home skips
	n      int      // keys stored
}

// cellIndex is the table: len(shards) is a power of two, and a key's shard
// is chosen by the top bits of its hash.
type cellIndex struct {
	shards []*cellShard
	shift  uint // 64 - log2(len(shards))
	n      int  // keys stored, over all shards
}

// emptyPool holds the empty record at offset 0.
var emptyPool = []uint32{0}

// cellHash mixes a cell index; the top bits choose the shard, the next ones
// the home slot within it.
func cellHash(k uint64) uint64 { return (k ^ k>>31) * 0x9E3779B97F4A7C15 }

// get returns k's value and the shard it lives in.
func (ix *cellIndex) get(k uint64) (*cellShard, uint32, bool) {
	if len(ix.shards) == 0 {
		return nil, 0, false
	}
	sh := ix.shards[cellHash(k)>>ix.shift]
	mask := len(sh.slots) - 1
	for i := sh.home(k); ; i = (i + 1) & mask {
		switch sh.slots[i].key {
		case k:
			return sh, sh.slots[i].val, true
		case 0:
			return sh, 0, false
		}
	}
}

// cellValue is what a coarse cell holds while a shard is being built: a
// block for a split cell, else the entries of its uniform record. A value
// with neither is a deletion (in updates).
type cellValue struct {
	key     uint64
	block   *fineBlock
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
	ix := cellIndex{shards: make([]*cellShard, len(groups)), shift: 64 - sbits, n: len(vals)}
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
func newCellShard(vals []cellValue, sbits uint) *cellShard {
	tbits := uint(2)
	for 1<<tbits < 2*len(vals) {
		tbits++
	}
	sh := &cellShard{slots: make([]cellSlot, 1<<tbits), shift: 64 - tbits, sbits: sbits, n: len(vals)}
	pool := newRecordPool()
	for _, v := range vals {
		var val uint32
		if v.block != nil {
			val = uint32(len(sh.blocks))
			sh.blocks = append(sh.blocks, v.block)
		} else {
			val = uniformBit | pool.ref(v.uniform)
		}
		sh.put(v.key, val)
	}
	sh.recs = pool.done()
	return sh
}

// home is k's first probed slot: the hash bits below the shard bits.
func (sh *cellShard) home(k uint64) int {
	return int(cellHash(k) << sh.sbits >> sh.shift)
}

// put stores k; the shard must have room and not hold k.
func (sh *cellShard) put(k uint64, v uint32) {
	mask := len(sh.slots) - 1
	for i := sh.home(k); ; i = (i + 1) & mask {
		if sh.slots[i].key == 0 {
			sh.slots[i] = cellSlot{k, v}
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
		v := cellValue{key: s.key}
		if s.val&uniformBit != 0 {
			v.uniform = decodeRecord(s.val&^uniformBit, sh.recs)
		} else {
			v.block = sh.blocks[s.val]
		}
		out = append(out, v)
	}
	return out
}

// decodeRecord returns the entries a record reference stands for.
func decodeRecord(ref uint32, pool []uint32) []uint32 {
	if ref&inlineBit != 0 {
		return []uint32{ref &^ inlineBit}
	}
	n := pool[ref]
	return slices.Clone(pool[ref+1 : ref+1+n])
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
