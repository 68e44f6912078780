package postgres_test

import (
	"context"
	"math"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// auditRow is one stored finding of the coverage audit, as compared before
// and after an edit.
type auditRow struct {
	kind, parent string
	codes        []string
	area         float64
}

// storedAudit reads every stored finding in a fixed order.
func storedAudit(t *testing.T, db *postgres.DB) []auditRow {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT kind, parent_code, codes, area_m2 FROM audit_finding ORDER BY kind, parent_code, codes`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.kind, &r.parent, &r.codes, &r.area); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// sameAudit checks that the audit is as it was: the same findings, their
// areas equal within a square millimetre (the overlay's floating noise).
func sameAudit(t *testing.T, before, after []auditRow) {
	t.Helper()
	if len(before) != len(after) {
		t.Fatalf("the audit had %d findings, now %d:\nbefore %v\nafter  %v", len(before), len(after), before, after)
	}
	for i := range before {
		b, a := before[i], after[i]
		if b.kind != a.kind || b.parent != a.parent || !slices.Equal(b.codes, a.codes) || math.Abs(b.area-a.area) > 1e-6 {
			t.Errorf("finding %d was %+v, now %+v", i, b, a)
		}
	}
}

// followingService is a resolver loaded from db that the test catches up
// by hand, as a node does on each change: incrementally.
func followingService(t *testing.T, db *postgres.DB) *geo.Service {
	t.Helper()
	svc := geo.NewService(db, db)
	if err := svc.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc
}

// resolverEqualsPostGIS catches svc up and compares its answers with
// PostGIS's on pts.
func resolverEqualsPostGIS(t *testing.T, db *postgres.DB, svc *geo.Service, pts []orb.Point) {
	t.Helper()
	ctx := context.Background()
	if err := svc.CatchUpNow(ctx); err != nil {
		t.Fatal(err)
	}
	want := resolveInPostGIS(t, db, pts)
	diffs := 0
	for i, p := range pts {
		got, err := svc.Resolve(ctx, geo.ResolveQuery{Point: p})
		if err != nil {
			t.Fatal(err)
		}
		if g, w := normalise(got), normalise(want[i]); !reflect.DeepEqual(g, w) {
			if diffs++; diffs <= 3 {
				t.Errorf("point %.17g,%.17g:\nindex:   %s\npostgis: %s", p[0], p[1], show(g), show(w))
			}
		}
	}
	if diffs > 0 {
		t.Errorf("%d of %d points differ", diffs, len(pts))
	}
}

// pointsAround are test points near the edges an edit moved: a dense grid
// over the box b, the vertices of mp and points a few ulps beside them, and
// points on and just off the edges of mp inside b.
func pointsAround(b orb.Bound, mps ...orb.MultiPolygon) []orb.Point {
	var pts []orb.Point
	const n = 40
	for i := 0; i <= n; i++ {
		for j := 0; j <= n; j++ {
			pts = append(pts, orb.Point{b.Min[0] + (b.Max[0]-b.Min[0])*float64(i)/n, b.Min[1] + (b.Max[1]-b.Min[1])*float64(j)/n})
		}
	}
	for _, mp := range mps {
		for _, poly := range mp {
			for _, r := range poly {
				for k := 0; k+1 < len(r); k++ {
					a, c := r[k], r[k+1]
					if !b.Contains(a) && !b.Contains(c) {
						continue
					}
					pts = append(pts, a, orb.Point{math.Nextafter(a[0], 200), a[1]}, orb.Point{a[0], math.Nextafter(a[1], -200)})
					for _, f := range []float64{0.25, 0.5, 0.75} {
						m := orb.Point{a[0] + f*(c[0]-a[0]), a[1] + f*(c[1]-a[1])}
						pts = append(pts, m, orb.Point{m[0] + 1e-9, m[1]}, orb.Point{m[0], m[1] - 1e-9})
					}
				}
			}
		}
	}
	return pts
}

// versions reads the current version of each code (0 when retired).
func versions(t *testing.T, db *postgres.DB, codes []string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, c := range codes {
		u, err := db.GetUnit(context.Background(), c, time.Time{})
		switch {
		case geo.ErrorCodeOf(err) == geo.ENOTFOUND:
			out[c] = 0
		case err != nil:
			t.Fatal(err)
		default:
			out[c] = u.Version
		}
	}
	return out
}

// TestMoveSharedVertex moves the corner three grids of 南开区 share, on the
// demo city: each grid has it at its new place in exactly one new version,
// nothing else changes, the coverage audit is exactly as it was, and the
// resolver — caught up incrementally, as every node is — answers as
// PostGIS does around the moved edges. The same move again changes nothing
// and says the vertex is already there.
func TestMoveSharedVertex(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	svc := followingService(t, db)
	v := demotest.SharedVertex(t, db, "120104001", 3)
	before := storedAudit(t, db)
	was := versions(t, db, v.Codes)
	to := orb.Point{v.At[0] + v.Room*0.1, v.At[1] - v.Room*0.07}
	res, err := db.MoveVertex(ctx, "tester", geo.VertexMove{From: v.At, To: to})
	if err != nil {
		t.Fatal(err)
	}
	if got := unitCodesOf(res.Units); !slices.Equal(got, v.Codes) || len(res.Enclaves)+len(res.Retired) != 0 {
		t.Fatalf("moved %v (enclaves %v, retired %v), want exactly %v", got, res.Enclaves, res.Retired, v.Codes)
	}
	var mps []orb.MultiPolygon
	for _, u := range res.Units {
		if u.Version != was[u.Code]+1 || geo.HasVertex(u.Geom, v.At) || !geo.HasVertex(u.Geom, to) {
			t.Errorf("%s: version %d (was %d), vertex moved: %v", u.Code, u.Version, was[u.Code], geo.HasVertex(u.Geom, to))
		}
		mps = append(mps, u.Geom)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %v", res.Warnings)
	}
	sameAudit(t, before, storedAudit(t, db))
	box := orb.Bound{Min: v.At, Max: v.At}.Extend(to).Pad(v.Room)
	resolverEqualsPostGIS(t, db, svc, pointsAround(box, mps...))

	again, err := db.MoveVertex(ctx, "tester", geo.VertexMove{From: v.At, To: to})
	if err != nil || !slices.Equal(unitCodesOf(again.Units), v.Codes) || len(again.Unchanged) != 3 {
		t.Fatalf("the same move again: %+v %v; want the same units, unchanged", again, err)
	}
	for i, u := range again.Units {
		if u.Version != res.Units[i].Version {
			t.Errorf("%s: the retry answers version %d, the move wrote %d", u.Code, u.Version, res.Units[i].Version)
		}
	}
}

func unitCodesOf(units []geo.Unit) []string {
	var out []string
	for _, u := range units {
		out = append(out, u.Code)
	}
	sort.Strings(out)
	return out
}
