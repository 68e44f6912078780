package geo

import (
	"cmp"
	"slices"
	"unsafe"

	"github.com/paulmach/orb"
)

// The polygons of the index. Every current unit and enclave has a slot, a
// small integer that cell records name. A code keeps its slot across its
// versions, so an edit that leaves a polygon's status in a cell unchanged
// leaves that cell's record unchanged too. A slot holds an immutable
// polyEntry; a change installs a new entry (copy on write), and readers of
// older snapshots keep the entries they had.

// Entries of a cell record are slot<<4 | class<<1 | sure. The class puts a
// sorted record in rule order without a memory read: enclaves first (class
// 0), then units finest level first (class 1 + maxRank - rank). Records are
// kept sorted by class, then within a class by ruleCompare.
const (
	entrySure   = 1
	classShift  = 1
	classMask   = 7
	slotShift   = 4
	maxSlots    = 1 << 26 // entries must stay below inlineBit
	enclaveCls  = 0
	maxUnitRank = NumLevels - 1
)

// unitClass is the class of a unit of the given level rank.
func unitClass(rank int) uint32 { return uint32(1 + maxUnitRank - rank) }

// gridClass is the coarsest class that counts as managed (a grid).
var gridClass = unitClass(Grid.Rank())

// makeEntry encodes a record entry.
func makeEntry(slot uint32, class uint32, sure bool) uint32 {
	e := slot<<slotShift | class<<classShift
	if sure {
		e |= entrySure
	}
	return e
}

func entrySlot(e uint32) uint32  { return e >> slotShift & (maxSlots - 1) }
func entryClass(e uint32) uint32 { return e >> classShift & classMask }

// polyEntry is one indexed unit or enclave version. Resolve reads only
// its hot part, which fills the entry's first 128 bytes (see entryHot).
type polyEntry struct {
	entryHot
	_ [entryPad]byte

	// geometry holds every ring's points, which simple and pip point into.
	geometry []float64
	pip      pipPoly

	// What the follower needs of the unit or enclave (not its properties:
	// at province scale they would be a third of the index).
	code    string
	parent  string // a unit's parent code; an enclave's managing code
	version int
	area    float64 // an enclave's geodesic area, which orders nested enclaves
	self    *Ref    // units: the unit as a member of chains

	virtual []segment // rule 4's virtual edges; nil for normal polygons
}

// entryHot is what Resolve reads of an entry: the exact test's box and
// ring (the first cache line) and what fill copies of an enclave (the
// second; a unit's answer is read from polyTable.answers). A random point's
// entries are cache misses, so the layout counts: entries are allocated in
// a size class that is a multiple of 128 bytes (TestPolyEntryLayout), so
// the hot part is one 128-byte aligned pair of lines, which the hardware
// fetches together, and a sure enclave, which is not tested, is read from
// its second line alone.
type entryHot struct {
	// box is the box PostGIS stores with the geometry (fx0 fy0 fx1 fy1),
	// whose values are float32s.
	box [4]float32
	// simple is the shell when the polygon is one short ring with no holes
	// and nothing skipped, which the test scans directly; else nil and pip
	// decides. spans holds the y-range of each run of ringSpan of its
	// segments (min, max), so the scan skips the runs a horizontal ray
	// through the point cannot cross; it follows the ring in memory.
	simple []orb.Point
	spans  []float64

	class uint32 // the second line starts here (TestPolyEntryLayout)
	isEnc bool
	ref   *LevelRef // units: the unit as the responsible one; enclaves: the managing unit
	eref  *EnclaveRef
	chain Chain // units: the unit and its ancestors; enclaves: the managing unit's chain
}

// entryPad pads polyEntry to a multiple of 128 bytes.
const entryPad = (128 - (unsafe.Sizeof(entryHot{})+unsafe.Sizeof(entryCold{}))%128) % 128

// entryCold mirrors polyEntry's fields after the hot part, for entryPad.
type entryCold struct {
	geometry     []float64
	pip          pipPoly
	code, parent string
	version      int
	area         float64
	self         *Ref
	virtual      []segment
}

// isUnit reports whether the entry is a unit (else an enclave).
func (e *polyEntry) isUnit() bool { return !e.isEnc }

// level is a unit's level ("" for an enclave).
func (e *polyEntry) level() Level {
	if e.isEnc {
		return ""
	}
	return Levels[maxUnitRank-int(e.class-1)]
}

