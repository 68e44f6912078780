package geo

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// liveCity is the truth a changing index is compared with: the current
// units and enclaves, changed by random edits.
type liveCity struct {
	rng      *rand.Rand
	units    map[string]Unit
	enclaves map[string]Enclave
	version  int64
	lo, hi   orb.Point
	next     int // for new codes
}

func newLiveCity(o cityOpts, seed uint64) *liveCity {
	units, enclaves := syntheticCity(o)
	c := &liveCity{rng: rand.New(rand.NewPCG(seed, 99)), units: map[string]Unit{}, enclaves: map[string]Enclave{}, version: 1}
	for _, u := range units {
		u.Version = 1
		c.units[u.Code] = u
	}
	for _, e := range enclaves {
		e.Version = 1
		c.enclaves[e.Code] = e
	}
	c.lo, c.hi = cityExtent(o)
	return c
}

func (c *liveCity) current() ([]Unit, []Enclave) {
	return slices.Collect(maps.Values(c.units)), slices.Collect(maps.Values(c.enclaves))
}

// pick returns a random current unit code of the level ("" for any level).
func (c *liveCity) pick(l Level) string {
	codes := slices.Sorted(maps.Keys(c.units))
	var cand []string
	for _, code := range codes {
		if l == "" || c.units[code].Level == l {
			cand = append(cand, code)
		}
	}
	if len(cand) == 0 {
		return ""
	}
	return cand[c.rng.IntN(len(cand))]
}

func (c *liveCity) pickEnclave() string {
	codes := slices.Sorted(maps.Keys(c.enclaves))
	if len(codes) == 0 {
		return ""
	}
	return codes[c.rng.IntN(len(codes))]
}

// randomPoly is a small star-shaped polygon somewhere over the city.
func (c *liveCity) randomPoly() orb.MultiPolygon {
	ctr := orb.Point{c.lo[0] + (c.hi[0]-c.lo[0])*c.rng.Float64(), c.lo[1] + (c.hi[1]-c.lo[1])*c.rng.Float64()}
	return orb.MultiPolygon{{randomRing(c.rng, ctr, 0.0004+0.003*c.rng.Float64(), 3+c.rng.IntN(12))}}
}

// cloneGeom deep-copies a geometry (the index keeps its own copies, but the
// city's must not alias between versions either).
func cloneGeom(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		out[i] = make(orb.Polygon, len(p))
		for j, r := range p {
			out[i][j] = slices.Clone(r)
		}
	}
	return out
}

