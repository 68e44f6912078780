package geo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

// ---- brute-force oracle ----

// oracle applies the rules by testing every polygon with the reference
// PostGIS port, with no index.
type oracle struct {
	units    []Unit
	enclaves []Enclave
	byCode   map[string]*Unit
	version  int64
}

func newOracle(units []Unit, enclaves []Enclave, version int64) *oracle {
	o := &oracle{units: units, enclaves: enclaves, byCode: map[string]*Unit{}, version: version}
	for i := range units {
		o.byCode[units[i].Code] = &units[i]
	}
	return o
}

func (o *oracle) chain(code string) Chain {
	var c Chain
	u, ok := o.byCode[code]
	for ok {
		*c.At(u.Level) = &Ref{Code: u.Code, Name: u.Name}
		p, found := o.byCode[u.ParentCode]
		if !found || p.Level.Rank() >= u.Level.Rank() {
			break
		}
		u = p
	}
	return c
}

func (o *oracle) resolve(p orb.Point) Resolution {
	res := Resolution{Point: [2]float64{p[0], p[1]}, IndexVersion: o.version}
	var enc *Enclave
	for i := range o.enclaves {
		e := &o.enclaves[i]
		if refCoversBoxed(e.Geom, p) && (enc == nil || cmp.Or(cmp.Compare(e.AreaM2, enc.AreaM2), cmp.Compare(e.Code, enc.Code)) < 0) {
			enc = e
		}
	}
	var covering []*Unit
	for rank := NumLevels - 1; rank >= 0 && len(covering) == 0; rank-- {
		for i := range o.units {
			if o.units[i].Level.Rank() == rank && refCoversBoxed(o.units[i].Geom, p) {
				covering = append(covering, &o.units[i])
			}
		}
	}
	slices.SortFunc(covering, func(a, b *Unit) int { return cmp.Compare(a.Code, b.Code) })
	if len(covering) > 0 {
		res.Geographic = o.chain(covering[0].Code)
	}
	switch {
	case enc != nil:
		res.Status = StatusEnclave
		res.Enclave = &EnclaveRef{Code: enc.Code, Name: enc.Name, Status: enc.Status}
		if m, ok := o.byCode[enc.ManagingCode]; ok {
			res.Responsible = &LevelRef{Level: m.Level, Code: m.Code, Name: m.Name}
			res.Chain = o.chain(m.Code)
		} else {
			lvl, _ := LevelOfCode(enc.ManagingCode)
			res.Responsible = &LevelRef{Level: lvl, Code: enc.ManagingCode}
		}
	case len(covering) > 0:
		w := covering[0]
		res.Status = StatusUnmanaged
		if w.Level.IsGrid() {
			res.Status = StatusManaged
		}
		res.Responsible = &LevelRef{Level: w.Level, Code: w.Code, Name: w.Name}
		res.Chain = res.Geographic
		for _, c := range covering[1:] {
			res.Conflicts = append(res.Conflicts, LevelRef{Level: c.Level, Code: c.Code, Name: c.Name})
		}
	default:
		res.Status = StatusOutside
	}
	return res
}

// refCoversBoxed is refCovers with the float box cached per geometry.
var (
	refBoxes   = map[*orb.Point][4]float32{}
	refBoxesMu sync.Mutex
)

func refCoversBoxed(mp orb.MultiPolygon, p orb.Point) bool {
	if len(mp) == 0 || len(mp[0]) == 0 || len(mp[0][0]) == 0 {
		return refCovers(mp, p)
	}
	key := &mp[0][0][0]
	refBoxesMu.Lock()
	box, ok := refBoxes[key]
	refBoxesMu.Unlock()
	if !ok {
		x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, poly := range mp {
			for _, q := range poly[0] {
				x0, x1 = math.Min(x0, q[0]), math.Max(x1, q[0])
				y0, y1 = math.Min(y0, q[1]), math.Max(y1, q[1])
			}
		}
		box = [4]float32{f32down(x0), f32down(y0), f32up(x1), f32up(y1)}
		refBoxesMu.Lock()
		refBoxes[key] = box
		refBoxesMu.Unlock()
	}
	if p[0] < float64(box[0]) || p[1] < float64(box[1]) || p[0] > float64(box[2]) || p[1] > float64(box[3]) {
		return false
	}
	return refCovers(mp, p)
}

// oraclePoints gathers adversarial points from every polygon (vertices,
// points on edges, their ulp neighbours, projections onto vertex lines) and
// random points over the extent.
func oraclePoints(rng *rand.Rand, units []Unit, enclaves []Enclave, nRandom int, lo, hi orb.Point) []orb.Point {
	var pts []orb.Point
	for i := range units {
		pts = append(pts, adversarialPoints(rng, units[i].Geom, 0)...)
	}
	for i := range enclaves {
		pts = append(pts, adversarialPoints(rng, enclaves[i].Geom, 0)...)
	}
	for i := 0; i < nRandom; i++ {
		pts = append(pts, orb.Point{lo[0] + (hi[0]-lo[0])*rng.Float64(), lo[1] + (hi[1]-lo[1])*rng.Float64()})
	}
	return pts
}

