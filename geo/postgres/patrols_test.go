package postgres_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

func TestPatrolStore(t *testing.T) {
	e := newReportEnv(t)
	grid := "120104010001002"
	u, err := e.db.GetUnit(e.ctx, grid, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// Walk from the grid's centre to each of its first vertices and back.
	c := e.pointIn(t, "unit", grid)
	start := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
	in := casework.PatrolInput{ID: uuid.NewString(), Worker: "巡查员", Grid: grid, CRS: geo.WGS84}
	at := start
	for _, v := range u.Geom[0][0] {
		for _, p := range []orb.Point{c, {c[0] + 0.8*(v[0]-c[0]), c[1] + 0.8*(v[1]-c[1])}} {
			in.Fixes = append(in.Fixes, casework.Fix{Point: p, At: at})
			at = at.Add(30 * time.Second)
		}
	}
	if err := in.Validate(time.Now()); err != nil {
		t.Fatal(err)
	}
	summary, visits := casework.SummariseTrack(in.WGS84Fixes(), u.Geom, casework.CellsOf(u.Geom))
	for i := range visits {
		visits[i].Unit = grid
	}
	p := casework.Patrol{PatrolInput: in, ReceivedAt: time.Now().UTC().Truncate(time.Microsecond), Summary: summary,
		Visits: visits, Hash: in.Fingerprint()}
	t.Run("stored once", func(t *testing.T) {
		for i, want := range []casework.CreateOutcome{casework.Created, casework.Existing} {
			got, stored, err := e.db.CreatePatrol(e.ctx, p)
			if err != nil || got != want {
				t.Fatalf("post %d: outcome %d, %v", i+1, got, err)
			}
			if i == 1 && (len(stored.Fixes) != len(in.Fixes) || stored.Summary.VisitedCells != summary.VisitedCells || stored.GridName == "") {
				t.Errorf("stored patrol %+v", stored)
			}
		}
		other := p
		other.Hash[0] ^= 1
		if got, _, err := e.db.CreatePatrol(e.ctx, other); err != nil || got != casework.Different {
			t.Errorf("other content under the same id: %d, %v", got, err)
		}
	})
	t.Run("coverage of the day", func(t *testing.T) {
		d, err := e.db.PatrolDay(e.ctx, grid[:12], geo.ChinaDay(start))
		if err != nil {
			t.Fatal(err)
		}
		cov := d.Coverage(casework.Uncached{})
		var found bool
		for _, g := range cov {
			if g.Code == grid {
				found = true
				if g.Visited == 0 || g.Coverage <= 0 || g.Patrols < 1 || g.InsideS <= 0 || len(g.Workers) == 0 {
					t.Errorf("coverage %+v", g)
				}
			}
		}
		if !found || len(cov) < 2 {
			t.Errorf("%d grids in the community, ours found: %v", len(cov), found)
		}
	})
	t.Run("a night patrol counts on both days", func(t *testing.T) {
		// Six minutes either side of yesterday's midnight, China time.
		midnight := geo.ChinaDay(time.Now()).Add(-8 * time.Hour) // today's 00:00 China time
		midnight = midnight.Add(-24 * time.Hour)
		night := casework.PatrolInput{ID: uuid.NewString(), Worker: "夜巡员", Grid: grid, CRS: geo.WGS84}
		vertex := u.Geom[0][0][0]
		for at, i := midnight.Add(-6*time.Minute), 0; !at.After(midnight.Add(6 * time.Minute)); at, i = at.Add(30*time.Second), i+1 {
			p := c
			if i%2 == 1 {
				p = orb.Point{c[0] + 0.8*(vertex[0]-c[0]), c[1] + 0.8*(vertex[1]-c[1])}
			}
			night.Fixes = append(night.Fixes, casework.Fix{Point: p, At: at})
		}
		if err := night.Validate(time.Now()); err != nil {
			t.Fatal(err)
		}
		days := []time.Time{geo.ChinaDay(midnight.Add(-time.Minute)), geo.ChinaDay(midnight)}
		before := make([]casework.GridCoverage, len(days))
		for i, day := range days {
			d, err := e.db.PatrolDay(e.ctx, grid, day)
			if err != nil {
				t.Fatal(err)
			}
			before[i] = d.ByGrid[grid]
		}
		summary, visits := casework.SummariseTrack(night.WGS84Fixes(), u.Geom, casework.CellsOf(u.Geom))
		np := casework.Patrol{PatrolInput: night, ReceivedAt: time.Now().UTC().Truncate(time.Microsecond), Summary: summary,
			Visits: visits, Hash: night.Fingerprint()}
		if got, _, err := e.db.CreatePatrol(e.ctx, np); err != nil || got != casework.Created {
			t.Fatalf("outcome %d, %v", got, err)
		}
		for i, day := range days {
			d, err := e.db.PatrolDay(e.ctx, grid, day)
			if err != nil {
				t.Fatal(err)
			}
			g := d.ByGrid[grid]
			patrolled := g.InsideS + g.OutsideS - before[i].InsideS - before[i].OutsideS
			if g.Patrols != before[i].Patrols+1 || !slices.Contains(g.Workers, night.Worker) || math.Abs(patrolled-360) > 30 {
				t.Errorf("%s: %d patrols (%d before), workers %v, %.0f s patrolled; want one more, 夜巡员, 360 ± 30 s",
					day.Format(time.DateOnly), g.Patrols, before[i].Patrols, g.Workers, patrolled)
			}
		}
	})
}
