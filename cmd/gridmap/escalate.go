package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/internal/faillog"
)

// reportConfig is the case policy and the schedule of the report jobs.
type reportConfig struct {
	deadlines        string
	floors           string
	handlerMayVerify bool
	escalateEvery    time.Duration
	policy           casework.Policy
}

// reportFlags adds the case-policy flags shared by serve and escalate.
func reportFlags(fs *flag.FlagSet, rc *reportConfig) {
	fs.StringVar(&rc.deadlines, "deadlines", "",
		"time a level has for a case, per severity, e.g. 1=120h,2=48h,3=8h,4=2h (the default) (env GRIDMAP_DEADLINES)")
	fs.StringVar(&rc.floors, "floors", "",
		"the finest level that may handle a case, per severity, e.g. 3=community,4=street (the default) (env GRIDMAP_FLOORS)")
}

// serveReportFlags adds the flags of what only serve does with cases:
// people's steps (escalate takes none) and the escalation schedule. Taken
// by escalate they would be accepted and do nothing.
func serveReportFlags(fs *flag.FlagSet, rc *reportConfig) {
	reportFlags(fs, rc)
	fs.BoolVar(&rc.handlerMayVerify, "handler-may-verify", false,
		"let whoever handled a case also verify, close and reject it; by default another person must (监管分离) (env GRIDMAP_HANDLER_MAY_VERIFY)")
	fs.DurationVar(&rc.escalateEvery, "escalate-every", time.Minute,
		"how often serve escalates overdue cases; 0 disables (env GRIDMAP_ESCALATE_EVERY)")
}

// parse checks the flags and fills policy.
func (rc *reportConfig) parse() error {
	p, err := casework.ParsePolicy(rc.deadlines, rc.floors)
	if err != nil {
		return usagef("--deadlines or --floors: %v", err)
	}
	if rc.escalateEvery < 0 {
		return usagef("--escalate-every must not be negative")
	}
	p.HandlerMayVerify = rc.handlerMayVerify
	rc.policy = p
	return nil
}

// escalateBatch is how many cases one escalation transaction raises.
const escalateBatch = 500

// runEscalate is "gridmap escalate": raise every overdue or too-severe open
// case one level up its chain, once, and say how many.
func runEscalate(ctx context.Context, args []string) error {
	var url string
	var rc reportConfig
	fs := newFlags("escalate", &url)
	reportFlags(fs, &rc)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := rc.parse(); err != nil {
		return err
	}
	db, err := openPrimary(ctx, url, "escalate")
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := escalateAll(ctx, db, rc.policy, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "escalated %d case(s) (%s)\n", n, rc.policy)
	return nil
}

// escalateAll raises every case due at now, batch by batch, each batch in
// its own transaction.
func escalateAll(ctx context.Context, db *postgres.DB, p casework.Policy, now time.Time) (int, error) {
	total := 0
	for {
		n, err := db.Escalate(ctx, p, now, escalateBatch)
		total += n
		if err != nil || n < escalateBatch {
			return total, err
		}
	}
}

// runJobs runs serve's background work until ctx ends: the escalation
// sweep (and the events of cases that became overdue) every
// rc.escalateEvery, folding statistics deltas every two seconds, and
// pruning the change and event records hourly. serve runs it on the one
// node of the primary that leads (postgres.DB.Lead); the work is also safe
// should two nodes overlap for a moment (escalation skips rows another
// holds, one fold runs at a time).
func runJobs(ctx context.Context, db *postgres.DB, rc reportConfig) {
	fold := time.NewTicker(2 * time.Second)
	defer fold.Stop()
	// The fold runs every two seconds: a database that is away would
	// otherwise fill the log.
	folding := &faillog.Log{Failing: "folding report statistics failed; retrying",
		Recovered: "folding report statistics works again", Every: time.Minute, Level: slog.LevelWarn}
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	var escalate <-chan time.Time
	if rc.escalateEvery > 0 {
		t := time.NewTicker(rc.escalateEvery)
		defer t.Stop()
		escalate = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-fold.C:
			if _, err := db.FoldReportStats(ctx); ctx.Err() == nil {
				folding.Report(ctx, err, time.Now())
			}
		case <-prune.C:
			if n, err := db.PruneChanges(ctx, postgres.ChangeRetention); err != nil && ctx.Err() == nil {
				slog.WarnContext(ctx, "pruning the change record failed; retrying later", "err", err)
			} else if n > 0 {
				slog.InfoContext(ctx, "pruned old change rows", "count", n)
			}
			pruneEvents(ctx, db)
		case now := <-escalate:
			n, err := escalateAll(ctx, db, rc.policy, now)
			if err != nil && ctx.Err() == nil {
				slog.WarnContext(ctx, "escalation sweep failed; retrying at the next one", "err", err)
			}
			if n > 0 {
				slog.InfoContext(ctx, "escalated overdue cases", "count", n)
			}
			announceOverdue(ctx, db)
		}
	}
}
