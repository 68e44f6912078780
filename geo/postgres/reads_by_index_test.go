package postgres_test

import (
	"context"
	"slices"
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
	units := pgtest.Rows(t, one, "unit")
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
			before := pgtest.Reads(t, one, "unit")
			if err := c.read(); err != nil {
				t.Fatal(err)
			}
			if read := pgtest.Reads(t, one, "unit").Since(before); read.SeqScans > 0 || read.Rows > units/2 {
				t.Errorf("%d sequential scans and %d rows of unit's %d read, want an index's few", read.SeqScans, read.Rows, units)
			}
		})
	}
}

// TestNowIsTheVersionInForce: "now" is the version in force, not the
// newest: with a version that starts in an hour (migration 019), reads of
// now answer its predecessor, which ends then, and list it. Said as
// valid_to IS NULL alone (this session, briefly), now was the version not
// yet begun (a review).
func TestNowIsTheVersionInForce(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	const grid = "120104008002001"
	for _, q := range []string{
		`UPDATE unit SET valid_to = now() + interval '1 hour' WHERE code = '` + grid + `' AND valid_to IS NULL`,
		`INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
		 SELECT code, level, '明天的网格', parent_code, geom, properties, version + 1, valid_to, 'test'
		 FROM unit WHERE code = '` + grid + `' ORDER BY version DESC LIMIT 1`,
	} {
		if _, err := db.Pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	u, err := db.GetUnit(ctx, grid, time.Time{})
	if err != nil || u.Name == "明天的网格" {
		t.Errorf("now: %s v%d (%v), want the version in force", u.Name, u.Version, err)
	}
	units, _, err := db.ListUnits(ctx, geo.UnitFilter{Level: geo.Grid, Parent: "120104008002", Window: geo.Window{Limit: 100}})
	for _, x := range units {
		if x.Code == grid && x.Name == "明天的网格" {
			t.Errorf("listed now: %s v%d, the version not begun", x.Name, x.Version)
		}
	}
	if err != nil || !slices.ContainsFunc(units, func(x geo.Unit) bool { return x.Code == grid }) {
		t.Errorf("listed now without %s (%v)", grid, err)
	}
}
