package postgres_test

import (
	"context"
	"errors"
	"maps"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// communityCorner is the first vertex (west to east) that exactly three
// current communities under street have, strictly inside the street, with
// those communities in code order.
func communityCorner(t *testing.T, db *postgres.DB, street string) (orb.Point, []string) {
	t.Helper()
	var p orb.Point
	var codes []string
	err := db.Pool.QueryRow(context.Background(), `
		WITH v AS (
		  SELECT ST_X(d.geom) AS x, ST_Y(d.geom) AS y, array_agg(DISTINCT u.code ORDER BY u.code) AS codes
		  FROM unit u, LATERAL ST_DumpPoints(u.geom) d
		  WHERE u.valid_to IS NULL AND u.level = 'community' AND starts_with(u.code, $1)
		  GROUP BY 1, 2)
		SELECT v.x, v.y, v.codes FROM v JOIN unit s ON s.code = $1 AND s.valid_to IS NULL
		WHERE cardinality(v.codes) = 3 AND ST_Contains(s.geom, ST_SetSRID(ST_MakePoint(v.x, v.y), 4326))
		ORDER BY v.x, v.y LIMIT 1`, street).Scan(&p[0], &p[1], &codes)
	if err != nil {
		t.Fatalf("no corner of three communities under %s: %v", street, err)
	}
	return p, codes
}

// metres returns a displacement of (east, north) metres at p, in degrees.
func metres(p orb.Point, east, north float64) orb.Point {
	const perDeg = 111_320.0
	return orb.Point{east / (perDeg * math.Cos(p[1]*math.Pi/180)), north / perDeg}
}

// offCorner redraws the grids of the communities as another hand would
// have, a millimetre off: each community's grids have the corner p `off`
// metres from it (in another direction for each community), and their
// corners on the communities' edges that meet at p `off` metres beside
// those edges. Grids still share their own corners exactly. It returns the
// grids that had p.
func offCorner(t *testing.T, db *postgres.DB, p orb.Point, communities []string, off float64) []string {
	t.Helper()
	ctx := context.Background()
	var spokes [][2]orb.Point
	for _, code := range communities {
		for _, s := range geo.NewCornerMove(p, p).Spokes(unitOf(t, db, code).Geom) {
			spokes = append(spokes, [2]orb.Point{s[0], s[1]})
		}
	}
	var atCorner []string
	for i, code := range communities {
		a := 2 * math.Pi * float64(i) / float64(len(communities))
		d := metres(p, off*math.Cos(a), off*math.Sin(a))
		children, _, err := db.ListUnits(ctx, geo.UnitFilter{Parent: code, Window: geo.Window{Limit: 1000}})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range children {
			if geo.HasVertex(g.Geom, p) {
				atCorner = append(atCorner, g.Code)
			}
			moved := mapVertices(g.Geom, func(v orb.Point) orb.Point {
				if v == p {
					return orb.Point{p[0] + d[0], p[1] + d[1]}
				}
				for _, s := range spokes {
					if n, ok := besideEdge(v, s[0], s[1], off); ok {
						return n
					}
				}
				return v
			})
			if orb.Equal(moved, g.Geom) {
				continue
			}
			g.Geom = moved
			if _, err := db.EditUnit(ctx, "tester", g, g.Version); err != nil {
				t.Fatalf("redraw %s: %v", g.Code, err)
			}
		}
	}
	slices.Sort(atCorner)
	return atCorner
}

// besideEdge returns v moved off metres square to the edge ab, when v lies
// on it (within a tenth of a millimetre) between its ends.
func besideEdge(v, a, b orb.Point, off float64) (orb.Point, bool) {
	k := 111_320 * math.Cos(a[1]*math.Pi/180)
	dx, dy := (b[0]-a[0])*k, (b[1]-a[1])*111_320
	px, py := (v[0]-a[0])*k, (v[1]-a[1])*111_320
	l := math.Hypot(dx, dy)
	tt := (px*dx + py*dy) / (l * l)
	if l == 0 || tt <= 0 || tt >= 1 || math.Abs(px*dy-py*dx)/l > 1e-4 {
		return v, false
	}
	d := metres(a, -dy/l*off, dx/l*off)
	return orb.Point{v[0] + d[0], v[1] + d[1]}, true
}

// mapVertices returns mp with every vertex mapped by f.
func mapVertices(mp orb.MultiPolygon, f func(orb.Point) orb.Point) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, poly := range mp {
		out[i] = make(orb.Polygon, len(poly))
		for j, r := range poly {
			out[i][j] = make(orb.Ring, len(r))
			for k, v := range r {
				out[i][j][k] = f(v)
			}
		}
	}
	return out
}

