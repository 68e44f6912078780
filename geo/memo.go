package geo

import "sync/atomic"

// A Memo is room beside one unit's answer in an index snapshot, where a
// caller may keep something it derives from that answer alone: the
// responsible unit and the chain, which are the same for every point the
// unit wins. The api keeps the answer's JSON there. Found beside the
// answer, it costs the hot path no lookup of its own: at city scale a
// table of its own, keyed by the answer, cost a cache miss a request.
//
// A Memo is empty whenever the answer beside it is new: a snapshot that
// changes a unit's answer starts that unit's Memo (and those of the
// units sharing its block of the table) afresh, so what a Memo holds was
// derived from the answer it sits beside. Load and Store are safe for
// concurrent use; every Store must store values of one type.
type Memo struct{ v atomic.Value }

// Load returns what was stored, or nil.
func (m *Memo) Load() any { return m.v.Load() }

// Store keeps v, replacing what was stored.
func (m *Memo) Store(v any) { m.v.Store(v) }
