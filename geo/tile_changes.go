package geo

import (
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
)

// What the applied changes did where: the tile cache keeps a tile across
// an edit that does not reach it, so it needs, for every change the index
// applies, the places whose data it changed. The index has both sides of
// every changed code — the version it held and the one it takes — so it
// records their boxes as it applies the change.

// TileChange is one change the index applied, as the tile layers see it.
type TileChange struct {
	// From and Version are the data versions the index moved between.
	From, Version int64
	// Layers is every tile layer's data version at Version.
	Layers map[string]int64
	// Boxes holds, for each data layer whose codes changed (a unit level,
	// "enclave"), the WGS 84 bounds of the old and the new geometry of
	// each changed code. A layer whose version moved without an entry
	// changed as a whole (its tile rows redrawn, ChangeSet.Redrawn): none
	// of its tiles can be kept.
	Boxes map[string][]orb.Bound
}

// TileChangesSince returns the changes the index applied after data
// version v, oldest first; false when it no longer knows them all (it was
// rebuilt since, or has forgotten that far back): a caller must then take
// the layers' versions afresh (LayerVersions) and keep nothing drawn
// before them.
func (s *Service) TileChangesSince(v int64) ([]TileChange, bool) {
	return s.tileLog.since(v)
}

// TileEpoch counts the index's rebuilds: a caller that followed the
// changes of another epoch starts again, even at the same version number
// (a rebuild after lost commits, or after a drift, keeps it).
func (s *Service) TileEpoch() uint64 { return s.tileLog.epoch.Load() }

// Bounds of the tile change record: the changes it keeps, and the boxes
// all of them hold together (a large import's thousands of codes are
// recorded as changing their layers whole).
const (
	tileLogChanges = 512
	tileLogBoxes   = 200_000
)

// tileChangeLog is the record TileChangesSince reads: every change after
// from, in order, within the bounds above.
type tileChangeLog struct {
	epoch   atomic.Uint64 // restarts
	mu      sync.Mutex
	from    int64 // the log holds every change after it
	changes []TileChange
	boxes   int
}

// restart empties the log: it knows nothing before v (an index built at v).
func (l *tileChangeLog) restart(v int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.from, l.changes, l.boxes = v, nil, 0
	l.epoch.Add(1)
}

// add records c, forgetting the oldest changes past the bounds.
func (l *tileChangeLog) add(c TileChange) {
	n := 0
	for _, b := range c.Boxes {
		n += len(b)
	}
	if n > tileLogBoxes/4 {
		c.Boxes, n = nil, 0 // too many to list: its layers changed whole
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.From != l.lastLocked() {
		l.from, l.changes, l.boxes = c.From, nil, 0 // a gap (cannot happen; never bridge one)
	}
	l.changes = append(l.changes, c)
	l.boxes += n
	for len(l.changes) > tileLogChanges || l.boxes > tileLogBoxes {
		for _, b := range l.changes[0].Boxes {
			l.boxes -= len(b)
		}
		l.from = l.changes[0].Version
		l.changes = l.changes[1:]
	}
}

func (l *tileChangeLog) lastLocked() int64 {
	if len(l.changes) == 0 {
		return l.from
	}
	return l.changes[len(l.changes)-1].Version
}

func (l *tileChangeLog) since(v int64) ([]TileChange, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if v < l.from || v > l.lastLocked() {
		return nil, false
	}
	i := 0
	for i < len(l.changes) && l.changes[i].Version <= v {
		i++
	}
	return append([]TileChange(nil), l.changes[i:]...), true
}

// changeBoxes returns the boxes of TileChange.Boxes for cs: the geometry
// the index holds for each changed or retired code, and the one cs brings.
// It reads the index before cs is applied. A code of a layer cs redraws
// whole is left out with its layer.
func (ix *Index) changeBoxes(cs ChangeSet) map[string][]orb.Bound {
	boxes := map[string][]orb.Bound{}
	held := func(slot uint32, ok bool) {
		if !ok {
			return
		}
		e := ix.snap.polys.get(slot)
		layer := "enclave"
		if e.isUnit() {
			layer = e.level().String()
		}
		b := orb.Bound{Min: orb.Point{float64(e.box[0]), float64(e.box[1])}, Max: orb.Point{float64(e.box[2]), float64(e.box[3])}}
		boxes[layer] = append(boxes[layer], b)
	}
	for _, u := range cs.Units {
		s, ok := ix.unitSlot[u.Code]
		held(s, ok)
		boxes[u.Level.String()] = append(boxes[u.Level.String()], u.Geom.Bound())
	}
	for _, c := range cs.RetiredUnits {
		s, ok := ix.unitSlot[c]
		held(s, ok)
	}
	for _, e := range cs.Enclaves {
		s, ok := ix.enclaveSlot[e.Code]
		held(s, ok)
		boxes["enclave"] = append(boxes["enclave"], e.Geom.Bound())
	}
	for _, c := range cs.RetiredEnc {
		s, ok := ix.enclaveSlot[c]
		held(s, ok)
	}
	for _, l := range cs.Redrawn {
		delete(boxes, l)
	}
	return boxes
}
