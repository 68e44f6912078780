package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// result is one measurement: throughput and per-operation latency.
type result struct {
	rate     float64 // points per second
	p50, p99 time.Duration
}

// samplePoints draws points uniformly over the bounds of the subdivided
// districts (those with grids) and a tenth over all of them, with a fixed seed.
func samplePoints(data geo.CurrentData, n int) []orb.Point {
	var all, gridded orb.Bound
	first, firstGrid := true, true
	for _, u := range data.Units {
		b := u.Geom.Bound()
		switch {
		case u.Level == geo.District && first:
			all, first = b, false
		case u.Level == geo.District:
			all = all.Union(b)
		case u.Level == geo.Grid && firstGrid:
			gridded, firstGrid = b, false
		case u.Level == geo.Grid:
			gridded = gridded.Union(b)
		}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	pts := make([]orb.Point, n)
	for i := range pts {
		b := gridded
		if i%10 == 9 || firstGrid {
			b = all
		}
		pts[i] = orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
	}
	return pts
}

// measureInProcess resolves every point on one goroutine for at least two
// seconds; latency comes from timing a sample of single calls.
func measureInProcess(snap *geo.Snapshot, pts []orb.Point) result {
	var sink int
	for _, p := range pts[:min(len(pts), 100_000)] { // warm caches
		sink += len(snap.Resolve(p).Status)
	}
	n := 0
	start := time.Now()
	for time.Since(start) < 2*time.Second {
		for _, p := range pts {
			sink += len(snap.Resolve(p).Status)
		}
		n += len(pts)
	}
	rate := float64(n) / time.Since(start).Seconds()
	lat := make([]time.Duration, 0, 200_000)
	for _, p := range pts[:min(len(pts), 200_000)] {
		t := time.Now()
		sink += len(snap.Resolve(p).Status)
		lat = append(lat, time.Since(t))
	}
	if sink == 0 {
		fmt.Fprintln(os.Stderr, "impossible") // keeps the calls from being optimised away
	}
	p50, p99 := percentiles(lat)
	return result{rate: rate, p50: p50, p99: p99}
}

// measurePerPoint is the first baseline: one gridmap_resolve query per
// point, as a service without an index would do.
func measurePerPoint(ctx context.Context, db *postgres.DB, pts []orb.Point) (result, error) {
	lat := make([]time.Duration, 0, len(pts))
	start := time.Now()
	for _, p := range pts {
		t := time.Now()
		var raw []byte
		if err := db.Pool.QueryRow(ctx, `SELECT gridmap_resolve($1, $2)`, p[0], p[1]).Scan(&raw); err != nil {
			return result{}, err
		}
		lat = append(lat, time.Since(t))
	}
	rate := float64(len(pts)) / time.Since(start).Seconds()
	p50, p99 := percentiles(lat)
	return result{rate: rate, p50: p50, p99: p99}, nil
}

// measureSetBased is the second baseline: all points in one statement.
func measureSetBased(ctx context.Context, db *postgres.DB, pts []orb.Point) (result, error) {
	xs, ys := make([]float64, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		xs[i], ys[i] = p[0], p[1]
	}
	start := time.Now()
	rows, err := db.Pool.Query(ctx, `SELECT gridmap_resolve(x, y) FROM unnest($1::float8[], $2::float8[]) AS t(x, y)`, xs, ys)
	if err != nil {
		return result{}, err
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return result{}, err
	}
	return result{rate: float64(n) / time.Since(start).Seconds()}, nil
}

// measureHTTPBatch posts the points in 100,000-point requests from two
// clients and counts answered points per second, end to end.
func measureHTTPBatch(ctx context.Context, base string, pts []orb.Point) (result, error) {
	const per = 100_000
	var bodies [][]byte
	for i := 0; i < len(pts); i += per {
		bodies = append(bodies, batchBody(pts[i:min(i+per, len(pts))]))
	}
	if _, err := postBatch(ctx, base, bodies[0]); err != nil { // warm up
		return result{}, err
	}
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	const rounds = 3
	for c := 0; c < 2; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				for _, body := range bodies {
					d, err := postBatch(ctx, base, body)
					mu.Lock()
					lat = append(lat, d)
					if err != nil && firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return result{}, firstErr
	}
	rate := float64(2*rounds*len(pts)) / time.Since(start).Seconds()
	p50, p99 := percentiles(lat)
	return result{rate: rate, p50: p50, p99: p99}, nil
}

func batchBody(pts []orb.Point) []byte {
	var b bytes.Buffer
	b.WriteString(`{"points":[`)
	for i, p := range pts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("[" + strconv.FormatFloat(p[0], 'f', -1, 64) + "," + strconv.FormatFloat(p[1], 'f', -1, 64) + "]")
	}
	b.WriteString("]}")
	return b.Bytes()
}

func postBatch(ctx context.Context, base string, body []byte) (time.Duration, error) {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, "POST", strings.TrimRight(base, "/")+"/v1/resolve", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("batch answered %s", resp.Status)
	}
	return time.Since(start), nil
}

func percentiles(lat []time.Duration) (p50, p99 time.Duration) {
	if len(lat) == 0 {
		return 0, 0
	}
	slices.Sort(lat)
	return lat[len(lat)/2], lat[len(lat)*99/100]
}

// rss is the process's resident memory, from /proc.
func rss() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
