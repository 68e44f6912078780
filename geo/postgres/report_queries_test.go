package postgres_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
)

func TestListReports(t *testing.T) {
	e := newReportEnv(t)
	var grid string
	if err := e.db.Pool.QueryRow(e.ctx, `SELECT max(code) FROM unit WHERE level = 'grid' AND starts_with(code, '120104008')`).Scan(&grid); err != nil {
		t.Fatal(err)
	}
	p := e.pointIn(t, "unit", grid)
	var ids []string
	for i := 0; i < 5; i++ {
		r := e.report(t, p, func(in *casework.ReportInput) {
			in.Reporter = "列表测试"
			in.ObservedAt = in.ObservedAt.Add(-time.Duration(i) * time.Minute)
			in.Category = []string{"E0506", "C0111"}[i%2]
		})
		ids = append(ids, r.ID)
		if _, err := e.db.CreateReports(e.ctx, []casework.Report{r}); err != nil {
			t.Fatal(err)
		}
	}
	box := orb.Bound{Min: orb.Point{p[0] - 1e-4, p[1] - 1e-4}, Max: orb.Point{p[0] + 1e-4, p[1] + 1e-4}}
	// Boxes of 2e-5° around the exact point and around the point rounded
	// to the 0.002° grid, as callers who may not see exact points are shown
	// it: a coarse filter matches only the second.
	rounded := orb.Point{math.Round(p[0]/0.002) * 0.002, math.Round(p[1]/0.002) * 0.002}
	near := func(q orb.Point) *orb.Bound {
		return &orb.Bound{Min: orb.Point{q[0] - 1e-5, q[1] - 1e-5}, Max: orb.Point{q[0] + 1e-5, q[1] + 1e-5}}
	}
	if near(p).Contains(rounded) {
		t.Fatalf("the test point %v lies on its rounded point %v: pick another", p, rounded)
	}
	cases := []struct {
		name string
		f    casework.ReportFilter
		want int
	}{
		{"a worker's own list", casework.ReportFilter{Reporter: "列表测试"}, 5},
		{"by street and class", casework.ReportFilter{Unit: "120104008", Reporter: "列表测试", Categories: []string{"C01"}}, 2},
		{"by state and severity", casework.ReportFilter{Reporter: "列表测试", States: []casework.State{casework.StateReported}, Severities: []int{2}}, 5},
		{"by bbox", casework.ReportFilter{BBox: &box, Reporter: "列表测试"}, 5},
		{"by a box at the exact point", casework.ReportFilter{BBox: near(p), Reporter: "列表测试"}, 5},
		{"by a box at the rounded point", casework.ReportFilter{BBox: near(rounded), Reporter: "列表测试"}, 0},
		{"by a box at the exact point, rounded", casework.ReportFilter{BBox: near(p), CoarseBBox: true, Reporter: "列表测试"}, 0},
		{"by a box at the rounded point, rounded", casework.ReportFilter{BBox: near(rounded), CoarseBBox: true, Reporter: "列表测试"}, 5},
		{"by another district", casework.ReportFilter{Unit: demo.DongliCode, Reporter: "列表测试"}, 0},
		{"by time", casework.ReportFilter{Reporter: "列表测试", From: time.Now().Add(-time.Hour - 90*time.Second)}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seen := map[string]bool{}
			f := c.f
			f.Limit = 2
			var last time.Time
			for pages := 0; ; pages++ {
				got, next, err := e.db.ListReports(e.ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range got {
					if seen[r.ID] || (!last.IsZero() && r.ObservedAt.After(last)) {
						t.Errorf("%s repeated or out of order", r.ID)
					}
					seen[r.ID], last = true, r.ObservedAt
				}
				if next == "" || pages > 5 {
					break
				}
				f.After = next
			}
			if len(seen) != c.want {
				t.Errorf("%d reports; want %d", len(seen), c.want)
			}
		})
	}
	if _, _, err := e.db.ListReports(e.ctx, casework.ReportFilter{After: "garbage", Limit: 1}); geo.ErrorCodeOf(err) != geo.EINVALID {
		t.Errorf("a forged cursor: %v", err)
	}
}

func TestStatsExact(t *testing.T) {
	e := newReportEnv(t)
	from, to := geo.ChinaDay(time.Now()).AddDate(0, 0, -10), geo.ChinaDay(time.Now()).AddDate(0, 0, 1)
	total := func(unit string) int64 {
		st, err := e.db.Stats(e.ctx, casework.StatsQuery{Unit: unit, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, c := range st.Cells {
			n += c.Count
		}
		return n
	}
	for _, unit := range []string{"", demo.NankaiCode, demo.WanxinCode, demo.BaihechuntianCode, "120104003"} {
		t.Run(fmt.Sprintf("unit %q", unit), func(t *testing.T) {
			want := int64(e.count(t, `SELECT count(*) FROM report WHERE starts_with(unit_code, $1)`, unit))
			if got := total(unit); got != want {
				t.Errorf("folded: %d; want %d", got, want)
			}
			r := e.report(t, e.pointIn(t, "unit", demo.BaihechuntianCode))
			if _, err := e.db.CreateReports(e.ctx, []casework.Report{r}); err != nil {
				t.Fatal(err)
			}
			want = int64(e.count(t, `SELECT count(*) FROM report WHERE starts_with(unit_code, $1)`, unit))
			if got := total(unit); got != want {
				t.Errorf("with unfolded deltas: %d; want %d", got, want)
			}
		})
	}
}
