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
	"github.com/uber/h3-go/v4"
)

// ---- H3 glue ----

func TestCellOfMatchesH3Go(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		p := orb.Point{73 + 62*rng.Float64(), 18 + 36*rng.Float64()}
		res := 4 + rng.IntN(12)
		want, err := h3.LatLngToCell(h3.NewLatLng(p[1], p[0]), res)
		if err != nil {
			t.Fatal(err)
		}
		c := cellOf(p, res)
		if c != uint64(want) {
			t.Fatalf("cellOf(%v, %d) = %x, h3-go %x", p, res, c, uint64(want))
		}
		if cellRes(c) != res {
			t.Fatalf("cellRes(%x) = %d, want %d", c, cellRes(c), res)
		}
		for r := 0; r <= res; r++ {
			wp, _ := want.Parent(r)
			if got := cellParent(c, r); got != uint64(wp) {
				t.Fatalf("cellParent(%x, %d) = %x, h3-go %x", c, r, got, uint64(wp))
			}
		}
		if res >= 2 {
			k := cellParent(c, res-2)
			if got := cellChild(k, res-2, cellDigit(c, res-1), cellDigit(c, res)); got != c {
				t.Fatalf("cellChild rebuilt %x, want %x", got, c)
			}
		}
		ll, _ := want.LatLng()
		if ctr := cellCenter(c); math.Abs(ctr[0]-ll.Lng) > 1e-12 || math.Abs(ctr[1]-ll.Lat) > 1e-12 {
			t.Fatalf("cellCenter(%x) = %v, h3-go %v", c, ctr, ll)
		}
	}
}

// TestCellRegionIsBoundaryPolygon checks the H3 facts the index relies on
// around the data: a cell's centre lies in the cell, and points assigned to
// a cell are never farther than the flag margin outside its boundary polygon.
func TestCellRegionIsBoundaryPolygon(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, res := range []int{9, 10, 11, 12, 13} {
		for i := 0; i < 3000; i++ {
			p := orb.Point{117.0 + 0.6*rng.Float64(), 38.9 + 0.5*rng.Float64()}
			c := cellOf(p, res)
			if got := cellOf(cellCenter(c), res); got != c {
				t.Fatalf("res %d: centre of %x lies in %x", res, c, got)
			}
			h := newHexagon(c)
			pts, n := h.pts, h.n
			// p itself, and points at the boundary vertices pulled slightly in
			// and pushed slightly out.
			probe := []orb.Point{p}
			ctr := cellCenter(c)
			for _, v := range pts[:n] {
				for _, f := range []float64{0.999, 1.001} {
					probe = append(probe, orb.Point{ctr[0] + (v[0]-ctr[0])*f, ctr[1] + (v[1]-ctr[1])*f})
				}
			}
			for _, q := range probe {
				if cellOf(q, res) == c && !h.near(segment{q, q}) {
					t.Fatalf("res %d: %v lies in %x but is outside its boundary polygon by more than the margin", res, q, c)
				}
			}
		}
	}
}

// TestDescendantsConnected checks the other two H3 facts: the fine
// descendants of a coarse cell are connected, and neighbouring coarse cells
// have neighbouring descendants.
func TestDescendantsConnected(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, res := range []int{8, 9, 10, 11} {
		for i := 0; i < 30; i++ {
			k := cellOf(orb.Point{117.0 + 0.6*rng.Float64(), 38.9 + 0.5*rng.Float64()}, res)
			kids := descendants(k, res)
			if !connected(kids) {
				t.Fatalf("descendants of %x are not connected", k)
			}
			for _, n := range cellNeighbours(k) {
				if n != 0 && n != k && !touching(kids, descendants(n, res)) {
					t.Fatalf("neighbours %x and %x have no neighbouring descendants", k, n)
				}
			}
		}
	}
}

func descendants(k uint64, res int) map[uint64]bool {
	out := map[uint64]bool{}
	for off := 0; off < fineSlots; off++ {
		c := fineChild(k, res, off)
		if fineOffset(c, res) != off {
			panic("fineOffset does not invert fineChild")
		}
		out[c] = true
	}
	return out
}

