package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"time"

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
	if err := postgres.Migrate(ctx, url); err != nil {
		return err
	}
	slog.Info("migrations applied")
	return nil
}

func runDemo(ctx context.Context, args []string) error {
	var url, scaleName string
	fs := newFlags("demo", &url)
	fs.StringVar(&scaleName, "scale", "demo", "demo (南开区 + 万新街道), city (all of Tianjin, ~50,000 grids) or province (all of Tianjin, ~300,000 grids, for benchmarks)")
	if err := parseFlags(fs, args); err != nil {
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
	sum, err := demo.Build(ctx, db, scale, terminalProgress())
	if err != nil {
		return err
	}
	printSummary(sum)
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
