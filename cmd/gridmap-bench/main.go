// Command gridmap-bench measures the resolver on the real path and prints
// the figures beside the PostGIS baseline on the same points, as ratios, in
// one run: in-process throughput on one core, PostGIS one query per point
// and one set-based query, the HTTP batch API end to end, index build time
// and memory. scripts/bench.sh runs it (and wrk for single-point GETs).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

func main() {
	url := flag.String("database-url", os.Getenv("DATABASE_URL"), "database holding the city to measure")
	httpBase := flag.String("http", "", "base URL of a running gridmap serve on the same database (batch API)")
	nPoints := flag.Int("points", 1_000_000, "points for the in-process run")
	label := flag.String("label", "city", "name of the data set in the report")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err := run(context.Background(), *url, *httpBase, *label, *nPoints); err != nil {
		fmt.Fprintln(os.Stderr, "gridmap-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, httpBase, label string, nPoints int) error {
	db, err := postgres.Open(ctx, url, 4)
	if err != nil {
		return err
	}
	defer db.Close()

	start := time.Now()
	data, err := db.LoadCurrent(ctx)
	if err != nil {
		return err
	}
	loadTook := time.Since(start)
	heapBefore := heapInUse()
	start = time.Now()
	snap, err := geo.NewSnapshot(data.Units, data.Enclaves, data.Version)
	if err != nil {
		return err
	}
	buildTook := time.Since(start)
	indexHeap := heapInUse() - heapBefore

	counts := map[geo.Level]int{}
	for _, u := range data.Units {
		counts[u.Level]++
	}
	fmt.Printf("== resolver benchmark: %s (%d districts, %d streets, %d communities, %d grids, %d enclaves)\n",
		label, counts[geo.District], counts[geo.Street], counts[geo.Community], counts[geo.Grid], len(data.Enclaves))
	fmt.Printf("index: load from PostGIS %s, build %s, index heap %.1f MB, process RSS %.1f MB; %+v\n",
		loadTook.Round(time.Millisecond), buildTook.Round(time.Millisecond), mb(indexHeap), mb(rss()), snap.Stats())

	pts := samplePoints(data, nPoints)
	inproc := measureInProcess(snap, pts)
	perPoint, err := measurePerPoint(ctx, db, pts[:2000])
	if err != nil {
		return err
	}
	setBased, err := measureSetBased(ctx, db, pts[:20000])
	if err != nil {
		return err
	}
	report("in-process, 1 goroutine", inproc, perPoint, setBased)
	report("PostGIS, one query per point", perPoint, perPoint, setBased)
	report("PostGIS, one set-based query", setBased, perPoint, setBased)
	if httpBase != "" {
		batch, err := measureHTTPBatch(ctx, httpBase, pts[:200_000])
		if err != nil {
			return err
		}
		report("HTTP POST /v1/resolve, 100k-point batches, 2 clients", batch, perPoint, setBased)
	}
	return nil
}

func report(name string, r result, perPoint, setBased result) {
	fmt.Printf("%-54s %12.0f points/s  p50 %9s  p99 %9s  %8.1fx per-point PostGIS  %7.1fx set-based PostGIS\n",
		name, r.rate, fmtDur(r.p50), fmtDur(r.p99), r.rate/perPoint.rate, r.rate/setBased.rate)
}

func fmtDur(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	if d < time.Microsecond {
		return fmt.Sprintf("%dns", d.Nanoseconds())
	}
	return d.Round(100 * time.Nanosecond).String()
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }
