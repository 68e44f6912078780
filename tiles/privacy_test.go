package tiles

import (
	"context"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// TestPrivateReportPoints: for a caller who may not see exact points the
// report layer draws them on the 0.002° grid — except the reports under
// the caller's scope — and the patrol layer leaves the workers' names out.
func TestPrivateReportPoints(t *testing.T) {
	s, db := newDemoService(t)
	var id, unit string
	var at orb.Point
	if err := db.Pool.QueryRow(context.Background(), `SELECT id::text, unit_code, ST_X(geom), ST_Y(geom) FROM report
		WHERE kind = 'hazard' AND abs(ST_X(geom) / 0.002 - round(ST_X(geom) / 0.002)) > 0.1 ORDER BY id LIMIT 1`).Scan(&id, &unit, &at[0], &at[1]); err != nil {
		t.Fatal(err)
	}
	c := coordAt(at, 15)
	draw := func(p Privacy) orb.Point {
		r := request(t, s, "report", c)
		r.Filter.Privacy = p
		tile, _, err := s.Get(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		l := decode(t, tile.Raw)["report"]
		l.ProjectToWGS84(maptile.New(uint32(c.X), uint32(c.Y), maptile.Zoom(c.Z)))
		f := feature(l, "id", id)
		if f == nil {
			t.Fatalf("report %s not drawn with %+v", id, p)
		}
		return f.Geometry.(orb.Point)
	}
	onGrid := func(p orb.Point) bool {
		return math.Abs(p[0]/0.002-math.Round(p[0]/0.002)) < 0.02 && math.Abs(p[1]/0.002-math.Round(p[1]/0.002)) < 0.02
	}
	if p := draw(Privacy{}); onGrid(p) {
		t.Errorf("an exact point %v lies on the coarse grid", p)
	}
	if p := draw(Privacy{CoarsePoints: true}); !onGrid(p) {
		t.Errorf("a private point is drawn at %v, off the 0.002° grid", p)
	}
	if p := draw(Privacy{CoarsePoints: true, ExceptWithin: unit[:6]}); onGrid(p) {
		t.Errorf("a point within the caller's scope %s is rounded: %v", unit[:6], p)
	}
	// At zoom 20 (tiles of ~40 m) the tile of the exact point must not
	// hold a rounded one: which tiles hold it would locate it.
	drawnAt := func(p orb.Point, priv Privacy) bool {
		r := request(t, s, "report", coordAt(p, 20))
		r.Filter.Privacy = priv
		tile, _, err := s.Get(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		return feature(decode(t, tile.Raw)["report"], "id", id) != nil
	}
	rounded := orb.Point{math.Round(at[0]/0.002) * 0.002, math.Round(at[1]/0.002) * 0.002}
	for _, k := range []struct {
		name  string
		at    orb.Point
		priv  Privacy
		drawn bool
	}{
		{"exact, at its point", at, Privacy{}, true},
		{"rounded, at its exact point", at, Privacy{CoarsePoints: true}, false},
		{"rounded, at its rounded point", rounded, Privacy{CoarsePoints: true}, true},
	} {
		if got := drawnAt(k.at, k.priv); got != k.drawn {
			t.Errorf("%s: drawn at zoom 20 %v, want %v", k.name, got, k.drawn)
		}
	}
	if r := request(t, s, "report", c); r.Filter.Key() == (Filter{Privacy: Privacy{CoarsePoints: true}}).Key() {
		t.Error("private and exact tiles share a cache key")
	}
}
