package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestCurrentReadsUseIndexes: reads of the current units under a unit —
// its grids listed, one unit, the names of a street's statistics — find
// them through an index, never by reading every version of every unit,
// once the statistics are current. A scale review found each growing with
// the city: "valid now" written as valid_to > coalesce($1, now()) ruled
// out the current versions' partial indexes (80 ms to list one
// community's grids at province scale), and the statistics' names asked
// for the unit, its children and the districts in one condition joined by
// OR (100 ms), and the grids of a day's patrols were those valid at an
// instant even for today.
func TestCurrentReadsUseIndexes(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	one := pgtest.OnePool(t, db)
	if _, err := one.Exec(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	onConn := &postgres.DB{Pool: one}
	today := geo.ChinaDay(time.Now())
	cases := []struct {
		name string
		read func() error
	}{
		{"a community's grids", func() error {
			units, _, err := onConn.ListUnits(ctx, geo.UnitFilter{Level: geo.Grid, Parent: "120104008002", Window: geo.Window{Limit: 100}})
			if err == nil && len(units) == 0 {
				t.Error("no grids listed")
			}
			return err
		}},
		{"one unit", func() error { _, err := onConn.GetUnit(ctx, "120104008002", time.Time{}); return err }},
		{"a street's patrols today", func() error {
			d, err := onConn.PatrolDay(ctx, "120104008", today)
			if err == nil && len(d.Grids) == 0 {
				t.Error("no grids")
			}
			return err
		}},
		{"a street's statistics", func() error {
			o, err := onConn.Overview(ctx, casework.StatsQuery{Unit: "120104008", From: today.AddDate(0, 0, -7), To: today.AddDate(0, 0, 1)})
			if err == nil && len(o.Names) < 2 {
				t.Errorf("names %v", o.Names)
			}
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := pgtest.SeqScans(t, one, "unit")
			if err := c.read(); err != nil {
				t.Fatal(err)
			}
			if after := pgtest.SeqScans(t, one, "unit"); after != before {
				t.Errorf("%d sequential scans of unit, want none", after-before)
			}
		})
	}
}
