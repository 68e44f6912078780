package tiles

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/gridmap-dev/gridmap/geo"
)

// changeLog is a follower of changes held in memory.
type changeLog struct {
	from    int64
	changes []geo.TileChange
	layers  map[string]int64
	epoch   uint64
}

func (f *changeLog) TileEpoch() uint64 { return f.epoch }

func (f *changeLog) LayerVersions() (map[string]int64, int64) {
	if len(f.changes) == 0 {
		return f.layers, f.from
	}
	last := f.changes[len(f.changes)-1]
	return last.Layers, last.Version
}

func (f *changeLog) TileChangesSince(v int64) ([]geo.TileChange, bool) {
	if v < f.from {
		return nil, false
	}
	var out []geo.TileChange
	for _, c := range f.changes {
		if c.Version > v {
			out = append(out, c)
		}
	}
	return out, true
}

// change appends a change moving the named layers to the next version.
func (f *changeLog) change(boxes map[string][]orb.Bound, moved ...string) int64 {
	layers, at := f.LayerVersions()
	next := map[string]int64{}
	for l, v := range layers {
		next[l] = v
	}
	for _, l := range moved {
		next[l] = at + 1
	}
	f.changes = append(f.changes, geo.TileChange{From: at, Version: at + 1, Layers: next, Boxes: boxes})
	return at + 1
}

// TestTileSpanIsTheTilesAround: the tiles a change's box reaches are those
// holding its corners and every tile between, and a neighbour only where
// the box comes within the clip buffer of it.
func TestTileSpanIsTheTilesAround(t *testing.T) {
	const z = 15
	in := maptile.At(orb.Point{117.15, 39.11}, z)
	b := in.Bound()
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	centre := b.Center()
	tile := [4]int{int(in.X), int(in.Y), int(in.X), int(in.Y)}
	cases := []struct {
		name string
		box  orb.Bound
		want [4]int
	}{
		{"a box inside a tile", orb.Bound{Min: centre, Max: orb.Point{centre[0] + w/10, centre[1] + h/10}}, tile},
		{"a point", orb.Bound{Min: centre, Max: centre}, tile},
		{"near the east edge", orb.Bound{Min: centre, Max: orb.Point{b.Max[0] - w/1000, centre[1]}},
			[4]int{tile[0], tile[1], tile[0] + 1, tile[1]}},
		{"near the north edge", orb.Bound{Min: centre, Max: orb.Point{centre[0], b.Max[1] - h/1000}},
			[4]int{tile[0], tile[1] - 1, tile[0], tile[1]}},
		{"a quarter tile from the west edge", orb.Bound{Min: orb.Point{b.Min[0] + w/4, centre[1]}, Max: centre}, tile},
		{"across three tiles", orb.Bound{Min: orb.Point{b.Min[0] - w/2, centre[1]}, Max: orb.Point{b.Max[0] + w/2, centre[1]}},
			[4]int{tile[0] - 1, tile[1], tile[0] + 1, tile[1]}},
		{"beyond the Mercator world", orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}},
			[4]int{0, 0, 1<<z - 1, 1<<z - 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tileSpan(tc.box, z); got != tc.want {
				t.Errorf("tileSpan = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestReachKeepsWhatAChangeDoesNotReach: a tile drawn before a change keeps
// its key when the change lies elsewhere and changes it when the change
// reaches it; a tile drawn at a version the node never held, or before a
// change that reached it, is not kept; a change too wide to list reaches
// the whole zoom, and one without boxes, or a follower that forgot, the
// whole layer.
func TestReachKeepsWhatAChangeDoesNotReach(t *testing.T) {
	grid, _ := Lookup("grid")
	here := orb.Point{117.15, 39.11}
	far := orb.Point{117.25, 39.2}
	near := coordAt(here, 15)
	away := coordAt(far, 15)
	q := func(c Coord) Request { return Request{Layers: []*Layer{grid}, Coord: c} }
	small := func(p orb.Point) map[string][]orb.Bound {
		return map[string][]orb.Bound{"grid": {{Min: p, Max: orb.Point{p[0] + 1e-4, p[1] + 1e-4}}}}
	}
	f := &changeLog{from: 10, layers: map[string]int64{"grid": 7, "microgrid": 3}}
	r := newReach(f, registry)
	key := func(c Coord) string {
		_, at := f.LayerVersions()
		v, _ := f.LayerVersions()
		b, ok := r.appendKey(nil, q(c), v, at)
		if !ok {
			t.Fatalf("no key for %v at version %d", c, at)
		}
		return string(b)
	}
	kept := func(c Coord, grid int64) bool {
		_, _, ok := r.drawnKey(q(c), Versions{"grid": grid, "microgrid": 3})
		return ok
	}
	nearKey, awayKey := key(near), key(away)
	if !kept(near, 7) || kept(near, 6) {
		t.Fatal("a tile drawn at the version the record starts from is kept, and only that")
	}

	v := f.change(small(here), "grid")
	if key(away) != awayKey {
		t.Error("a change elsewhere changed the key of a tile it does not reach")
	}
	if key(near) == nearKey {
		t.Error("a change kept the key of a tile it reaches")
	}
	if !kept(away, 7) || !kept(away, v) || kept(near, 7) || !kept(near, v) || kept(near, v+5) {
		t.Error("kept: a tile away drawn before or after the change, a tile it reaches only after it, never at an unknown version")
	}

	f.change(map[string][]orb.Bound{"grid": {{Min: orb.Point{117, 39}, Max: orb.Point{117.5, 39.5}}}}, "grid")
	if key(away) == awayKey {
		t.Error("a change too wide to list tile by tile left a tile of its zoom keyed as before")
	}

	awayKey = key(away)
	f.change(nil, "microgrid")
	if key(away) == awayKey {
		t.Error("a change without boxes kept a tile of its layer")
	}

	awayKey = key(away)
	f.epoch++ // the index rebuilt at the same version (commits lost, the number given again)
	if key(away) == awayKey {
		t.Error("a record whose follower rebuilt its index at the same version kept a tile")
	}

	awayKey = key(away)
	f.from, f.changes = f.changes[len(f.changes)-1].Version+5, nil // an index rebuilt
	f.layers = map[string]int64{"grid": 99, "microgrid": 98}
	if key(away) == awayKey {
		t.Error("a record whose follower forgot its changes kept a tile")
	}
}
