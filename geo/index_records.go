package geo

import "unsafe"

// Cell records: interning, pruning, merging.

// recordTable interns cell records, laid out as Snapshot.recEnt.
type recordTable struct {
	rs   *ruleSet
	ent  []uint32 // at offset r: length n, then n entries; offset 0 is empty
	keys map[string]uint32
	n    int // records interned
}

func newRecordTable(rs *ruleSet) *recordTable {
	return &recordTable{rs: rs, ent: []uint32{0}, keys: map[string]uint32{}}
}

// ref prunes a record and returns its reference: 0 for the empty record,
// the entry itself (with inlineBit) for a single entry, else its offset.
func (t *recordTable) ref(ents []uint32) uint32 {
	ents = t.prune(ents)
	switch len(ents) {
	case 0:
		return 0
	case 1:
		return inlineBit | ents[0]
	}
	key := unsafe.String((*byte)(unsafe.Pointer(&ents[0])), 4*len(ents))
	if r, ok := t.keys[key]; ok {
		return r
	}
	r := uint32(len(t.ent))
	t.keys[string([]byte(key))] = r
	t.ent = append(t.ent, uint32(len(ents)))
	t.ent = append(t.ent, ents...)
	t.n++
	return r
}

// prune drops entries that cannot change any answer in the cell: enclaves
// after the first sure one (it is smaller, or equal with a smaller code, and
// covers every point), and units of levels coarser than the finest level
// with a sure entry (that level always covers, and only the finest covering
// level counts). Entries are in id order, which is rule order.
func (t *recordTable) prune(ents []uint32) []uint32 {
	nEnc := uint32(len(t.rs.enclaves))
	out := ents[:0]
	encSure, unitRank := false, -1
	for _, e := range ents {
		id := e >> 1
		if id < nEnc {
			if !encSure {
				out = append(out, e)
				encSure = e&entrySure != 0
			}
			continue
		}
		rank := t.rs.uinfo[id-nEnc].rank
		if unitRank >= 0 && rank < unitRank {
			break
		}
		out = append(out, e)
		if e&entrySure != 0 && unitRank < 0 {
			unitRank = rank
		}
	}
	return out
}

// merge interns every record of o and returns the map from o's record
// offsets to this table's.
func (t *recordTable) merge(o *recordTable) map[uint32]uint32 {
	remap := make(map[uint32]uint32, o.n)
	for off := uint32(1); int(off) < len(o.ent); {
		n := o.ent[off]
		remap[off] = t.ref(o.ent[off+1 : off+1+n])
		off += 1 + n
	}
	return remap
}
