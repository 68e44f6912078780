// Command gridmap-tilebench measures gridmap's vector tiles beside the direct
// ST_AsMVT query on the same tiles, in one run: cold (uncached) latency per
// zoom through a running `gridmap serve --tile-cache-mb 0`, the direct query
// through pgx, their ratio, and the tile sizes. It also writes the URLs of
// a mixed set of tiles for the cached-throughput run with wrk
// (scripts/bench-tiles.sh runs both).
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/gridmap-dev/gridmap/tiles"
)

func main() {
	url := flag.String("database-url", os.Getenv("DATABASE_URL"), "the database holding the city")
	base := flag.String("http", "", "base URL of `gridmap serve --tile-cache-mb 0` on the same database")
	set := flag.String("layers", "district,street,community,grid,enclave", "the layer set to measure")
	perZoom := flag.Int("tiles", 200, "tiles sampled per zoom (where the grids are)")
	zooms := flag.String("zooms", "10,13,15", "zooms measured cold")
	urls := flag.String("urls", "", "write the URLs of a mixed tile set here, for wrk")
	flag.Parse()
	if err := run(context.Background(), *url, strings.TrimSuffix(*base, "/"), *set, *zooms, *perZoom, *urls); err != nil {
		fmt.Fprintln(os.Stderr, "gridmap-tilebench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, base, set, zooms string, perZoom int, urlsFile string) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	var layers []*tiles.Layer
	for _, name := range strings.Split(set, ",") {
		l, ok := tiles.Lookup(name)
		if !ok {
			return fmt.Errorf("unknown layer %s", name)
		}
		layers = append(layers, l)
	}
	pts, err := gridPoints(ctx, pool)
	if err != nil {
		return err
	}
	fmt.Printf("== vector tiles: cold (uncached) latency, gridmap vs the direct ST_AsMVT query on the same tiles\n")
	fmt.Printf("   layers %s; %d grids sampled; latency from the client, one request at a time\n", set, len(pts))
	fmt.Printf("   %-4s %5s | %-19s | %-19s | %-13s | %-21s | %s\n", "zoom", "tiles", "gridmap p50 / p99", "direct p50 / p99",
		"ratio p50/p99", "size raw p50 / max", "gzip p50 / max")
	for _, zs := range strings.Split(zooms, ",") {
		var z int
		if _, err := fmt.Sscan(zs, &z); err != nil {
			return fmt.Errorf("zoom %q: %w", zs, err)
		}
		if err := measureZoom(ctx, pool, base, set, layers, sample(pts, z, perZoom)); err != nil {
			return err
		}
	}
	if urlsFile != "" {
		return writeURLs(urlsFile, set, pts)
	}
	return nil
}

// gridPoints samples points inside grids (their label points), so tiles
// are taken where the data are.
func gridPoints(ctx context.Context, pool *pgxpool.Pool) ([]orb.Point, error) {
	rows, err := pool.Query(ctx, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(label, 4326) p FROM tile_unit
		WHERE layer = 'grid' AND gen_zoom = 32 ORDER BY fid) s`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var pts []orb.Point
	for rows.Next() {
		var p orb.Point
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			return nil, err
		}
		pts = append(pts, p)
	}
	rng := rand.New(rand.NewPCG(4, 13))
	rng.Shuffle(len(pts), func(i, j int) { pts[i], pts[j] = pts[j], pts[i] })
	return pts, rows.Err()
}

// sample returns up to n distinct tiles at z holding sampled points.
func sample(pts []orb.Point, z, n int) []maptile.Tile {
	seen := map[maptile.Tile]bool{}
	var out []maptile.Tile
	for _, p := range pts {
		t := maptile.At(p, maptile.Zoom(z))
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

type stats struct{ lat, raw, gz []int64 }

func measureZoom(ctx context.Context, pool *pgxpool.Pool, base, set string, layers []*tiles.Layer, ts []maptile.Tile) error {
	sql := directSQL(layers, int(ts[0].Z))
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4}}
	for _, t := range ts { // warm both: PostgreSQL's buffers, connections, prepared statements
		if _, err := direct(ctx, pool, sql, t); err != nil {
			return err
		}
		if _, _, _, err := fetch(ctx, client, tileURL(base, set, t)); err != nil {
			return err
		}
	}
	var svc, dir stats
	for _, t := range ts {
		d, err := direct(ctx, pool, sql, t)
		if err != nil {
			return err
		}
		dir.lat = append(dir.lat, int64(d))
		lat, raw, gz, err := fetch(ctx, client, tileURL(base, set, t))
		if err != nil {
			return err
		}
		svc.lat, svc.raw, svc.gz = append(svc.lat, int64(lat)), append(svc.raw, int64(raw)), append(svc.gz, int64(gz))
	}
	s50, s99 := pct(svc.lat)
	d50, d99 := pct(dir.lat)
	r50, _ := pct(svc.raw)
	g50, _ := pct(svc.gz)
	rmax, gmax := slices.Max(svc.raw), slices.Max(svc.gz)
	fmt.Printf("   z%-3d %5d | %8s / %8s | %8s / %8s | %5.2f / %5.2f | %8s / %8s | %7s / %7s\n", ts[0].Z, len(ts),
		ms(s50), ms(s99), ms(d50), ms(d99), float64(s50)/float64(d50), float64(s99)/float64(d99), kb(r50), kb(rmax), kb(g50), kb(gmax))
	return nil
}

func tileURL(base, set string, t maptile.Tile) string {
	return fmt.Sprintf("%s/tiles/%s/%d/%d/%d.mvt", base, set, t.Z, t.X, t.Y)
}

func direct(ctx context.Context, pool *pgxpool.Pool, sql string, t maptile.Tile) (time.Duration, error) {
	start := time.Now()
	var b []byte
	if err := pool.QueryRow(ctx, sql, int(t.Z), int(t.X), int(t.Y)).Scan(&b); err != nil {
		return 0, fmt.Errorf("direct query of %d/%d/%d: %w", t.Z, t.X, t.Y, err)
	}
	return time.Since(start), nil
}

// fetch gets one tile as a browser would (gzip accepted) and returns the
// latency, the MVT size and the size sent.
func fetch(ctx context.Context, c *http.Client, url string) (time.Duration, int, int, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	lat := time.Since(start)
	if err != nil || resp.StatusCode != 200 {
		return 0, 0, 0, fmt.Errorf("%s: %d %v", url, resp.StatusCode, err)
	}
	if resp.Header.Get("X-Cache") != "miss" {
		return 0, 0, 0, fmt.Errorf("%s: X-Cache %q; run the server with --tile-cache-mb 0", url, resp.Header.Get("X-Cache"))
	}
	raw := len(body)
	if resp.Header.Get("Content-Encoding") == "gzip" {
		raw = gunzippedSize(body)
	}
	return lat, raw, len(body), nil
}

// writeURLs writes a mixed set of tiles over the city, z10 to z16, for wrk.
func writeURLs(file, set string, pts []orb.Point) error {
	var b strings.Builder
	for z := 10; z <= 16; z++ {
		for _, t := range sample(pts, z, 150) {
			fmt.Fprintf(&b, "/tiles/%s/%d/%d/%d.mvt\n", set, t.Z, t.X, t.Y)
		}
	}
	return os.WriteFile(file, []byte(b.String()), 0o644)
}

func gunzippedSize(b []byte) int {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return 0
	}
	n, _ := io.Copy(io.Discard, zr)
	return int(n)
}

func pct(v []int64) (p50, p99 int64) {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2], s[len(s)*99/100]
}

func ms(ns int64) string { return fmt.Sprintf("%.2f ms", float64(ns)/1e6) }
func kb(n int64) string  { return fmt.Sprintf("%.1f KB", float64(n)/1024) }