func connected(cells map[uint64]bool) bool {
	var start uint64
	for c := range cells {
		start = c
		break
	}
	seen := map[uint64]bool{start: true}
	queue := []uint64{start}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		for _, n := range cellNeighbours(c) {
			if n != 0 && cells[n] && !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	return len(seen) == len(cells)
}

func touching(a, b map[uint64]bool) bool {
	for c := range a {
		for _, n := range cellNeighbours(c) {
			if n != 0 && b[n] {
				return true
			}
		}
	}
	return false
}

// ---- fixture ----

// L maps lattice coordinates to lon/lat (~173 m × 167 m per unit); the same
// lattice coordinates always give the same floats, so shared edges are exact.
func L(x, y float64) orb.Point { return orb.Point{117.2 + x*0.002, 39.1 + y*0.0015} }

func ringL(xy ...float64) orb.Ring {
	var r orb.Ring
	for i := 0; i+1 < len(xy); i += 2 {
		r = append(r, L(xy[i], xy[i+1]))
	}
	return append(r, r[0])
}

func rectL(x0, y0, x1, y1 float64) orb.Ring { return ringL(x0, y0, x1, y0, x1, y1, x0, y1) }

func mpoly(rings ...orb.Ring) orb.MultiPolygon { return orb.MultiPolygon{orb.Polygon(rings)} }

// sliverTop is the top of the 1 m sliver grid, in lattice units.
const sliverTop = 7 + 1.0/111320/0.0015

// fixture returns a small city with every hard case the rules know.
func fixture() ([]Unit, []Enclave) {
	u := func(code string, lvl Level, parent string, mp orb.MultiPolygon) Unit {
		return Unit{Code: code, Level: lvl, Name: "n" + code, ParentCode: parent, Geom: mp}
	}
	zig := []float64{3, 2, 3.3, 2.5, 2.8, 3.1, 3.1, 3.6, 3, 4}
	g003 := append([]float64{0, 2}, zig...)
	g003 = append(g003, 0, 4)
	g004 := []float64{3, 2, 6, 2, 6, 4, 3, 4, 3.1, 3.6, 2.8, 3.1, 3.3, 2.5}
	micro := L(14, 2)
	microTop := orb.Point{micro[0], micro[1] + 5e-13}
	units := []Unit{
		u("120104", District, "", mpoly(rectL(0, 0, 12, 8))),
		u("120104001", Street, "120104", mpoly(rectL(0, 0, 6, 8))),
		u("120104002", Street, "120104", mpoly(rectL(6, 0, 12, 8))),
		u("120104001001", Community, "120104001", mpoly(rectL(0, 0, 6, 4))),
		u("120104001002", Community, "120104001", mpoly(rectL(0, 4, 6, 8))),
		u("120104002001", Community, "120104002", mpoly(rectL(6, 0, 12, 8))),
		u("120104001001001", Grid, "120104001001", mpoly(rectL(0, 0, 3, 2))),
		u("120104001001002", Grid, "120104001001", mpoly(rectL(3, 0, 6, 2))),
		u("120104001001003", Grid, "120104001001", mpoly(ringL(g003...), rectL(1, 2.5, 2, 3.5))),
		u("120104001001004", Grid, "120104001001", mpoly(ringL(g004...))),
		u("120104001002001", Grid, "120104001002", orb.MultiPolygon{{rectL(0, 4, 2, 6)}, {rectL(4, 4, 6, 6)}}),
		u("120104001002002", Grid, "120104001002", mpoly(rectL(0, 6, 6, 7))),
		u("120104001002003", Grid, "120104001002", mpoly(rectL(0, 7, 6, sliverTop))),
		u("120104001002004", Grid, "120104001002", mpoly(rectL(0, sliverTop, 6, 8))),
		u("120104002001001", Grid, "120104002001", mpoly(rectL(6, 0, 9, 4))),
		u("120104002001002", Grid, "120104002001", mpoly(rectL(8, 0, 12, 4))),
		u("120104002001003", Grid, "120104002001", mpoly(ringL(6, 4, 12, 4, 12, 8, 9.5, 8, 9, 7, 8.5, 8, 6, 8))),
		u("120105", District, "", mpoly(rectL(12, 0, 16, 8))),
		u("120105001", Street, "120105", mpoly(rectL(12, 0, 16, 8))),
		u("120105001001", Community, "120105001", mpoly(rectL(12, 0, 16, 8))),
		u("120105001001001", Grid, "120105001001", mpoly(rectL(12, 0, 14, 4))),
		// A grid whose left edge has a rising segment 5e-13° long, which
		// PostGIS's rtree code skips (rule 4 of index_build.go).
		u("120105001001002", Grid, "120105001001", mpoly(orb.Ring{L(14, 0), L(16, 0), L(16, 4), L(14, 4), microTop, micro, L(14, 0)})),
		// A grid whose parent is not among the units.
		u("120106001001001", Grid, "120106001001", mpoly(rectL(16, 0, 17, 1))),
	}
	e := func(code, managing string, st EnclaveStatus, mp orb.MultiPolygon) Enclave {
		return Enclave{Code: code, Name: "e" + code, ManagingCode: managing, Status: st, Geom: mp, AreaM2: approxAreaM2(mp)}
	}
	enclaves := []Enclave{
		e("E1", "120105001001", EnclaveCustodial, mpoly(rectL(7, 5, 11, 7.5))),
		e("E2", "120104001001", EnclaveTransferred, mpoly(rectL(8, 6, 9, 7))),
		e("E3", "120199001001", EnclaveUnmanaged, mpoly(rectL(1, 0.5, 2, 1.5))),
		// An open ring (PostGIS would not store one; the index copes anyway).
		e("E4", "120105001", EnclaveCustodial, orb.MultiPolygon{{{L(13, 5), L(15, 5), L(15, 7), L(13, 7)}}}),
	}
	return units, enclaves
}

func TestResolveFixture(t *testing.T) {
	units, enclaves := fixture()
	s, err := NewSnapshot(units, enclaves, 42)
	if err != nil {
		t.Fatal(err)
	}
	x3 := L(3, 0)[0]
	tests := []struct {
		name       string
		p          orb.Point
		status     Status
		respLevel  Level
		resp       string // responsible code, "" for none
		enclave    string
		grid       string // geographic grid code
		district   string // responsible-chain district code
		conflicts  []string
		respNoName bool
	}{
		{"grid interior", L(2.5, 1.8), StatusManaged, Grid, "120104001001001", "", "120104001001001", "120104", nil, false},
		{"enclave with missing manager", L(1.5, 1), StatusEnclave, Community, "120199001001", "E3", "120104001001001", "", nil, true},
		{"hole of a grid", L(1.5, 3), StatusUnmanaged, Community, "120104001001", "", "", "120104", nil, false},
		{"hole edge", L(1, 3), StatusManaged, Grid, "120104001001003", "", "120104001001003", "120104", nil, false},
		{"gap between multipolygon parts", L(3, 5), StatusUnmanaged, Community, "120104001002", "", "", "120104", nil, false},
		{"multipolygon second part", L(5, 5), StatusManaged, Grid, "120104001002001", "", "120104001002001", "120104", nil, false},
		{"shared vertex of four grids", L(3, 2), StatusManaged, Grid, "120104001001001", "", "120104001001001", "120104",
			[]string{"120104001001002", "120104001001003", "120104001001004"}, false},
		{"shared edge", L(3, 1), StatusManaged, Grid, "120104001001001", "", "120104001001001", "120104", []string{"120104001001002"}, false},
		{"1 ulp east of shared edge", orb.Point{math.Nextafter(x3, 200), L(3, 1)[1]}, StatusManaged, Grid, "120104001001002", "", "120104001001002", "120104", nil, false},
		{"1 ulp west of shared edge", orb.Point{math.Nextafter(x3, 0), L(3, 1)[1]}, StatusManaged, Grid, "120104001001001", "", "120104001001001", "120104", nil, false},
		{"zigzag edge vertex", L(2.8, 3.1), StatusManaged, Grid, "120104001001003", "", "120104001001003", "120104", []string{"120104001001004"}, false},
		{"overlap", L(8.5, 2), StatusManaged, Grid, "120104002001001", "", "120104002001001", "120104", []string{"120104002001002"}, false},
		{"sliver", L(3, (7+sliverTop)/2), StatusManaged, Grid, "120104001002003", "", "120104001002003", "120104", nil, false},
		{"nested enclave: smaller wins", L(8.5, 6.5), StatusEnclave, Community, "120104001001", "E2", "120104002001003", "120104", nil, false},
		{"nested enclave edge", L(8, 6.5), StatusEnclave, Community, "120104001001", "E2", "120104002001003", "120104", nil, false},
		{"enclave managed from another district", L(10, 6), StatusEnclave, Community, "120105001001", "E1", "120104002001003", "120105", nil, false},
		{"notch gap", L(9, 7.8), StatusUnmanaged, Community, "120104002001", "", "", "120104", nil, false},
		{"community without grids", L(13, 7.5), StatusUnmanaged, Community, "120105001001", "", "", "120105", nil, false},
		{"district border", L(12, 6), StatusManaged, Grid, "120104002001003", "", "120104002001003", "120104", nil, false},
		{"orphan grid", L(16.5, 0.5), StatusManaged, Grid, "120106001001001", "", "120106001001001", "", nil, false},
		{"outside", L(20, 20), StatusOutside, "", "", "", "", "", nil, false},
		{"far outside", orb.Point{100, 20}, StatusOutside, "", "", "", "", "", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.Resolve(tc.p)
			if r.Status != tc.status {
				t.Fatalf("status %q, want %q (%+v)", r.Status, tc.status, r)
			}
			if got := refCode(r.Responsible); got != tc.resp {
				t.Errorf("responsible %q, want %q", got, tc.resp)
			}
			if r.Responsible != nil && (r.Responsible.Level != tc.respLevel || (r.Responsible.Name == "") != tc.respNoName) {
				t.Errorf("responsible %+v, want level %q", *r.Responsible, tc.respLevel)
			}
			if got := enclaveCode(r.Enclave); got != tc.enclave {
				t.Errorf("enclave %q, want %q", got, tc.enclave)
			}
			if got := chainCode(r.Geographic.Grid); got != tc.grid {
				t.Errorf("geographic grid %q, want %q", got, tc.grid)
			}
			if got := chainCode(r.District); got != tc.district {
				t.Errorf("district %q, want %q", got, tc.district)
			}
			var conflicts []string
			for _, c := range r.Conflicts {
				conflicts = append(conflicts, c.Code)
			}
			if !slices.Equal(conflicts, tc.conflicts) {
				t.Errorf("conflicts %v, want %v", conflicts, tc.conflicts)
			}
			if r.IndexVersion != 42 || r.Point != [2]float64{tc.p[0], tc.p[1]} {
				t.Errorf("version %d point %v", r.IndexVersion, r.Point)
			}
		})
	}
}

