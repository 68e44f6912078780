package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// pointSet is a named group of test points.
type pointSet struct {
	name   string
	points []orb.Point
}

// exactnessPoints builds the adversarial point sets over the demo city:
// uniform, exactly on vertices and a few ulps beside them, on edges and a
// few centimetres off them, inside the enclave, the gaps and the overlap,
// and outside every district.
func exactnessPoints(data geo.CurrentData, planted demo.Planted) []pointSet {
	rng := rand.New(rand.NewPCG(42, 2026))
	byCode := map[string]orb.MultiPolygon{}
	var all []orb.MultiPolygon
	for _, u := range data.Units {
		byCode[u.Code] = u.Geom
		all = append(all, u.Geom)
	}
	for _, e := range data.Enclaves {
		byCode[e.Code] = e.Geom
		all = append(all, e.Geom)
	}
	uniform := func(b orb.Bound, n int) []orb.Point {
		out := make([]orb.Point, n)
		for i := range out {
			out[i] = orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		}
		return out
	}
	segment := func() (orb.Point, orb.Point) {
		mp := all[rng.IntN(len(all))]
		poly := mp[rng.IntN(len(mp))]
		ring := poly[rng.IntN(len(poly))]
		i := rng.IntN(len(ring) - 1)
		return ring[i], ring[i+1]
	}
	var vertices, onEdges, nearEdges []orb.Point
	for len(vertices) < 16000 {
		a, _ := segment()
		vertices = append(vertices, a,
			orb.Point{math.Nextafter(a[0], 200), a[1]}, orb.Point{a[0], math.Nextafter(a[1], -200)},
			orb.Point{math.Nextafter(a[0], -200), math.Nextafter(a[1], 200)})
	}
	for len(onEdges) < 16000 {
		a, b := segment()
		t := rng.Float64()
		onEdges = append(onEdges, orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}, orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2})
	}
	for len(nearEdges) < 16000 {
		a, b := segment()
		t := rng.Float64()
		dx, dy := b[0]-a[0], b[1]-a[1]
		l := math.Hypot(dx, dy)
		if l == 0 {
			continue
		}
		off := (rng.Float64()*2 - 1) * 5e-7 // up to ~5 cm
		nearEdges = append(nearEdges, orb.Point{a[0] + t*dx - dy/l*off, a[1] + t*dy + dx/l*off})
	}
	pad := func(b orb.Bound) orb.Bound { return b.Pad(0.0005) }
	return []pointSet{
		{"uniform over 南开区", uniform(byCode[demo.NankaiCode].Bound(), 30000)},
		{"uniform over 万新街道", uniform(byCode[demo.WanxinCode].Bound(), 8000)},
		{"uniform over Tianjin", uniform(orb.Bound{Min: orb.Point{116.6, 38.5}, Max: orb.Point{118.1, 40.3}}, 8000)},
		{"on vertices and ulps beside them", vertices},
		{"on edges", onEdges},
		{"within centimetres of edges", nearEdges},
		{"around the enclave", uniform(pad(byCode[demo.EnclaveCode].Bound()), 3000)},
		{"around the dropped grid's gap", uniform(pad(byCode[planted.DroppedGrid[:12]].Bound()), 3000)},
		{"around the carved gap", uniform(pad(byCode[planted.CarvedGrid].Bound()), 3000)},
		{"around the overlap", uniform(pad(byCode[planted.OverlapGrids[0]].Bound()), 3000)},
		{"outside every district", uniform(orb.Bound{Min: orb.Point{100, 20}, Max: orb.Point{110, 30}}, 1000)},
	}
}

// resolveInPostGIS runs gridmap_resolve (the rules in SQL) on every point,
// on two connections at once.
func resolveInPostGIS(t *testing.T, db *postgres.DB, pts []orb.Point) []geo.Resolution {
	t.Helper()
	out := make([]geo.Resolution, len(pts))
	const chunk = 5000
	var wg sync.WaitGroup
	errs := make(chan error, len(pts)/chunk+1)
	sem := make(chan struct{}, 2)
	for start := 0; start < len(pts); start += chunk {
		end := min(start+chunk, len(pts))
		wg.Add(1)
		sem <- struct{}{}
		go func(start, end int) {
			defer func() { <-sem; wg.Done() }()
			errs <- resolveChunk(db, pts[start:end], out[start:end])
		}(start, end)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func resolveChunk(db *postgres.DB, pts []orb.Point, out []geo.Resolution) error {
	xs, ys := make([]float64, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		xs[i], ys[i] = p[0], p[1]
	}
	rows, err := db.Pool.Query(context.Background(),
		`SELECT ord, gridmap_resolve(x, y, now()) FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS t(x, y, ord)`, xs, ys)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ord int
		var raw []byte
		if err := rows.Scan(&ord, &raw); err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &out[ord-1]); err != nil {
			return err
		}
	}
	return rows.Err()
}

func normalise(r geo.Resolution) geo.Resolution {
	if len(r.Conflicts) == 0 {
		r.Conflicts = nil
	}
	return r
}

// TestIndexEqualsPostGIS is the exactness proof: the in-memory index and the
// rules evaluated in PostGIS give identical answers on >100,000 points.
func TestIndexEqualsPostGIS(t *testing.T) {
	if testing.Short() {
		t.Skip("long: resolves >100,000 points in PostGIS")
	}
	db := pgtest.Open(t)
	ctx := context.Background()
	sum, err := demo.Build(ctx, db, demo.ScaleDemo, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := db.LoadCurrent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := geo.NewSnapshot(data.Units, data.Enclaves, data.Version)
	if err != nil {
		t.Fatal(err)
	}
	total, statuses := 0, map[geo.Status]int{}
	for _, set := range exactnessPoints(data, sum.Planted) {
		t.Run(set.name, func(t *testing.T) {
			start := time.Now()
			want := resolveInPostGIS(t, db, set.points)
			took := time.Since(start)
			diffs := 0
			for i, p := range set.points {
				got := normalise(snap.Resolve(p))
				w := normalise(want[i])
				statuses[w.Status]++
				if !reflect.DeepEqual(got, w) {
					if diffs++; diffs <= 5 {
						t.Errorf("point %v (%.17g, %.17g):\nindex:   %s\npostgis: %s", i, p[0], p[1], show(got), show(w))
					}
				}
			}
			total += len(set.points)
			t.Logf("%d points, %d differences (PostGIS took %s)", len(set.points), diffs, took.Round(time.Millisecond))
		})
	}
	t.Logf("%d points in all; statuses %v", total, statuses)
	if total < 100000 {
		t.Errorf("only %d points; the proof needs at least 100,000", total)
	}
	for _, st := range []geo.Status{geo.StatusManaged, geo.StatusUnmanaged, geo.StatusEnclave, geo.StatusOutside} {
		if statuses[st] == 0 {
			t.Errorf("no point came out %s: the sets miss a case", st)
		}
	}
}

func show(r geo.Resolution) string {
	b, _ := json.Marshal(r)
	return fmt.Sprint(string(b))
}