// edit makes one random change and records it in cs.
func (c *liveCity) edit(cs *changeRecorder) {
	switch op := c.rng.IntN(20); {
	case op < 5: // move one vertex of a grid (or a coarser unit, now and then)
		lvl := Grid
		if op == 0 {
			lvl = Levels[c.rng.IntN(3)]
		}
		if code := c.pick(lvl); code != "" {
			u := c.units[code]
			u.Geom = cloneGeom(u.Geom)
			ring := u.Geom[0][0]
			i := c.rng.IntN(len(ring) - 1)
			ring[i] = orb.Point{ring[i][0] + 0.0006*(c.rng.Float64()-0.5), ring[i][1] + 0.0006*(c.rng.Float64()-0.5)}
			if i == 0 {
				ring[len(ring)-1] = ring[0]
			}
			c.putUnit(cs, u)
		}
	case op < 7: // move a vertex shared by every unit that has it
		if code := c.pick(Grid); code != "" {
			ring := c.units[code].Geom[0][0]
			v := ring[c.rng.IntN(len(ring)-1)]
			to := orb.Point{v[0] + 0.0004*(c.rng.Float64()-0.5), v[1] + 0.0004*(c.rng.Float64()-0.5)}
			for _, other := range slices.Sorted(maps.Keys(c.units)) {
				u := c.units[other]
				if moved, ok := moveVertex(u.Geom, v, to); ok {
					u.Geom = moved
					c.putUnit(cs, u)
				}
			}
		}
	case op < 10: // a new grid, anywhere
		if comm := c.pick(Community); comm != "" {
			c.next++
			c.putUnit(cs, Unit{Code: fmt.Sprintf("%s%03d", comm, 500+c.next%500), Level: Grid, ParentCode: comm,
				Name: fmt.Sprintf("new %d", c.next), Geom: c.randomPoly()})
		}
	case op < 12: // retire a grid
		if code := c.pick(Grid); code != "" {
			c.retireUnit(cs, code)
		}
	case op < 14: // a new enclave, managed by a unit that may not exist
		c.next++
		managing := c.pick("")
		if c.rng.IntN(5) == 0 {
			managing = "120999001"
		}
		mp := c.randomPoly()
		c.putEnclave(cs, Enclave{Code: fmt.Sprintf("N%05d", c.next), Name: fmt.Sprintf("new enclave %d", c.next),
			ManagingCode: managing, Status: EnclaveCustodial, Geom: mp, AreaM2: approxAreaM2(mp)})
	case op < 16: // move or resize an enclave (its area, and so its rank, changes)
		if code := c.pickEnclave(); code != "" {
			e := c.enclaves[code]
			e.Geom = c.randomPoly()
			e.AreaM2 = approxAreaM2(e.Geom)
			if c.rng.IntN(4) == 0 {
				e.ManagingCode = c.pick("")
			}
			c.putEnclave(cs, e)
		}
	case op < 17: // retire an enclave
		if code := c.pickEnclave(); code != "" {
			delete(c.enclaves, code)
			cs.retiredEnc[code] = true
		}
	case op < 18: // rename a coarser unit: every chain below changes
		if code := c.pick(Levels[c.rng.IntN(3)]); code != "" {
			u := c.units[code]
			u.Name += "'"
			c.putUnit(cs, u)
		}
	case op < 19: // move a grid to another community (its chain changes)
		if code, comm := c.pick(Grid), c.pick(Community); code != "" && comm != "" {
			u := c.units[code]
			u.ParentCode = comm
			c.putUnit(cs, u)
		}
	default: // retire a community and bring it back later: chains below break, then mend
		if code := c.pick(Community); code != "" {
			u := c.units[code]
			c.retireUnit(cs, code)
			cs.revive = append(cs.revive, u)
		}
	}
}

// moveVertex moves every occurrence of v in mp to to.
func moveVertex(mp orb.MultiPolygon, v, to orb.Point) (orb.MultiPolygon, bool) {
	found := false
	out := cloneGeom(mp)
	for _, p := range out {
		for _, r := range p {
			for i := range r {
				if r[i] == v {
					r[i], found = to, true
				}
			}
		}
	}
	return out, found
}

func (c *liveCity) putUnit(cs *changeRecorder, u Unit) {
	u.Version = c.units[u.Code].Version + 1
	c.units[u.Code] = u
	cs.units[u.Code] = true
}

func (c *liveCity) retireUnit(cs *changeRecorder, code string) {
	delete(c.units, code)
	cs.units[code] = true
}

func (c *liveCity) putEnclave(cs *changeRecorder, e Enclave) {
	e.Version = c.enclaves[e.Code].Version + 1
	c.enclaves[e.Code] = e
	delete(cs.retiredEnc, e.Code)
	cs.enclaves[e.Code] = true
}

// changeRecorder collects the codes a batch of edits touched.
type changeRecorder struct {
	units, enclaves, retiredEnc map[string]bool
	revive                      []Unit
}

func newChangeRecorder() *changeRecorder {
	return &changeRecorder{units: map[string]bool{}, enclaves: map[string]bool{}, retiredEnc: map[string]bool{}}
}

// changeSet turns the touched codes into the state-based change a node
// would read: current versions, and codes without one.
func (c *liveCity) changeSet(r *changeRecorder) ChangeSet {
	c.version++
	cs := ChangeSet{From: c.version - 1, Version: c.version}
	for _, code := range slices.Sorted(maps.Keys(r.units)) {
		if u, ok := c.units[code]; ok {
			cs.Units = append(cs.Units, u)
		} else {
			cs.RetiredUnits = append(cs.RetiredUnits, code)
		}
	}
	for _, code := range slices.Sorted(maps.Keys(r.enclaves)) {
		if e, ok := c.enclaves[code]; ok {
			cs.Enclaves = append(cs.Enclaves, e)
		}
	}
	for _, code := range slices.Sorted(maps.Keys(r.retiredEnc)) {
		if _, ok := c.enclaves[code]; !ok {
			cs.RetiredEnc = append(cs.RetiredEnc, code)
		}
	}
	return cs
}

