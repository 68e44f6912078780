package main

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

func TestReportFlags(t *testing.T) {
	cases := []struct {
		args     []string
		ok       bool
		mayCheck bool // the policy's HandlerMayVerify
	}{
		{nil, true, false},
		{[]string{"--deadlines", "1=72h,4=1h", "--floors", "4=district"}, true, false},
		{[]string{"--deadlines", "9=1h"}, false, false},
		{[]string{"--floors", "3=province"}, false, false},
		{[]string{"--escalate-every", "-1s"}, false, false},
		{[]string{"--handler-may-verify"}, true, true},
	}
	for _, c := range cases {
		t.Run(flagsName(c.args), func(t *testing.T) {
			var rc reportConfig
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			serveReportFlags(fs, &rc)
			if err := fs.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			if err := rc.parse(); (err == nil) != c.ok {
				t.Errorf("parse: %v", err)
			}
			if c.ok && rc.policy.HandlerMayVerify != c.mayCheck {
				t.Errorf("HandlerMayVerify = %v, want %v", rc.policy.HandlerMayVerify, c.mayCheck)
			}
		})
	}
}

func flagsName(args []string) string {
	if len(args) == 0 {
		return "defaults"
	}
	return args[len(args)-1]
}

// TestServeJobsEscalateAndFold runs serve's background report work against
// an overdue case: it must be raised one level and the statistics folded.
func TestServeJobsEscalateAndFold(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	var p [2]float64
	if err := db.Pool.QueryRow(ctx, `SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_PointOnSurface(geom) g FROM unit
		WHERE code = '120104001001001') s`).Scan(&p[0], &p[1]); err != nil {
		t.Fatal(err)
	}
	three := time.Now().Add(-72 * time.Hour)
	res, err := db.ResolveAt(ctx, p, three)
	if err != nil {
		t.Fatal(err)
	}
	in := casework.ReportInput{ID: uuid.NewString(), Kind: casework.KindHazard, Category: "E0506", Severity: 2, Point: p,
		ObservedAt: three, Reporter: "测试"}
	if err := in.Validate(time.Now()); err != nil {
		t.Fatal(err)
	}
	r, err := casework.NewReport(in, res, casework.DefaultPolicy(), three) // due 48 h after arrival: a day ago
	if err != nil {
		t.Fatal(err)
	}
	if err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error { return postgres.CopyReports(ctx, tx, []casework.Report{r}) }); err != nil {
		t.Fatal(err)
	}
	jobs, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		runJobs(jobs, db, reportConfig{escalateEvery: 100 * time.Millisecond, policy: casework.DefaultPolicy()})
		close(done)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := db.GetReport(ctx, r.ID)
		var pending int
		_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM report_stat_delta`).Scan(&pending)
		if err == nil && got.Level == geo.Community && got.Escalations == 1 && pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s: level %s, escalations %d, %d deltas pending (%v)", got.Level, got.Escalations, pending, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	stop()
	<-done
}
