package casework

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// square is a grid of about side metres a side with its south-west corner at sw.
func square(sw orb.Point, side float64) orb.MultiPolygon {
	dx := side / (111320 * math.Cos(sw[1]*math.Pi/180))
	dy := side / 110540
	return orb.MultiPolygon{{{sw, {sw[0] + dx, sw[1]}, {sw[0] + dx, sw[1] + dy}, {sw[0], sw[1] + dy}, sw}}}
}

// walkAlong returns fixes every step seconds along the points, at speed m/s.
func walkAlong(pts []orb.Point, start time.Time, speed float64) []Fix {
	var out []Fix
	at := start
	for i, p := range pts {
		if i > 0 {
			at = at.Add(time.Duration(haversineM(pts[i-1], p) / speed * float64(time.Second)))
		}
		out = append(out, Fix{Point: p, At: at})
	}
	return out
}

func TestH3TakesLatitudeFirst(t *testing.T) {
	p := orb.Point{117.15, 39.11}
	c, err := h3.LatLngToCell(h3.NewLatLng(39.11, 117.15), PatrolRes)
	if err != nil || uint64(c) != cellAt(p) {
		t.Fatalf("cellAt(%v) = %x, h3 says %x (%v)", p, cellAt(p), c, err)
	}
	centre := CellCentre(cellAt(p))
	if haversineM(centre, p) > 2*patrolEdgeM {
		t.Errorf("centre %v is %f m from %v", centre, haversineM(centre, p), p)
	}
}

func TestSummariseTrack(t *testing.T) {
	sw := orb.Point{117.15, 39.11}
	grid := square(sw, 200)
	cells := CellsOf(grid).Cells
	if n := len(cells); n < 10 || n > 30 {
		t.Fatalf("a 200 m square has %d cells at resolution %d; want about 19", n, PatrolRes)
	}
	ring := grid[0][0]
	inset := func(f float64) []orb.Point { // a loop f of the way from the centre to the edge
		c := orb.Point{(ring[0][0] + ring[2][0]) / 2, (ring[0][1] + ring[2][1]) / 2}
		var out []orb.Point
		for _, p := range ring {
			out = append(out, orb.Point{c[0] + f*(p[0]-c[0]), c[1] + f*(p[1]-c[1])})
		}
		return out
	}
	start := time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)
	cases := []struct {
		name                       string
		fixes                      []Fix
		minCover, maxCover         float64
		inside, outside, untracked bool
	}{
		{"round the block inside", walkAlong(inset(0.7), start, 1.2), 0.3, 0.9, true, false, false},
		{"two loops an hour apart cover more", append(walkAlong(inset(0.7), start, 1.2), walkAlong(inset(0.3), start.Add(time.Hour), 1.2)...), 0.45, 1, true, false, true},
		{"a walk elsewhere", walkAlong([]orb.Point{{117.16, 39.12}, {117.161, 39.12}}, start, 1.2), 0, 0, false, true, false},
		{"a 20-minute gap is not patrolling", []Fix{{Point: sw, At: start}, {Point: orb.Point{sw[0] + 0.0005, sw[1] + 0.0005}, At: start.Add(20 * time.Minute)}}, 0, 0.2, false, false, true},
		{"a GPS jump is not patrolling", []Fix{{Point: sw, At: start}, {Point: orb.Point{sw[0] + 0.05, sw[1]}, At: start.Add(10 * time.Second)}}, 0, 0.2, false, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, visits := SummariseTrack(c.fixes, grid, CellsOf(grid))
			if s.Coverage < c.minCover || s.Coverage > c.maxCover || s.GridCells != len(cells) {
				t.Errorf("coverage %.3f (%d/%d); want %.2f–%.2f", s.Coverage, s.VisitedCells, s.GridCells, c.minCover, c.maxCover)
			}
			if (s.Inside > 0) != c.inside || (s.Outside > 0) != c.outside || (s.Untracked > 0) != c.untracked {
				t.Errorf("inside %s, outside %s, untracked %s", s.Inside, s.Outside, s.Untracked)
			}
			if total := s.Inside + s.Outside + s.Untracked; total != s.End.Sub(s.Start) {
				t.Errorf("inside+outside+untracked = %s; the track lasted %s", total, s.End.Sub(s.Start))
			}
			var in, out time.Duration
			for _, d := range s.Days {
				in, out = in+d.Inside, out+d.Outside
			}
			if in != s.Inside || out != s.Outside || len(s.Days) != 1 || !s.Days[0].Day.Equal(geo.ChinaDay(start)) {
				t.Errorf("days %+v; want one, %s, adding up to inside %s, outside %s", s.Days, geo.ChinaDay(start), s.Inside, s.Outside)
			}
			seen := map[uint64]bool{}
			for _, v := range visits {
				if seen[v.Cell] || v.Day != geo.ChinaDay(v.At) {
					t.Errorf("visit %+v repeated or on the wrong day", v)
				}
				seen[v.Cell] = true
			}
		})
	}
}