// geoms lists the geometries a change touched, before and after.
func touchedGeoms(before *Snapshot, cs ChangeSet, ix *Index) []orb.MultiPolygon {
	var out []orb.MultiPolygon
	for _, u := range cs.Units {
		out = append(out, u.Geom)
	}
	for _, e := range cs.Enclaves {
		out = append(out, e.Geom)
	}
	before.polys.each(func(_ uint32, e *polyEntry) {
		if code := e.code; (e.isUnit() && (slices.Contains(cs.RetiredUnits, code) || containsUnit(cs.Units, code))) ||
			(e.isEnc && (slices.Contains(cs.RetiredEnc, code) || containsEnclave(cs.Enclaves, code))) {
			out = append(out, e.geom())
		}
	})
	return out
}

func containsUnit(us []Unit, code string) bool {
	return slices.ContainsFunc(us, func(u Unit) bool { return u.Code == code })
}

func containsEnclave(es []Enclave, code string) bool {
	return slices.ContainsFunc(es, func(e Enclave) bool { return e.Code == code })
}

// TestApplyEqualsRebuild applies a long random sequence of edits to a live
// index and checks, after every change, the points around what changed
// against the oracle; every so often, and at the end, the whole index
// against a fresh build on more than 100,000 points; and that snapshots
// handed out before a change never change.
func TestApplyEqualsRebuild(t *testing.T) {
	o := cityOpts{nx: 14, ny: 12, community: 3, street: 6, district: 7, bends: 3, gaps: 0.05, enclaves: 12, seed: 21}
	// The layout the data chooses gets the long sequence; a finer one (with
	// uniform coarse cells) and a coarse one (few, crowded cells) shorter ones.
	for _, tc := range []struct {
		name   string
		layout indexLayout
		edits  int
	}{
		{"quick", indexLayout{}, 1200},
		{"cells", indexLayout{cellsOnly: true}, 400},
		{"cells-res13", indexLayout{cellsOnly: true, res: 13}, 400},
		{"cells-res9", indexLayout{cellsOnly: true, res: 9}, 400},
	} {
		layout, edits := tc.layout, tc.edits
		if testing.Short() {
			edits /= 4
		}
		seed := uint64(layout.res)
		if layout.cellsOnly {
			seed += 100
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			city := newLiveCity(o, seed+1)
			units, enclaves := city.current()
			ix, err := newIndexAt(units, enclaves, city.version, layout)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(seed, 5))
			done := 0
			for done < edits {
				rec := newChangeRecorder()
				for n := 1 + rng.IntN(4); n > 0; n-- {
					city.edit(rec)
					done++
				}
				before := ix.Snapshot()
				probe := randomPointsIn(rng, city.lo, city.hi, 64)
				want := resolveAll(before, probe)
				cs := city.changeSet(rec)
				if _, err := ix.Apply(cs); err != nil {
					t.Fatalf("apply %d: %v", cs.Version, err)
				}
				if got := resolveAll(before, probe); !reflect.DeepEqual(got, want) {
					t.Fatalf("version %d: an older snapshot changed when a change was applied", cs.Version)
				}
				var near []orb.Point
				for _, g := range touchedGeoms(before, cs, ix) {
					near = append(near, adversarialPoints(rng, g, 8)...)
				}
				rng.Shuffle(len(near), func(i, j int) { near[i], near[j] = near[j], near[i] })
				pts := append(probe, near[:min(len(near), 600)]...)
				compareSnapshots(t, ix.Snapshot(), city, pts, fmt.Sprintf("after version %d", cs.Version))
				for _, u := range rec.revive {
					r := newChangeRecorder()
					city.putUnit(r, u)
					if _, err := ix.Apply(city.changeSet(r)); err != nil {
						t.Fatal(err)
					}
				}
				if cs.Version%150 == 0 {
					compareWithRebuild(t, ix, city, rng, 20000, layout)
				}
			}
			compareWithRebuild(t, ix, city, rng, 100000, layout)
			t.Logf("%d edits applied; %+v", done, ix.Snapshot().Stats())
		})
	}
}