// newSnapshotAt builds a snapshot with the given layout.
func newSnapshotAt(units []Unit, enclaves []Enclave, version int64, layout indexLayout) (*Snapshot, error) {
	ix, err := newIndexAt(units, enclaves, version, layout)
	if err != nil {
		return nil, err
	}
	return ix.Snapshot(), nil
}

// volume is how many points, edits or trials an exactness suite takes: n
// in the full run, a tenth under -short. make test's race pass runs -short:
// the race detector looks for memory shared out of order, which a suite's
// paths show at any volume (the index's build and edits run on several
// goroutines whatever their size), and the full volume has run just before
// without it.
func volume(n int) int {
	if testing.Short() {
		return max(n/10, 1)
	}
	return n
}

// compareWithOracle resolves every point both ways, with the index at the
// given fine resolution (0: chosen from the data), and reports differences.
func compareWithOracle(t *testing.T, units []Unit, enclaves []Enclave, pts []orb.Point, layout indexLayout) {
	t.Helper()
	s, err := newSnapshotAt(units, enclaves, 9, layout)
	if err != nil {
		t.Fatal(err)
	}
	o := newOracle(units, enclaves, 9)
	diffs := 0
	statuses := map[Status]int{}
	for _, p := range pts {
		got, want := s.Resolve(p), o.resolve(p)
		statuses[want.Status]++
		if !reflect.DeepEqual(got, want) {
			diffs++
			if diffs <= 5 {
				t.Errorf("at %v:\n index  %+v\n oracle %+v", p, got, want)
			}
		}
	}
	t.Logf("%d points (%v), %d differences; index %+v", len(pts), statuses, diffs, s.Stats())
	if diffs > 0 {
		t.Fatalf("%d of %d points differ from the oracle", diffs, len(pts))
	}
}

func TestResolveMatchesOracleFixture(t *testing.T) {
	units, enclaves := fixture()
	rng := rand.New(rand.NewPCG(11, 12))
	pts := oraclePoints(rng, units, enclaves, volume(120000), L(-1, -1), L(18, 9))
	// The band of the skipped micro segment, west of it: inside the float32
	// box of grid 120105001001002 these points are covered by it.
	micro := L(14, 2)
	for k := 0; k < 400; k++ {
		pts = append(pts, orb.Point{micro[0] - float64(k)*5e-8, micro[1] + 2e-13},
			orb.Point{micro[0] - float64(k)*5e-8, micro[1] + float64(k%7)*1e-13})
	}
	compareWithOracle(t, units, enclaves, pts, indexLayout{})
}

// TestResolveMatchesOracleAtEveryLayout checks the H3 cells (what answers
// data too wide for a quick grid) at the resolution the data chooses and at
// forced coarse to fine ones, so that uniform (compacted) coarse cells,
// cells holding many polygons and deep fine blocks all occur.
func TestResolveMatchesOracleAtEveryLayout(t *testing.T) {
	units, enclaves := fixture()
	for _, res := range []int{0, 7, 9, 10, 13} {
		t.Run(fmt.Sprint("cells-res", res), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(res), 15))
			pts := oraclePoints(rng, units, enclaves, volume(30000), L(-1, -1), L(18, 9))
			compareWithOracle(t, units, enclaves, pts, indexLayout{cellsOnly: true, res: res})
		})
	}
}

func TestResolveOddInput(t *testing.T) {
	units, enclaves := fixture()
	s, err := NewSnapshot(units, enclaves, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Resolve's callers validate points; an invalid one still gets an
	// answer (every polygon tested), not a panic.
	if r := s.Resolve(orb.Point{math.NaN(), 39.1}); r.Status != StatusOutside {
		t.Errorf("NaN point: %+v", r)
	}
	// The snapshot owns its geometry: changing the input afterwards does
	// not change answers.
	before := s.Resolve(L(2.5, 1.8))
	units[6].Geom[0][0][1][0] += 1
	if after := s.Resolve(L(2.5, 1.8)); !reflect.DeepEqual(before, after) {
		t.Errorf("answer changed with the caller's geometry: %+v vs %+v", before, after)
	}
}

func TestResolveMatchesOracleSyntheticCity(t *testing.T) {
	o := cityOpts{nx: 12, ny: 10, community: 3, street: 6, district: 8, bends: 5, gaps: 0.05, enclaves: 15, seed: 9}
	units, enclaves := syntheticCity(o)
	rng := rand.New(rand.NewPCG(13, 14))
	lo, hi := cityExtent(o)
	pts := oraclePoints(rng, units, enclaves, volume(50000), lo, hi)
	compareWithOracle(t, units, enclaves, pts, indexLayout{})
}
