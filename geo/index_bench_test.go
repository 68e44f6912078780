package geo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/internal/heapwatch"
	"github.com/paulmach/orb"
)

// A synthetic city: a jittered lattice of grids whose edges are irregular
// polylines shared exactly by both neighbours; communities, streets and
// districts are blocks of the lattice whose rings reuse the same polylines.

// cityOpts shapes a synthetic city.
type cityOpts struct {
	nx, ny    int     // grids across and down
	community int     // community side, in grids
	street    int     // street side, in grids
	district  int     // district width, in grids
	districtH int     // district height, in grids
	bends     int     // extra points per lattice edge
	gaps      float64 // share of grids left out (unmanaged spots)
	enclaves  int
	seed      uint64
}

var (
	city1500 = cityOpts{nx: 40, ny: 38, community: 3, street: 9, district: 20, districtH: 38, bends: 7, gaps: 0.01, enclaves: 12, seed: 1}
	city50k  = cityOpts{nx: 224, ny: 224, community: 3, street: 9, district: 56, districtH: 112, bends: 7, gaps: 0.01, enclaves: 200, seed: 2}
	// city300k is province scale: about 300,000 grids.
	city300k = cityOpts{nx: 548, ny: 548, community: 3, street: 9, district: 137, districtH: 274, bends: 7, gaps: 0.01, enclaves: 1200, seed: 3}
)

// cityLattice holds the shared vertices and edge polylines.
type cityLattice struct {
	o      cityOpts
	origin orb.Point
	dx, dy float64
	v      [][]orb.Point   // v[i][j], i in 0..nx, j in 0..ny
	h      [][][]orb.Point // h[i][j]: v[i][j] → v[i+1][j], interior points only
	vt     [][][]orb.Point // vt[i][j]: v[i][j] → v[i][j+1], interior points only
}

// newCityLattice draws the lattice: ~165 m grids around 117.2E 39.1N.
func newCityLattice(o cityOpts) *cityLattice {
	rng := rand.New(rand.NewPCG(o.seed, 7))
	l := &cityLattice{o: o, origin: orb.Point{117.2, 39.1}, dx: 0.0019, dy: 0.0015}
	l.v = make([][]orb.Point, o.nx+1)
	for i := range l.v {
		l.v[i] = make([]orb.Point, o.ny+1)
		for j := range l.v[i] {
			jx, jy := 0.4*(rng.Float64()-0.5), 0.4*(rng.Float64()-0.5)
			l.v[i][j] = orb.Point{l.origin[0] + (float64(i)+jx)*l.dx, l.origin[1] + (float64(j)+jy)*l.dy}
		}
	}
	bend := func(a, b orb.Point) []orb.Point {
		out := make([]orb.Point, o.bends)
		nx, ny := -(b[1] - a[1]), b[0]-a[0] // normal
		for k := range out {
			t := float64(k+1) / float64(o.bends+1)
			w := 0.16 * (rng.Float64() - 0.5)
			out[k] = orb.Point{a[0] + (b[0]-a[0])*t + nx*w, a[1] + (b[1]-a[1])*t + ny*w}
		}
		return out
	}
	l.h = make([][][]orb.Point, o.nx)
	for i := range l.h {
		l.h[i] = make([][]orb.Point, o.ny+1)
		for j := range l.h[i] {
			l.h[i][j] = bend(l.v[i][j], l.v[i+1][j])
		}
	}
	l.vt = make([][][]orb.Point, o.nx+1)
	for i := range l.vt {
		l.vt[i] = make([][]orb.Point, o.ny)
		for j := range l.vt[i] {
			l.vt[i][j] = bend(l.v[i][j], l.v[i][j+1])
		}
	}
	return l
}

// block is a rectangle of lattice cells [i0,i1) × [j0,j1).
type block struct{ i0, j0, i1, j1 int }

// ring walks the block's boundary counter-clockwise over the shared polylines.
func (l *cityLattice) ring(b block) orb.Ring {
	var r orb.Ring
	for i := b.i0; i < b.i1; i++ {
		r = append(r, l.v[i][b.j0])
		r = append(r, l.h[i][b.j0]...)
	}
	for j := b.j0; j < b.j1; j++ {
		r = append(r, l.v[b.i1][j])
		r = append(r, l.vt[b.i1][j]...)
	}
	for i := b.i1 - 1; i >= b.i0; i-- {
		r = append(r, l.v[i+1][b.j1])
		r = append(r, reversed(l.h[i][b.j1])...)
	}
	for j := b.j1 - 1; j >= b.j0; j-- {
		r = append(r, l.v[b.i0][j+1])
		r = append(r, reversed(l.vt[b.i0][j])...)
	}
	return append(r, r[0])
}

func reversed(pts []orb.Point) []orb.Point {
	out := make([]orb.Point, len(pts))
	for i, p := range pts {
		out[len(pts)-1-i] = p
	}
	return out
}