func refCode(r *LevelRef) string {
	if r == nil {
		return ""
	}
	return r.Code
}

func enclaveCode(r *EnclaveRef) string {
	if r == nil {
		return ""
	}
	return r.Code
}

func chainCode(r *Ref) string {
	if r == nil {
		return ""
	}
	return r.Code
}

func TestResolveChains(t *testing.T) {
	units, enclaves := fixture()
	s, err := NewSnapshot(units, enclaves, 1)
	if err != nil {
		t.Fatal(err)
	}
	r := s.Resolve(L(10, 6)) // enclave E1, managed by community 120105001001
	want := Chain{Community: &Ref{"120105001001", "n120105001001"}, Street: &Ref{"120105001", "n120105001"}, District: &Ref{"120105", "n120105"}}
	if !reflect.DeepEqual(r.Chain, want) {
		t.Errorf("responsible chain %+v, want %+v", r.Chain, want)
	}
	geo := Chain{Grid: &Ref{"120104002001003", "n120104002001003"}, Community: &Ref{"120104002001", "n120104002001"},
		Street: &Ref{"120104002", "n120104002"}, District: &Ref{"120104", "n120104"}}
	if !reflect.DeepEqual(r.Geographic, geo) {
		t.Errorf("geographic chain %+v, want %+v", r.Geographic, geo)
	}
	if r.Conflicts != nil {
		t.Errorf("conflicts %v, want nil", r.Conflicts)
	}
}

