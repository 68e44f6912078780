package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

func runMigrate(ctx context.Context, args []string) error {
	var url string
	fs := newFlags("migrate", &url)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	from, err := postgres.SchemaVersion(ctx, url)
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, url, 1) // migrates a primary, checks a standby
	if err != nil {
		return err
	}
	defer db.Close()
	if db.Standby() {
		slog.Info("a hot standby takes its schema from the primary; it is current", "database", databaseLabel(url), "migration", from)
		return nil
	}
	to, err := postgres.MigrationCount() // Open migrated the primary to the last
	if err != nil {
		return err
	}
	slog.Info("migrations applied", "database", databaseLabel(url), "from", from, "to", to)
	return nil
}

func runDemo(ctx context.Context, args []string) error {
	var url, scaleName string
	var yes bool
	fs := newFlags("demo", &url)
	fs.StringVar(&scaleName, "scale", "demo", "demo (南开区 + 万新街道), city (all of Tianjin, ~50,000 grids) or province (all of Tianjin, ~300,000 grids, for benchmarks)")
	fs.BoolVar(&yes, "yes", false, "replace what the database holds without asking")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	scale, err := demo.ParseScale(scaleName)
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, url, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := confirmReplace(ctx, db, databaseLabel(url), yes); err != nil {
		return err
	}
	sum, err := demo.Build(ctx, db, scale, terminalProgress())
	if err != nil {
		return err
	}
	printSummary(sum)
	return nil
}

// confirmReplace lets demo replace a database's boundaries and reports only
// when it holds none, when --yes says so, or when the person at the terminal
// agrees: the demo city over a production database is a disaster a typo in
// DATABASE_URL can cause.
func confirmReplace(ctx context.Context, db *postgres.DB, label string, yes bool) error {
	var units, reports int64
	err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM unit WHERE valid_to IS NULL), (SELECT count(*) FROM report)`).Scan(&units, &reports)
	if err != nil {
		return fmt.Errorf("count what %s holds: %w", label, err)
	}
	if yes || units+reports == 0 {
		return nil
	}
	what := fmt.Sprintf("%s holds %d units and %d reports; demo replaces them all", label, units, reports)
	if !isatty.IsTerminal(os.Stdin.Fd()) {
		return usagef("%s: pass --yes to go on", what)
	}
	fmt.Fprintf(os.Stderr, "%s. Type yes to go on: ", what)
	answer, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	if strings.TrimSpace(answer) != "yes" {
		return usagef("nothing replaced")
	}
	return nil
}

// terminalProgress prints each step with the time the previous one took.
func terminalProgress() func(string) {
	start := time.Now()
	last := start
	return func(step string) {
		now := time.Now()
		fmt.Fprintf(os.Stderr, "[%6.1fs] %s…\n", now.Sub(start).Seconds(), step)
		last = now
		_ = last
	}
}

func printSummary(sum demo.Summary) {
	fmt.Fprintf(os.Stderr, "demo city (%s) built in %s:\n", sum.Scale, sum.Duration.Round(time.Millisecond))
	for _, l := range geo.Levels {
		if n := sum.Counts[l]; n > 0 {
			fmt.Fprintf(os.Stderr, "  %-10s %6d\n", l, n)
		}
	}
	fmt.Fprintf(os.Stderr, "  %-10s %6d\n", "enclave", sum.Enclaves)
	sort.Strings(sum.Repaired)
	for _, r := range sum.Repaired {
		fmt.Fprintf(os.Stderr, "  repaired %s\n", r)
	}
}
