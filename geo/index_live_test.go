package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// touchedGeoms lists the geometries a change touched, before and after.
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
		layout, edits := tc.layout, volume(tc.edits)
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