// split cuts a block into sub-blocks of the given sides, clipped.
func split(b block, w, h int) []block {
	var out []block
	for j := b.j0; j < b.j1; j += h {
		for i := b.i0; i < b.i1; i += w {
			out = append(out, block{i, j, min(i+w, b.i1), min(j+h, b.j1)})
		}
	}
	return out
}

// syntheticCity builds the units and enclaves of a city.
func syntheticCity(o cityOpts) ([]Unit, []Enclave) {
	l := newCityLattice(o)
	rng := rand.New(rand.NewPCG(o.seed, 11))
	var units []Unit
	var communities []string
	add := func(code, parent string, lvl Level, b block) {
		units = append(units, Unit{Code: code, Level: lvl, Name: "u" + code, ParentCode: parent,
			Geom: orb.MultiPolygon{{l.ring(b)}}})
	}
	for di, d := range split(block{0, 0, o.nx, o.ny}, o.district, cmp.Or(o.districtH, o.district)) {
		dc := fmt.Sprintf("12%04d", di+1)
		add(dc, "", District, d)
		for si, s := range split(d, o.street, o.street) {
			sc := fmt.Sprintf("%s%03d", dc, si+1)
			add(sc, dc, Street, s)
			for ci, c := range split(s, o.community, o.community) {
				cc := fmt.Sprintf("%s%03d", sc, ci+1)
				add(cc, sc, Community, c)
				communities = append(communities, cc)
				for gi, g := range split(c, 1, 1) {
					if rng.Float64() >= o.gaps {
						add(fmt.Sprintf("%s%03d", cc, gi+1), cc, Grid, g)
					}
				}
			}
		}
	}
	var enclaves []Enclave
	for k := 0; k < o.enclaves; k++ {
		cx := l.origin[0] + rng.Float64()*float64(o.nx)*l.dx
		cy := l.origin[1] + rng.Float64()*float64(o.ny)*l.dy
		w, h := l.dx*(0.2+rng.Float64()), l.dy*(0.2+rng.Float64())
		mp := orb.MultiPolygon{{rect(cx, cy, cx+w, cy+h)}}
		enclaves = append(enclaves, Enclave{Code: fmt.Sprintf("E%05d", k), Name: fmt.Sprintf("enclave %d", k),
			ManagingCode: communities[rng.IntN(len(communities))], Status: EnclaveCustodial,
			Geom: mp, AreaM2: approxAreaM2(mp)})
	}
	return units, enclaves
}

// cityExtent is the lon/lat box of a city's lattice, with a margin.
func cityExtent(o cityOpts) (orb.Point, orb.Point) {
	return orb.Point{117.2 - 0.002, 39.1 - 0.002},
		orb.Point{117.2 + float64(o.nx)*0.0019 + 0.002, 39.1 + float64(o.ny)*0.0015 + 0.002}
}

// randomPoints draws n points uniformly over a city's extent.
func randomPoints(o cityOpts, n int, seed uint64) []orb.Point {
	rng := rand.New(rand.NewPCG(seed, 3))
	lo, hi := cityExtent(o)
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{lo[0] + (hi[0]-lo[0])*rng.Float64(), lo[1] + (hi[1]-lo[1])*rng.Float64()}
	}
	return pts
}

var (
	benchSnaps   = map[string]*Snapshot{}
	benchSnapsMu sync.Mutex
)

// benchSnapshot builds (once) the snapshot of a named city.
func benchSnapshot(tb testing.TB, name string, o cityOpts) *Snapshot {
	benchSnapsMu.Lock()
	defer benchSnapsMu.Unlock()
	if s, ok := benchSnaps[name]; ok {
		return s
	}
	units, enclaves := syntheticCity(o)
	s, err := NewSnapshot(units, enclaves, 1)
	if err != nil {
		tb.Fatal(err)
	}
	// A server resolves for hours after one build; the build's garbage (a
	// gigabyte at 300k) is collected now, not by a collector running beside
	// the first measurement on the other core and sharing its caches.
	runtime.GC()
	benchSnaps[name] = s
	return s
}

// benchCities are the synthetic cities the resolver is measured on.
var benchCities = []struct {
	name string
	o    cityOpts
}{{"city1500", city1500}, {"city50k", city50k}, {"city300k", city300k}}

// BenchmarkResolve measures Resolve, one point at a time, over random
// points of each city (uniform over its extent: at city scale most of what
// a point reads is not in cache, as in a server answering a whole city).
func BenchmarkResolve(b *testing.B) {
	for _, c := range benchCities {
		b.Run(c.name, func(b *testing.B) {
			s := benchSnapshot(b, c.name, c.o)
			pts := randomPoints(c.o, 1<<20, 5)
			var sink int
			measureResolutions(b, func(i int) {
				r := s.Resolve(pts[i&(len(pts)-1)])
				sink += len(r.Status)
			})
			_ = sink
		})
	}
}