// TestMoveCommunityCorner moves the corner three communities of the demo
// city share, with their grids drawn exactly against them and drawn a
// millimetre off (the corner and the grid corners on the communities'
// edges): the communities and the grids at the corner move together, the
// edges that meet there bend at their first grid corner, nothing is left
// within VertexSnapM of the old corner, no warning is given and the
// coverage audit is exactly as it was. The same move again answers what it
// moved, unchanged.
func TestMoveCommunityCorner(t *testing.T) {
	tests := []struct {
		name string
		off  float64 // metres
	}{
		{"grids exactly on the communities", 0},
		{"grids a millimetre off", 0.001},
		{"grids five millimetres off", 0.005},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := demotest.Open(t)
			ctx := context.Background()
			p, communities := communityCorner(t, db, "120104002")
			grids := offCorner(t, db, p, communities, tt.off)
			if len(grids) != len(communities) {
				t.Fatalf("grids at the corner %v, want one in each of %v", grids, communities)
			}
			before := storedAudit(t, db)
			to := orb.Point{p[0] + metres(p, 4, -3)[0], p[1] + metres(p, 4, -3)[1]}
			res, err := db.MoveVertex(ctx, "tester", geo.VertexMove{From: p, To: to})
			if err != nil {
				t.Fatal(err)
			}
			want := append(slices.Clone(communities), grids...)
			slices.Sort(want)
			if got := unitCodesOf(res.Units); !slices.Equal(got, want) || len(res.Warnings) != 0 {
				t.Errorf("moved %v with warnings %v; want %v and none", got, res.Warnings, want)
			}
			c := geo.NewCornerMove(p, to)
			for _, u := range res.Units {
				if !geo.HasVertex(u.Geom, to) || c.Touches(u.Geom) {
					t.Errorf("%s: has the corner at its new place %v, still touches the old one %v",
						u.Code, geo.HasVertex(u.Geom, to), c.Touches(u.Geom))
				}
			}
			if tt.off == 0 {
				sharedBitForBit(t, db, res.Units, to)
			}
			sameAudit(t, before, storedAudit(t, db))

			// Again, by its author (a retry without a client id: replayed), by
			// someone else (found made, not theirs) and by its author with a
			// client id of its own (another request: not a replay).
			for _, again := range []struct {
				by, clientID string
				replayed     bool
			}{{"tester", "", true}, {"someone else", "", false}, {"tester", "5d0c3f1e-8a47-4b8e-9a0e-2f6b1c7d4e91", false}} {
				res, err := db.MoveVertex(ctx, again.by, geo.VertexMove{From: p, To: to, ClientID: again.clientID})
				if err != nil || !slices.Equal(unitCodesOf(res.Units), want) || len(res.Unchanged) != len(want) || res.Replayed != again.replayed {
					t.Errorf("the same move again by %s (client id %q): %v (unchanged %v, replayed %v) %v; want %v unchanged, replayed %v",
						again.by, again.clientID, unitCodesOf(res.Units), res.Unchanged, res.Replayed, err, want, again.replayed)
				}
			}
		})
	}
}

// sharedBitForBit checks that the vertices a move gave the moved
// communities, where their edges bend, are their grids' corners exactly.
func sharedBitForBit(t *testing.T, db *postgres.DB, moved []geo.Unit, to orb.Point) {
	t.Helper()
	for _, u := range moved {
		if u.Level != geo.Community {
			continue
		}
		var before orb.MultiPolygon
		if history, err := db.UnitHistory(context.Background(), u.Code); err != nil || len(history) < 2 {
			t.Fatalf("%s: history %v", u.Code, err)
		} else {
			before = history[len(history)-2].Geom
		}
		var grids []orb.MultiPolygon
		for _, g := range currentChildren(t, db, u.Code) {
			grids = append(grids, g.Geom)
		}
		corners := vertices(grids...)
		for _, v := range vertices(u.Geom) {
			if v != to && !geo.HasVertex(before, v) && !slices.Contains(corners, v) {
				t.Errorf("%s bends at %v, which none of its grids has", u.Code, v)
			}
		}
	}
}

// TestMoveVertexNotThere: a from that is no vertex is ENOTFOUND naming
// from, and nothing changes — also when to is a vertex (that is no retry of
// a move that was made: no boundary there had from before), and when from
// is a few millimetres beside one (from is matched exactly; only what
// coincides with it is snapped).
func TestMoveVertexNotThere(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	v := demotest.SharedVertex(t, db, "120104001", 3)
	was := versions(t, db, v.Codes)
	beside := orb.Point{v.At[0] + metres(v.At, 0.003, 0)[0], v.At[1]}
	tests := []struct {
		name     string
		from, to orb.Point
	}{
		{"from and to nowhere", orb.Point{117.1, 39.1}, orb.Point{117.2, 39.1}},
		{"from nowhere, to a corner", orb.Point{117.1, 39.1}, v.At},
		{"from 3 mm beside a corner", beside, orb.Point{v.At[0] + v.Room*0.1, v.At[1]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := db.MoveVertex(ctx, "tester", geo.VertexMove{From: tt.from, To: tt.to})
			var e *geo.Error
			if !errors.As(err, &e) || e.Code != geo.ENOTFOUND || e.Field != "from" {
				t.Fatalf("%+v %v; want ENOTFOUND naming from", res, err)
			}
			if now := versions(t, db, v.Codes); !maps.Equal(now, was) {
				t.Errorf("versions %v, were %v", now, was)
			}
		})
	}
}

// vertices returns every vertex of the multipolygons, closing ones once.
func vertices(mps ...orb.MultiPolygon) []orb.Point {
	var out []orb.Point
	for _, mp := range mps {
		for _, poly := range mp {
			for _, ring := range poly {
				if n := len(ring); n > 1 && ring[0] == ring[n-1] {
					ring = ring[:n-1]
				}
				out = append(out, ring...)
			}
		}
	}
	return out
}
