// Command gridmap-freshbench measures how fresh gridmap nodes stay while
// boundaries are edited. It commits edits to the database one at a time,
// through the same store an editor's PUT uses (moves of a grid's vertex and
// of enclaves), and after each commit times how long until every node it
// watches answers from a data version that includes the edit: nodes on the
// primary (woken by NOTIFY) and on a hot standby (polling the change
// record), beside the standby's own replay of the commit. It also reports
// each node's CPU per applied change and its RSS before and after.
// scripts/bench-fresh.sh starts the nodes and runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// nodeFlag collects --node name=url=pid.
type nodeFlag []watched

func (n *nodeFlag) String() string { return fmt.Sprint(len(*n)) }
func (n *nodeFlag) Set(s string) error {
	parts := strings.Split(s, "=")
	if len(parts) != 3 {
		return fmt.Errorf("want name=url=pid, got %q", s)
	}
	var pid int
	if _, err := fmt.Sscan(parts[2], &pid); err != nil {
		return fmt.Errorf("pid %q: %w", parts[2], err)
	}
	*n = append(*n, watched{name: parts[0], url: parts[1], pid: pid})
	return nil
}

func main() {
	url := flag.String("database-url", os.Getenv("DATABASE_URL"), "the primary database the nodes serve")
	standbyURL := flag.String("standby-database-url", "", "the same database on a hot standby, to time its replay")
	edits := flag.Int("edits", 1000, "edits to commit")
	label := flag.String("label", "city", "name of the data set in the report")
	var nodes nodeFlag
	flag.Var(&nodes, "node", "a node to watch, name=base-url=pid (repeatable)")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err := run(context.Background(), *url, *standbyURL, *label, *edits, nodes); err != nil {
		fmt.Fprintln(os.Stderr, "gridmap-freshbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, standbyURL, label string, n int, nodes []watched) error {
	db, err := postgres.Open(ctx, url, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	var standby *postgres.DB
	if standbyURL != "" {
		if standby, err = postgres.Open(ctx, standbyURL, 2); err != nil {
			return err
		}
		defer standby.Close()
	}
	ed, err := newEditor(ctx, db)
	if err != nil {
		return err
	}
	for i := range nodes {
		if err := nodes[i].start(ctx); err != nil {
			return err
		}
	}
	if err := ed.settle(ctx, nodes); err != nil { // the bench enclaves exist everywhere before timing starts
		return err
	}
	for i := range nodes {
		nodes[i].baseline()
	}
	replay := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		v, committed, err := ed.edit(ctx, i)
		if err != nil {
			return fmt.Errorf("edit %d: %w", i, err)
		}
		if err := awaitAll(ctx, v, committed, standby, nodes, &replay); err != nil {
			return fmt.Errorf("edit %d: %w", i, err)
		}
	}
	fmt.Printf("== freshness: %s, %d edits committed one at a time (grid vertex moves and enclave moves, as PUTs store them)\n", label, n)
	if len(replay) > 0 {
		p50, p99, mx := quantiles(replay)
		fmt.Printf("   standby replay (commit → visible in the standby's database): p50 %s, p99 %s, max %s\n", ms(p50), ms(p99), ms(mx))
	}
	for i := range nodes {
		nodes[i].report(n)
	}
	return nil
}

// awaitAll waits, all at once, for the standby's database and every node
// to reach version v, so that no one's time includes waiting for another.
func awaitAll(ctx context.Context, v int64, committed time.Time, standby *postgres.DB, nodes []watched, replay *[]time.Duration) error {
	var g errgroup.Group
	if standby != nil {
		g.Go(func() error {
			d, err := waitDB(ctx, standby, v, committed)
			*replay = append(*replay, d)
			return err
		})
	}
	for j := range nodes {
		g.Go(func() error { return nodes[j].await(ctx, v, committed) })
	}
	return g.Wait()
}

// waitDB polls a database until its data version reaches v.
func waitDB(ctx context.Context, db *postgres.DB, v int64, since time.Time) (time.Duration, error) {
	for {
		got, err := db.HeadVersion(ctx)
		if err != nil {
			return 0, err
		}
		if got >= v {
			return time.Since(since), nil
		}
		if time.Since(since) > time.Minute {
			return 0, fmt.Errorf("the standby did not replay version %d within a minute", v)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// quantiles returns the median, the 99th percentile and the maximum.
func quantiles(ds []time.Duration) (p50, p99, mx time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2], s[min(len(s)-1, len(s)*99/100)], s[len(s)-1]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
