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
// A slot holds an immutable entry; writers replace it whole, so readers
// need no lock. An entry is valid for exactly the refs it was made from:
// refs are immutable (geo's Resolve contract), and an edit that renames a
// unit makes new refs, which miss.

// encodedSlots is a table's size: enough for the units of a city to mostly
// keep their slots.
const (
	encodedBits  = 16
	encodedSlots = 1 << encodedBits
)

// encoded is one value's JSON.
type encoded[K comparable] struct {
	key  K
	json []byte
}

// encodedTable is a table of recent encodings, by key.
type encodedTable[K comparable] [encodedSlots]atomic.Pointer[encoded[K]]

// appendEncoded appends encode(k)'s output, from slot id's entry when it
// holds k.
func (t *encodedTable[K]) appendEncoded(b []byte, id unsafe.Pointer, k K, encode func([]byte) []byte) []byte {
	slot := &t[encodedSlot(id)]
	if e := slot.Load(); e != nil && e.key == k {
		return append(b, e.json...)
	}
	start := len(b)
	b = encode(b)
	slot.Store(&encoded[K]{key: k, json: append([]byte(nil), b[start:]...)})
	return b
}

// encodedSlot hashes a key's identity (a pointer) to its slot.
func encodedSlot(id unsafe.Pointer) uint32 {
	return uint32(uint64(uintptr(id)) * 0x9E3779B97F4A7C15 >> (64 - encodedBits))
}

var (
	chainTable encodedTable[geo.Chain]     // appendChainFields
	levelTable encodedTable[*geo.LevelRef] // appendLevelRef
)

// appendCachedChain appends appendChainFields(c).
func appendCachedChain(b []byte, c *geo.Chain) []byte {
	return chainTable.appendEncoded(b, unsafe.Pointer(finestRef(c)), *c,
		func(b []byte) []byte { return appendChainFields(b, c) })
}

// appendCachedLevelRef appends appendLevelRef(r).
func appendCachedLevelRef(b []byte, r *geo.LevelRef) []byte {
	return levelTable.appendEncoded(b, unsafe.Pointer(r), r,
		func(b []byte) []byte { return appendLevelRef(b, r) })
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
