package geo

import "slices"

// Cell records: pruning and interning.
//
// A record lists, in rule order, the polygons that may cover a point of a
// cell (see index.go). References to records are either the offset of the
// record in a pool or, with inlineBit, a single entry itself.
const inlineBit = 1 << 30 // record reference: a single entry, not an offset

// recordPool interns records into one []uint32: at offset r a length n,
// then n entries; offset 0 is the empty record. A pool belongs to one fine
// block or one shard, so it is small and dies with its owner.
type recordPool struct {
	ent  []uint32
	keys map[uint64][]uint32 // hash of a record → offsets with that hash
}

// newRecordPool returns a pool whose records start after the empty record
// and reserve words the owner fills (a fine block's slots).
func newRecordPool(reserve int) *recordPool {
	return &recordPool{ent: make([]uint32, 1+reserve)}
}

// ref interns an already pruned record and returns its reference: 0 for
// the empty record, the entry itself (with inlineBit) for one entry, else
// its offset.
func (p *recordPool) ref(ents []uint32) uint32 {
	switch len(ents) {
	case 0:
		return 0
	case 1:
		return inlineBit | ents[0]
	}
	h := uint64(len(ents))
	for _, e := range ents {
		h = (h ^ uint64(e)) * 0x100000001B3
	}
	if p.keys == nil {
		p.keys = map[uint64][]uint32{}
	}
	for _, r := range p.keys[h] {
		if n := p.ent[r]; slices.Equal(p.ent[r+1:r+1+n], ents) {
			return r
		}
	}
	r := uint32(len(p.ent))
	p.keys[h] = append(p.keys[h], r)
	p.ent = append(p.ent, uint32(len(ents)))
	p.ent = append(p.ent, ents...)
	return r
}

// done returns the pool's records, trimmed; the pool is not used after.
func (p *recordPool) done() []uint32 {
	p.keys = nil
	return slices.Clip(p.ent)
}

// pruneRecord drops entries, in rule order, that cannot change any answer
// in the cell: enclaves after the first sure one (it is smaller, or equal
// with a smaller code, and covers every point), and units of levels coarser
// than the finest level with a sure entry (that level always covers, and
// only the finest covering level counts).
func pruneRecord(ents []uint32) []uint32 {
	out := ents[:0]
	encSure := false
	sureClass := uint32(classMask + 1) // no sure unit yet
	for _, e := range ents {
		c := entryClass(e)
		if c == enclaveCls {
			if !encSure {
				out = append(out, e)
				encSure = e&entrySure != 0
			}
			continue
		}
		if c > sureClass {
			break
		}
		out = append(out, e)
		if e&entrySure != 0 && sureClass > classMask {
			sureClass = c
		}
	}
	return out
}
