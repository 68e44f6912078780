package api

import (
	"sync/atomic"
	"unsafe"

	"github.com/gridmap-dev/gridmap/geo"
)

// Most of a resolve answer is the responsible unit and the chain (grid,
// community, street, district with their names), the chain written twice
// when there is no enclave. They repeat: a city has one of each per unit,
// and every point of a unit answers with them. So the encodings of recent
// ones are kept in direct-mapped tables, and a hit costs a few pointer
// compares and a copy instead of escaping up to ten strings.
//
// At city scale a random point's unit is rarely in cache, so what a hit
// reads counts: the responsible unit and the chain are one entry (one
// probe, not two), and an entry holds its bytes (one allocation, read as
// one run of cache lines, not two). BenchmarkAnswerJSON measures it.
//
// A slot holds an immutable entry; writers replace it whole, so readers
// need no lock. An entry is valid for exactly the refs it was made from:
// refs are immutable (geo's Resolve contract), and an edit that renames a
// unit makes new refs, which miss.

// encodedSlots is a table's size: room for a city's units (~50,000 grids)
// with few pairs of slots holding more than two, and a bound on what a
// table holds (at most ~64 MB of entries at a province's scale).
const (
	encodedBits  = 17
	encodedSlots = 1 << encodedBits
)

// inlineBytes is the encoding an entry holds inline (an entry is then 512
// bytes): a full answer's middle (a grid's responsible unit and chain) is
// ~350 bytes.
const inlineBytes = 432

// encoded is one value's JSON; at marks where its second part starts (the
// chain, in an answer's middle).
type encoded[K comparable] struct {
	key  K
	json []byte
	at   int
}

// encodedInline is an entry and its bytes in one allocation.
type encodedInline[K comparable] struct {
	encoded[K]
	buf [inlineBytes]byte
}

// newEncoded returns the entry of k for json (copied).
func newEncoded[K comparable](k K, json []byte, at int) *encoded[K] {
	if len(json) > inlineBytes {
		return &encoded[K]{key: k, json: append([]byte(nil), json...), at: at}
	}
	e := &encodedInline[K]{}
	e.key, e.at = k, at
	e.json = e.buf[:copy(e.buf[:], json)]
	return &e.encoded
}

// encodedTable is a table of recent encodings, by key.
type encodedTable[K comparable] [encodedSlots]atomic.Pointer[encoded[K]]

// get returns k's entry, from slot or its pair (slot^1), else nil.
func (t *encodedTable[K]) get(slot uint32, k K) *encoded[K] {
	if e := t[slot].Load(); e != nil && e.key == k {
		return e
	}
	if e := t[slot^1].Load(); e != nil && e.key == k {
		return e
	}
	return nil
}

// put makes json (copied) k's entry in slot; the entry it held moves to the
// pair, whose entry is dropped. Two keys sharing a slot thus both stay
// (the pair is in the same cache line), which at city scale is most of
// the misses a table of one entry a slot had.
func (t *encodedTable[K]) put(slot uint32, k K, json []byte, at int) {
	if old := t[slot].Load(); old != nil {
		t[slot^1].Store(old)
	}
	t[slot].Store(newEncoded(k, json, at))
}

// encodedSlot hashes a key's identity (one or two pointers) to its slot.
func encodedSlot(a, b unsafe.Pointer) uint32 {
	h := uint64(uintptr(a))*0x9E3779B97F4A7C15 ^ uint64(uintptr(b))*0xC2B2AE3D27D4EB4F
	return uint32(h >> (64 - encodedBits))
}

// middleKey identifies an answer's middle: its responsible unit and chain.
type middleKey struct {
	responsible *geo.LevelRef
	chain       geo.Chain
}

var (
	middleTable encodedTable[middleKey] // appendCachedMiddle
	chainTable  encodedTable[geo.Chain] // appendCachedChain
)

// appendCachedMiddle appends the responsible unit (or null), a comma and
// the fields of r's chain, and returns where the chain's fields start.
// The encoding is kept in memo, the index's room beside r's answer, when
// there is one (a unit's own answer): found there, it costs no probe of a
// table. Otherwise (an enclave's answer, and resolvers without memos) it
// is kept in middleTable.
func appendCachedMiddle(b []byte, r *geo.Resolution, memo *geo.Memo) ([]byte, int) {
	k := middleKey{r.Responsible, r.Chain}
	if memo != nil {
		// The key is checked although a memo only ever sits beside the
		// answer it was made from: a wrong answer would be worse than a
		// re-encoding.
		if e, _ := memo.Load().(*encoded[middleKey]); e != nil && e.key == k {
			return append(b, e.json...), len(b) + e.at
		}
		start := len(b)
		b, at := appendMiddle(b, &k)
		memo.Store(newEncoded(k, b[start:], at-start))
		return b, at
	}
	slot := encodedSlot(unsafe.Pointer(k.responsible), unsafe.Pointer(finestRef(&k.chain)))
	if e := middleTable.get(slot, k); e != nil {
		return append(b, e.json...), len(b) + e.at
	}
	start := len(b)
	b, at := appendMiddle(b, &k)
	middleTable.put(slot, k, b[start:], at-start)
	return b, at
}

// appendMiddle encodes k: the responsible unit (or null), a comma and the
// chain's fields. It returns where the chain's fields start.
func appendMiddle(b []byte, k *middleKey) ([]byte, int) {
	if k.responsible == nil {
		b = append(b, "null"...)
	} else {
		b = appendLevelRef(b, k.responsible)
	}
	b = append(b, ',')
	at := len(b)
	return appendChainFields(b, &k.chain), at
}

// appendCachedChain appends appendChainFields(c).
func appendCachedChain(b []byte, c *geo.Chain) []byte {
	slot := encodedSlot(unsafe.Pointer(finestRef(c)), nil)
	if e := chainTable.get(slot, *c); e != nil {
		return append(b, e.json...)
	}
	start := len(b)
	b = appendChainFields(b, c)
	chainTable.put(slot, *c, b[start:], 0)
	return b
}

// finestRef is the chain's finest ref, its identity within a snapshot.
func finestRef(c *geo.Chain) *geo.Ref {
	for _, r := range [...]*geo.Ref{c.MicroGrid, c.Grid, c.Community, c.Street} {
		if r != nil {
			return r
		}
	}
	return c.District
}