// TestSummariseTrackAcrossMidnight: a night patrol's time is split at
// midnight China time, exactly, each day keeping its own part; a track
// ending at midnight is not on the day that begins then.
func TestSummariseTrackAcrossMidnight(t *testing.T) {
	sw := orb.Point{117.15, 39.11}
	grid := square(sw, 200)
	ring := grid[0][0]
	centre := orb.Point{(ring[0][0] + ring[2][0]) / 2, (ring[0][1] + ring[2][1]) / 2}
	var loop []orb.Point
	for _, p := range ring { // a loop halfway between the centre and the edge
		loop = append(loop, orb.Point{(p[0] + centre[0]) / 2, (p[1] + centre[1]) / 2})
	}
	midnight := time.Date(2026, 3, 2, 0, 0, 0, 0, geo.ChinaTime)
	before, after := geo.ChinaDay(midnight.Add(-time.Second)), geo.ChinaDay(midnight)
	loopAt := func(start time.Time) []Fix { return walkAlong(loop, start, 1.2) }
	still := []Fix{{Point: centre, At: midnight.Add(-5 * time.Minute)}, {Point: centre, At: midnight.Add(5 * time.Minute)}}
	cases := []struct {
		name  string
		fixes []Fix
		days  []time.Time
	}{
		{"walking across", loopAt(midnight.Add(-2 * time.Minute)), []time.Time{before, after}},
		{"standing across", still, []time.Time{before, after}},
		{"ending at midnight", []Fix{{Point: centre, At: midnight.Add(-10 * time.Minute)}, {Point: centre, At: midnight}}, []time.Time{before}},
		{"starting at midnight", loopAt(midnight), []time.Time{after}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, visits := SummariseTrack(c.fixes, grid, CellsOf(grid))
			if len(s.Days) != len(c.days) {
				t.Fatalf("days %+v; want %v", s.Days, c.days)
			}
			for i, d := range s.Days {
				from, to := maxTime(s.Start, d.Day.Add(-8*time.Hour)), minTime(s.End, d.Day.Add(16*time.Hour))
				if !d.Day.Equal(c.days[i]) || d.Inside+d.Outside != to.Sub(from) || d.Outside != 0 {
					t.Errorf("%s: inside %s, outside %s; want all %s inside", d.Day.Format(time.DateOnly), d.Inside, d.Outside, to.Sub(from))
				}
			}
			for _, v := range visits {
				if !slices.ContainsFunc(s.Days, func(d DayShare) bool { return d.Day.Equal(v.Day) }) && !v.At.Equal(s.End) {
					t.Errorf("a visit on %s, a day the patrol is not on", v.Day.Format(time.DateOnly))
				}
			}
		})
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func TestPatrolInputValidate(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	ok := func() PatrolInput {
		return PatrolInput{ID: "5b2e9b7e-8a55-4d2c-9a5e-1c3f5e0e0a02", Worker: "王伟", CRS: "wgs84",
			Fixes: walkAlong([]orb.Point{{117.15, 39.11}, {117.151, 39.11}}, now.Add(-time.Hour), 1.2)}
	}
	cases := []struct {
		name   string
		change func(*PatrolInput)
		field  string
	}{
		{"valid", func(*PatrolInput) {}, ""},
		{"one fix", func(p *PatrolInput) { p.Fixes = p.Fixes[:1] }, "fixes"},
		{"out of order", func(p *PatrolInput) { p.Fixes[1].At = p.Fixes[0].At.Add(-time.Second) }, "fixes[1].t"},
		{"in the future", func(p *PatrolInput) { p.Fixes[1].At = now.Add(time.Hour) }, "fixes[1].t"},
		{"bad point", func(p *PatrolInput) { p.Fixes[0].Point = orb.Point{200, 39} }, "fixes[0].point"},
		{"BD-09 off the earth once converted", func(p *PatrolInput) { p.Fixes[1].Point, p.CRS = orb.Point{-180, 0}, geo.BD09 }, "fixes[1].point"},
		{"bad grid", func(p *PatrolInput) { p.Grid = "120104" }, "grid"},
		{"no worker", func(p *PatrolInput) { p.Worker = "" }, "worker"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := ok()
			c.change(&in)
			err := in.Validate(now)
			var ge *geo.Error
			if (c.field == "" && err != nil) || (c.field != "" && (!errors.As(err, &ge) || ge.Field != c.field)) {
				t.Fatalf("err %v; want field %q", err, c.field)
			}
		})
	}
}

func TestMajorityGrid(t *testing.T) {
	g := func(code string) geo.Resolution {
		return geo.Resolution{Geographic: geo.Chain{Grid: &geo.Ref{Code: code}}}
	}
	rs := []geo.Resolution{g("b"), g("a"), g("b"), {}, g("a"), g("c")}
	if got := MajorityGrid(rs); got != "a" {
		t.Errorf("tie goes to %q; want the smaller code a", got)
	}
	if got := MajorityGrid(append(rs, g("b"))); got != "b" {
		t.Errorf("majority %q; want b", got)
	}
}