// compareSnapshots checks a snapshot against the oracle of the city.
func compareSnapshots(t *testing.T, s *Snapshot, city *liveCity, pts []orb.Point, when string) {
	t.Helper()
	units, enclaves := city.current()
	o := newOracle(units, enclaves, s.Version())
	for _, p := range pts {
		if got, want := s.Resolve(p), o.resolve(p); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s at %v:\n index  %+v\n oracle %+v", when, p, got, want)
		}
	}
}

// compareWithRebuild checks the live index against a fresh build of the
// same data on random points and on every polygon's vertices and edges.
func compareWithRebuild(t *testing.T, ix *Index, city *liveCity, rng *rand.Rand, nRandom int, layout indexLayout) {
	t.Helper()
	units, enclaves := city.current()
	full, err := newIndexAt(units, enclaves, city.version, layout)
	if err != nil {
		t.Fatal(err)
	}
	live := ix.Snapshot()
	if live.Checksums() != full.Snapshot().Checksums() {
		t.Fatalf("checksums differ: live %+v, rebuilt %+v", live.Checksums(), full.Snapshot().Checksums())
	}
	pts := oraclePoints(rng, units, enclaves, nRandom, city.lo, city.hi)
	for _, p := range pts {
		if got, want := live.Resolve(p), full.Snapshot().Resolve(p); !reflect.DeepEqual(got, want) {
			t.Fatalf("version %d at %v:\n live    %+v\n rebuilt %+v", city.version, p, got, want)
		}
	}
	t.Logf("version %d: live index equals a rebuild on %d points", city.version, len(pts))
}

func randomPointsIn(rng *rand.Rand, lo, hi orb.Point, n int) []orb.Point {
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{lo[0] + (hi[0]-lo[0])*rng.Float64(), lo[1] + (hi[1]-lo[1])*rng.Float64()}
	}
	return pts
}

func resolveAll(s *Snapshot, pts []orb.Point) []Resolution {
	out := make([]Resolution, len(pts))
	for i, p := range pts {
		out[i] = s.Resolve(p)
	}
	return out
}

// TestCoarseBoxHoldsDescendants checks the box the incremental flagging
// clips to: every fine descendant's hexagon, grown by its flag margin, lies
// inside the box of its coarse cell.
func TestCoarseBoxHoldsDescendants(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, res := range []int{7, 9, 11, 13} {
		for n := 0; n < 20; n++ {
			p := orb.Point{73 + 62*rng.Float64(), 18 + 36*rng.Float64()}
			k := cellParent(cellOf(p, res), res-fineDepth)
			box := coarseBox(k)
			f := &cellFiller{res: res, cres: res - fineDepth}
			for _, c := range f.fineChildren(k) {
				if c == 0 {
					continue
				}
				h := newHexagon(c)
				if h.x0 < box.Min[0] || h.x1 > box.Max[0] || h.y0 < box.Min[1] || h.y1 > box.Max[1] {
					t.Fatalf("res %d: descendant %x of %x sticks out of its box %v", res, c, k, box)
				}
			}
		}
	}
}

// TestApplyChecksums checks that the checksums follow a change as the
// database's would.
func TestApplyChecksums(t *testing.T) {
	units, enclaves := fixture()
	for i := range units {
		units[i].Version = 1
	}
	ix, err := NewIndex(units, enclaves, 1)
	if err != nil {
		t.Fatal(err)
	}
	before := ix.Snapshot().Checksums()
	u := units[0]
	u.Version = 2
	if _, err := ix.Apply(ChangeSet{From: 1, Version: 2, Units: []Unit{u}}); err != nil {
		t.Fatal(err)
	}
	after := ix.Snapshot().Checksums()
	r := u.Level.Rank()
	want := before.Levels[r]
	want.add(u.Code, 1, -1)
	want.add(u.Code, 2, 1)
	if after.Levels[r] != want || after.Levels[r] == before.Levels[r] {
		t.Errorf("level %s checksum %+v, want %+v", u.Level, after.Levels[r], want)
	}
	if math.Abs(float64(after.Levels[r].Count-before.Levels[r].Count)) != 0 {
		t.Errorf("count changed on an update")
	}
}