func TestNewSnapshotRejects(t *testing.T) {
	units, _ := fixture()
	dup := append(slices.Clone(units), units[0])
	bad := slices.Clone(units)
	bad[0].Level = "county"
	nan := slices.Clone(units)
	nan[0].Geom = mpoly(orb.Ring{{math.NaN(), 1}, {2, 2}, {3, 1}, {math.NaN(), 1}})
	lat := slices.Clone(units)
	lat[0].Geom = mpoly(rectL(0, 0, 1, 1), orb.Ring{{117, 95}, {118, 95}, {118, 96}, {117, 95}})
	for name, us := range map[string][]Unit{"duplicate": dup, "level": bad, "nan": nan, "latitude": lat} {
		if _, err := NewSnapshot(us, nil, 1); ErrorCodeOf(err) != EINVALID {
			t.Errorf("%s: err %v, want EINVALID", name, err)
		}
	}
	s, err := NewSnapshot(nil, nil, 7)
	if err != nil || s.Resolve(L(1, 1)).Status != StatusOutside || s.Version() != 7 {
		t.Errorf("empty snapshot: %v", err)
	}
}

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
	pts := oraclePoints(rng, units, enclaves, 120000, L(-1, -1), L(18, 9))
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
			pts := oraclePoints(rng, units, enclaves, 30000, L(-1, -1), L(18, 9))
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
	pts := oraclePoints(rng, units, enclaves, 50000, lo, hi)
	compareWithOracle(t, units, enclaves, pts, indexLayout{})
}