// BenchmarkResolveMany measures ResolveMany over batches of 1024 random
// points (an op is one point).
func BenchmarkResolveMany(b *testing.B) {
	const batch = 1024
	for _, c := range benchCities {
		b.Run(c.name, func(b *testing.B) {
			s := benchSnapshot(b, c.name, c.o)
			pts := randomPoints(c.o, 1<<20, 5)
			out := make([]Resolution, batch)
			var sink int
			measureResolutions(b, func(i int) {
				if i%batch == 0 {
					lo := i & (len(pts) - 1)
					s.ResolveMany(pts[lo:lo+batch], out)
				}
				sink += len(out[i%batch].Status)
			})
			_ = sink
		})
	}
}

// measureResolutions runs op(i) b.N times on a locked thread and reports
// resolutions per second and the thread's CPU time per resolution.
func measureResolutions(b *testing.B, op func(i int)) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := threadCPU()
	for i := 0; i < b.N; i++ {
		op(i)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "resolutions/s")
	if cpu1, ok := threadCPU(); ok && cpuOK {
		// CPU time of this thread: less disturbed than wall time when
		// other processes share the machine.
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkResolveIndexBuild measures NewSnapshot: wall time, the heap the
// snapshot retains (after GC), and the bytes allocated while building.
func BenchmarkResolveIndexBuild(b *testing.B) {
	for _, c := range benchCities {
		b.Run(c.name, func(b *testing.B) {
			units, enclaves := syntheticCity(c.o)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				stop := heapwatch.Peak(5 * time.Millisecond)
				start := time.Now()
				s, err := NewSnapshot(units, enclaves, 1)
				took := time.Since(start)
				peak := stop()
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				st := s.Stats()
				b.ReportMetric(took.Seconds(), "build-s")
				b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "heap-MB")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), "alloc-MB")
				b.ReportMetric(float64(int64(peak)-int64(before.HeapAlloc))/(1<<20), "peak-heap-MB")
				b.ReportMetric(float64(st.Resolution), "h3-res")
				b.ReportMetric(float64(len(units)), "units")
				runtime.KeepAlive(s)
				if i == 0 {
					b.Logf("%s: %+v", c.name, st)
				}
			}
		})
	}
}

// threadCPU returns the calling thread's CPU time (Linux RUSAGE_THREAD;
// ok is false where that is not available).
func threadCPU() (time.Duration, bool) {
	const rusageThread = 1
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil || runtime.GOOS != "linux" {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

// TestSyntheticCityShape keeps the benchmark cities what they claim to be.
func TestSyntheticCityShape(t *testing.T) {
	units, enclaves := syntheticCity(city1500)
	grids, maxDistrictPts := 0, 0
	for _, u := range units {
		if u.Level == Grid {
			grids++
		}
		if u.Level == District {
			maxDistrictPts = max(maxDistrictPts, len(u.Geom[0][0]))
		}
	}
	if grids < 1400 || len(units) < 1600 || maxDistrictPts < 800 || len(enclaves) == 0 {
		t.Fatalf("city1500: %d units, %d grids, district rings of %d points, %d enclaves",
			len(units), grids, maxDistrictPts, len(enclaves))
	}
	if math.IsNaN(units[0].Geom[0][0][0][0]) {
		t.Fatal("NaN coordinate")
	}
}

// BenchmarkApplyEdit measures applying one edit to a live index: a grid
// whose vertex moves back and forth, and an enclave that moves back and
// forth (each op is one change set of one polygon).
func BenchmarkApplyEdit(b *testing.B) {
	for _, c := range benchCities {
		units, enclaves := syntheticCity(c.o)
		ix, err := NewIndex(units, enclaves, 1)
		if err != nil {
			b.Fatal(err)
		}
		var grid Unit
		for _, u := range units {
			if u.Level == Grid {
				grid = u
				break
			}
		}
		for _, kind := range []string{"grid", "enclave"} {
			b.Run(c.name+"/"+kind, func(b *testing.B) {
				b.ReportAllocs()
				version := ix.Snapshot().Version()
				for i := 0; i < b.N; i++ {
					dx := 1e-6
					if i%2 == 1 {
						dx = -1e-6
					}
					version++
					cs := ChangeSet{From: version - 1, Version: version}
					if kind == "grid" {
						g := grid
						g.Geom = cloneGeom(grid.Geom)
						g.Geom[0][0][1][0] += dx
						cs.Units = []Unit{g}
					} else {
						e := enclaves[0]
						e.Geom = cloneGeom(e.Geom)
						for j := range e.Geom[0][0] {
							e.Geom[0][0][j][0] += dx * 10
						}
						cs.Enclaves = []Enclave{e}
					}
					if _, err := ix.Apply(cs); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
