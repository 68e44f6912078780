// Command gridmap-reportbench fills a gridmap database with synthetic
// reports for the statistics benchmark (scripts/bench-reports.sh): each
// report is resolved by the real resolver, walked through the workflow and
// bulk-loaded with its history, then the statistics are folded. It tops the
// table up to --reports, so a second run costs nothing.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

func main() {
	url := flag.String("database-url", os.Getenv("DATABASE_URL"), "database to fill (it must hold the demo city)")
	total := flag.Int("reports", 1_000_000, "reports the table should hold when done")
	days := flag.Int("days", 90, "the reports are observed over this many days up to now")
	unit := flag.String("unit", "120104", "the unit the reports lie in")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err := run(context.Background(), *url, *total, *days, *unit); err != nil {
		fmt.Fprintln(os.Stderr, "gridmap-reportbench:", err)
		os.Exit(1)
	}
}

const chunk = 20_000

func run(ctx context.Context, url string, total, days int, unit string) error {
	db, err := postgres.Open(ctx, url, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	var have int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM report`).Scan(&have); err != nil {
		return err
	}
	if have >= total {
		fmt.Printf("   the table already holds %d reports\n", have)
		return foldAll(ctx, db)
	}
	svc := geo.NewService(db, db)
	if err := svc.Reload(ctx); err != nil {
		return err
	}
	var box orb.Bound
	var bbox [4]float64
	if err := db.Pool.QueryRow(ctx, `SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM unit
		WHERE code = $1 AND valid_to IS NULL`, unit).Scan(&bbox[0], &bbox[1], &bbox[2], &bbox[3]); err != nil {
		return fmt.Errorf("unit %s: %w", unit, err)
	}
	box = orb.Bound{Min: orb.Point{bbox[0], bbox[1]}, Max: orb.Point{bbox[2], bbox[3]}}
	rng := rand.New(rand.NewPCG(uint64(have), 42))
	start := time.Now()
	now := time.Now()
	policy := casework.DefaultPolicy()
	for loaded := have; loaded < total; {
		batch := make([]casework.Report, 0, min(chunk, total-loaded))
		for len(batch) < cap(batch) {
			r, ok := synth(rng, svc, box, unit, now, days, policy)
			if ok {
				batch = append(batch, r)
			}
		}
		if err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error { return postgres.CopyReports(ctx, tx, batch) }); err != nil {
			return err
		}
		loaded += len(batch)
		if loaded%200_000 < chunk || loaded == total {
			fmt.Fprintf(os.Stderr, "   loaded %d / %d reports (%.0f/s)\n", loaded, total, float64(loaded-have)/time.Since(start).Seconds())
		}
	}
	loadTook := time.Since(start)
	foldStart := time.Now()
	if err := foldAll(ctx, db); err != nil {
		return err
	}
	for _, table := range []string{"report_stat", "report_stat_delta", "report"} {
		if _, err := db.Pool.Exec(ctx, `VACUUM ANALYZE `+table); err != nil {
			return err
		}
	}
	fmt.Printf("   loaded %d reports in %s; statistics folded in %s\n", total-have,
		loadTook.Round(time.Second), time.Since(foldStart).Round(time.Millisecond))
	return nil
}

// foldAll folds every pending statistics delta. A running serve may be
// folding too; then this waits for it to finish.
func foldAll(ctx context.Context, db *postgres.DB) error {
	for {
		if _, err := db.FoldReportStats(ctx); err != nil {
			return err
		}
		var pending int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM report_stat_delta`).Scan(&pending); err != nil {
			return err
		}
		if pending == 0 {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// Category weights: a few categories make most reports, as in real life.
var categories = []string{"E0506", "E0601", "E0602", "E0102", "E0101", "C0111", "E0504", "E0503", "E0201",
	"C0103", "E0109", "E0604", "E0404", "C0101", "E0301", "E0302", "E0605", "E0606", "C0402", "E0505"}

// synth makes one report inside the unit at a random time of the period,
// resolved by the real resolver, walked to a state that fits its age.
func synth(rng *rand.Rand, svc *geo.Service, box orb.Bound, unit string, now time.Time, days int, p casework.Policy) (casework.Report, bool) {
	pt := orb.Point{box.Min[0] + rng.Float64()*(box.Max[0]-box.Min[0]), box.Min[1] + rng.Float64()*(box.Max[1]-box.Min[1])}
	res, err := svc.Resolve(context.Background(), geo.ResolveQuery{Point: pt})
	if err != nil || res.Status == geo.StatusOutside || res.District == nil || res.District.Code != unit[:6] {
		return casework.Report{}, false
	}
	age := time.Duration(rng.Float64() * float64(days) * float64(24*time.Hour))
	observed := now.Add(-age).UTC().Truncate(time.Second)
	cat := categories[min(len(categories)-1, int(rng.ExpFloat64()*4))]
	in := casework.ReportInput{ID: uuid.New().String(), Kind: casework.KindHazard, Category: cat, Severity: 1 + rng.IntN(4),
		Description: "synthetic report for the statistics benchmark", Point: pt, CRS: geo.WGS84,
		ObservedAt: observed, Reporter: "bench"}
	r, err := casework.NewReport(in, res, p, observed.Add(time.Duration(rng.IntN(3600))*time.Second))
	if err != nil {
		return r, false
	}
	// Older cases are further along: a case a week old is most likely closed.
	steps := []casework.Action{casework.ActionAccept, casework.ActionDispatch, casework.ActionHandle, casework.ActionVerify, casework.ActionClose}
	n := min(len(steps), int(age.Hours()/24)+rng.IntN(3))
	if rng.IntN(20) == 0 {
		steps, n = []casework.Action{casework.ActionReject}, 1
	}
	at := r.ReceivedAt
	for _, a := range steps[:n] {
		at = at.Add(time.Duration(1+rng.IntN(20)) * time.Hour)
		if at.After(now) {
			break
		}
		actor := "bench" // one supervisor; the handler is another person (监管分离)
		if a == casework.ActionHandle {
			actor = "bench-handler"
		}
		t, err := r.Apply(casework.TransitionRequest{Action: a, Actor: actor, Note: "bench"}, p, at)
		if err != nil {
			return r, false
		}
		r.History = append(r.History, t)
	}
	return r, true
}