// newUnitEntry copies a unit's geometry into a new entry. Chains are filled
// later, once the unit's ancestors are known.
func newUnitEntry(u *Unit) *polyEntry {
	e := &polyEntry{code: u.Code, parent: u.ParentCode, version: u.Version}
	e.class = unitClass(u.Level.Rank())
	e.setGeometry(u.Geom)
	e.self = &Ref{Code: u.Code, Name: u.Name}
	e.ref = &LevelRef{Level: u.Level, Code: u.Code, Name: u.Name}
	return e
}

// newEnclaveEntry copies an enclave's geometry into a new entry.
func newEnclaveEntry(en *Enclave) *polyEntry {
	e := &polyEntry{code: en.Code, parent: en.ManagingCode, version: en.Version, area: en.AreaM2}
	e.class, e.isEnc = enclaveCls, true
	e.setGeometry(en.Geom)
	e.eref = &EnclaveRef{Code: en.Code, Name: en.Name, Status: en.Status}
	return e
}

// setGeometry copies mp into the entry's geometry and prepares the tests;
// it returns the copy.
func (e *polyEntry) setGeometry(mp orb.MultiPolygon) orb.MultiPolygon {
	n := 0
	for _, poly := range mp {
		for _, ring := range poly {
			n += 2 * len(ring)
		}
	}
	simple := len(mp) == 1 && len(mp[0]) == 1 && len(mp[0][0]) > 0
	nSpans := 0
	if simple {
		nSpans = ringSpans(len(mp[0][0]))
	}
	e.geometry = make([]float64, n+2*nSpans)
	cp := make(orb.MultiPolygon, len(mp))
	at := 0
	for i, poly := range mp {
		cp[i] = make(orb.Polygon, len(poly))
		for j, ring := range poly {
			pts := pointsAt(e.geometry, at, len(ring))
			copy(pts, ring)
			cp[i][j] = orb.Ring(pts)
			at += 2 * len(ring)
		}
	}
	e.pip = newPipPoly(cp)
	e.box = [4]float32{float32(e.pip.fx0), float32(e.pip.fy0), float32(e.pip.fx1), float32(e.pip.fy1)}
	e.simple, e.spans = nil, nil
	if simple && e.pip.first.shell.bands == nil {
		e.simple = cp[0][0]
		e.spans = fillSpans(e.geometry[n:], e.simple)
	}
	e.virtual = e.pip.virtualEdges()
	return cp
}

// geom returns the indexed geometry (its rings are the index's copies).
func (e *polyEntry) geom() orb.MultiPolygon {
	mp := make(orb.MultiPolygon, 0, e.pip.parts)
	for i := 0; i < e.pip.parts; i++ {
		part := e.pip.part(i)
		poly := orb.Polygon{orb.Ring(part.shell.pts)}
		for _, h := range part.holes {
			poly = append(poly, orb.Ring(h.pts))
		}
		mp = append(mp, poly)
	}
	return mp
}

// covers reports whether PostGIS ST_Covers(polygon, p) is true, reading
// the hot part first: for a simple polygon that and one sequential read of
// its ring is the whole test.
func (e *polyEntry) covers(p orb.Point) bool {
	b := &e.box
	if p[0] < float64(b[0]) || p[0] > float64(b[2]) || p[1] < float64(b[1]) || p[1] > float64(b[3]) {
		return false
	}
	if e.simple != nil {
		return scanRingSpans(e.simple, e.spans, p) != pipOutside
	}
	return e.pip.locate(p) != pipOutside
}

// pointsAt views n points stored at data[at:] as []orb.Point ([2]float64
// has the layout of two float64s). The view's capacity is n, so appending
// to it copies.
func pointsAt(data []float64, at, n int) []orb.Point {
	if n == 0 {
		return nil
	}
	_ = data[at+2*n-1] // bounds check
	return unsafe.Slice((*orb.Point)(unsafe.Pointer(&data[at])), n)
}

// ruleCompare orders two entries of the same class by the rules: enclaves
// by area (smallest first), then code; units by code.
func ruleCompare(a, b *polyEntry) int {
	if a.isEnc && b.isEnc {
		return cmp.Or(compareArea(a.area, b.area), cmp.Compare(a.code, b.code))
	}
	return cmp.Compare(a.code, b.code)
}

// polyChunkBits sets the chunk size of the slot table: a change copies the
// chunks it touches, never the whole table.
const (
	polyChunkBits = 10
	polyChunkSize = 1 << polyChunkBits
	polyChunkMask = polyChunkSize - 1
)

// polyTable maps slots to entries; nil is a free slot. It is a persistent
// array: clone shares the chunks, and set copies a shared chunk first.
//
// answers mirrors, slot by slot, what an answer copies from a winning
// unit (fill): a dense array, one cache line a slot, a city's worth of
// which (3.5 MB for 55,000 units) stays in the processor's last-level
// cache, where the entries it comes from (two lines each, scattered over
// the heap) do not. Reading the winner's answer here instead of from its
// entry measured 5-18 % less time a Resolve on the 50k city, ResolveMany
// the same within 2 % (10 runs of interleaved blocks of 20,000 points).
type polyTable struct {
	chunks  [][]*polyEntry
	answers [][]slotAnswer
	n       uint32 // slots ever used: every slot below n has a chunk
}

// slotAnswer is what an answer copies from a winning unit, and the Memo
// beside it. Enclaves have one too (set makes no exception), but fill
// reads an enclave from its entry, which it needs for the enclave's own
// ref.
type slotAnswer struct {
	chain Chain
	ref   *LevelRef
	memo  Memo // fills the cache line: a table's chunk is page-aligned
}

// get returns slot's entry (nil when free).
func (t *polyTable) get(slot uint32) *polyEntry {
	return t.chunks[slot>>polyChunkBits][slot&polyChunkMask]
}

// answer returns slot's answer (zero when free).
func (t *polyTable) answer(slot uint32) *slotAnswer {
	return &t.answers[slot>>polyChunkBits][slot&polyChunkMask]
}

// clone returns a table sharing every chunk with t.
func (t *polyTable) clone() polyTable {
	return polyTable{chunks: slices.Clone(t.chunks), answers: slices.Clone(t.answers), n: t.n}
}

// set stores e at slot. owned records the chunks this table already owns
// (copied since the clone); nil means every chunk is owned (a build). Its
// whole-struct writes of a slotAnswer (memo included) thus go only to
// chunks no reader sees yet: new ones, or copies made by freshAnswers.
func (t *polyTable) set(slot uint32, e *polyEntry, owned map[uint32]bool) {
	c := slot >> polyChunkBits
	for uint32(len(t.chunks)) <= c {
		t.chunks = append(t.chunks, make([]*polyEntry, polyChunkSize))
		t.answers = append(t.answers, make([]slotAnswer, polyChunkSize))
		if owned != nil {
			owned[uint32(len(t.chunks)-1)] = true
		}
	}
	if owned != nil && !owned[c] {
		t.chunks[c] = slices.Clone(t.chunks[c])
		t.answers[c] = freshAnswers(t.answers[c])
		owned[c] = true
	}
	t.chunks[c][slot&polyChunkMask] = e
	t.answers[c][slot&polyChunkMask] = e.answer()
	t.n = max(t.n, slot+1)
}

// freshAnswers returns a copy of a chunk of answers with empty memos. The
// memos are not copied: readers of the snapshots sharing the chunk may be
// storing to them, and an empty one costs one encoding to fill.
func freshAnswers(chunk []slotAnswer) []slotAnswer {
	fresh := make([]slotAnswer, len(chunk))
	for i := range chunk {
		fresh[i].chain, fresh[i].ref = chunk[i].chain, chunk[i].ref
	}
	return fresh
}

// syncAnswers copies every entry's answer again, after a build has set
// chains in place (nobody reads its table yet).
func (t *polyTable) syncAnswers() {
	t.each(func(slot uint32, e *polyEntry) { *t.answer(slot) = e.answer() })
}

// answer is what the entry gives an answer; zero for nil.
func (e *polyEntry) answer() slotAnswer {
	if e == nil {
		return slotAnswer{}
	}
	return slotAnswer{chain: e.chain, ref: e.ref}
}

// each calls fn for every occupied slot.
func (t *polyTable) each(fn func(slot uint32, e *polyEntry)) {
	for s := uint32(0); s < t.n; s++ {
		if e := t.get(s); e != nil {
			fn(s, e)
		}
	}
}

// sortEntries sorts record entries into rule order.
func (t *polyTable) sortEntries(ents []uint32) {
	slices.SortFunc(ents, func(a, b uint32) int {
		if ca, cb := entryClass(a), entryClass(b); ca != cb {
			return cmp.Compare(ca, cb)
		}
		return ruleCompare(t.get(entrySlot(a)), t.get(entrySlot(b)))
	})
}
