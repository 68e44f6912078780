package demotest

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// Shared is a vertex that several units have, exactly, inside one street:
// moving it moves a corner they share and changes no other boundary.
type Shared struct {
	At    orb.Point
	Codes []string // the units that have it, in code order
	// Room is the distance, in degrees, to the nearest other vertex of those
	// units: a move shorter than a small share of it keeps them valid.
	Room float64
}

// SharedVertex finds a vertex that exactly n current units under the street
// share (grids, and communities where it lies on their boundary), strictly
// inside the street, and inside the community of every grid whose community
// does not have it, the first in a fixed order, such that no other vertex
// lies on the edges that meet there: moving it keeps a clean boundary set
// clean. On the demo city that is a corner of three grids (n = 3). It fails
// the test if there is none.
func SharedVertex(tb testing.TB, db *postgres.DB, street string, n int) Shared {
	tb.Helper()
	return sharedVertex(tb, db, street, n, true)
}

// SharedCorner is SharedVertex without the clean edges. The demo's grids
// are clipped Voronoi cells, so where two grids meet on the boundary of two
// communities (n = 4: the grids and both communities have the vertex), the
// communities' edges carry the other grids' corners without having them as
// vertices: moving it moves all four, bends the communities' edges at the
// next corner on them (so those grids stay inside), and carries whatever
// lies within 1 cm of it (geo.VertexSnapM): often more than n units.
func SharedCorner(tb testing.TB, db *postgres.DB, street string, n int) Shared {
	tb.Helper()
	return sharedVertex(tb, db, street, n, false)
}

func sharedVertex(tb testing.TB, db *postgres.DB, street string, n int, clean bool) Shared {
	tb.Helper()
	ctx := context.Background()
	data, err := db.LoadCurrent(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	owners, rings := map[orb.Point][]string{}, map[string][]orb.Point{}
	edges := map[string][]orb.Ring{}
	for _, u := range data.Units {
		if u.Level.Rank() <= geo.Street.Rank() || !strings.HasPrefix(u.Code, street) {
			continue
		}
		for _, poly := range u.Geom {
			for _, r := range poly {
				edges[u.Code] = append(edges[u.Code], r)
				rings[u.Code] = append(rings[u.Code], r...)
				for _, p := range r {
					if !slices.Contains(owners[p], u.Code) {
						owners[p] = append(owners[p], u.Code)
					}
				}
			}
		}
	}
	var candidates []orb.Point
	for p, codes := range owners {
		if len(codes) == n {
			candidates = append(candidates, p)
		}
	}
	sort.Slice(candidates, func(i, j int) bool {
		a, b := candidates[i], candidates[j]
		return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
	})
	for _, p := range candidates {
		codes := owners[p]
		sort.Strings(codes)
		if inside(ctx, tb, db, street, p) && communitiesAgree(ctx, tb, db, codes, p) && !(clean && tJunction(p, codes, edges, owners)) {
			return Shared{At: p, Codes: codes, Room: room(p, codes, rings)}
		}
	}
	tb.Fatalf("no vertex under %s is shared by exactly %d units inside it", street, n)
	return Shared{}
}

// communitiesAgree reports whether the community of every grid that has p
// has it too, or has p in its interior (not on an edge it lacks a vertex for).
func communitiesAgree(ctx context.Context, tb testing.TB, db *postgres.DB, codes []string, p orb.Point) bool {
	for _, c := range codes {
		if len(c) == 15 && !slices.Contains(codes, c[:12]) && !inside(ctx, tb, db, c[:12], p) {
			return false
		}
	}
	return true
}

// inside reports whether p lies in the interior of the current unit code.
func inside(ctx context.Context, tb testing.TB, db *postgres.DB, code string, p orb.Point) bool {
	var in bool
	err := db.Pool.QueryRow(ctx, `SELECT ST_Contains(geom, ST_SetSRID(ST_MakePoint($2, $3), 4326)) FROM unit
		WHERE code = $1 AND valid_to IS NULL`, code, p[0], p[1]).Scan(&in)
	if err != nil {
		tb.Fatal(err)
	}
	return in
}

// room is the distance from p to the nearest other vertex of the units.
func room(p orb.Point, codes []string, rings map[string][]orb.Point) float64 {
	best := 1.0
	for _, c := range codes {
		for _, q := range rings[c] {
			if q != p {
				best = math.Min(best, math.Hypot(q[0]-p[0], q[1]-p[1]))
			}
		}
	}
	return best
}

// tJunction reports whether an edge at p of one of the units has another
// unit's vertex lying on it (the demo's grids are clipped Voronoi cells, so
// a community's edge carries its grids' corners without having them as
// vertices): moving p would leave that vertex off the edge.
func tJunction(p orb.Point, codes []string, rings map[string][]orb.Ring, vertices map[orb.Point][]string) bool {
	for _, c := range codes {
		for _, r := range rings[c] {
			for i := 0; i+1 < len(r); i++ {
				a, b := r[i], r[i+1]
				if a != p && b != p {
					continue
				}
				for q := range vertices {
					if q != a && q != b && onSegment(q, a, b) {
						return true
					}
				}
			}
		}
	}
	return false
}

// onSegment reports whether q lies on segment ab within a nanodegree.
func onSegment(q, a, b orb.Point) bool {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := math.Hypot(dx, dy)
	if l == 0 || math.Abs((q[0]-a[0])*dy-(q[1]-a[1])*dx)/l > 1e-9 {
		return false
	}
	t := ((q[0]-a[0])*dx + (q[1]-a[1])*dy) / (l * l)
	return t > 0 && t < 1
}
