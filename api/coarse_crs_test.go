package api

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestCoarsePointsInAnyCRS (security review): an anonymous caller is shown
// a report's point rounded to 0.002°. A report sent in GCJ-02 or BD-09 (as
// phones send them) is shown twice, rounded in each system: point (in the
// report's crs) and point_wgs84. The two grids do not line up (the offset
// between the systems is no multiple of 0.002°), so together they place
// the point in the intersection of two cells, finer than either. Two
// points that the WGS-84 rounding puts in one cell must be shown the same.
func TestCoarsePointsInAnyCRS(t *testing.T) {
	e := newPhotoEnv(t, casework.BackendPostgres)
	coarse := func(p orb.Point) orb.Point { return orb.Point{access.Coarse(p[0]), access.Coarse(p[1])} }
	for _, crs := range []geo.CRS{geo.WGS84, geo.GCJ02, geo.BD09} {
		t.Run(string(crs), func(t *testing.T) {
			// Two WGS-84 points of one 0.002° cell, as far apart in the cell
			// as needed for their rounding in crs to differ (if ever).
			a := orb.Point{117.1511, 39.1296}
			b := a
			for x := a[0]; x < 117.1529; x += 0.0001 {
				b = orb.Point{x, a[1]}
				if coarse(geo.FromWGS84(b, crs)) != coarse(geo.FromWGS84(a, crs)) {
					break
				}
			}
			views := make([]map[string]any, 2)
			for i, p := range []orb.Point{a, b} {
				q := geo.FromWGS84(p, crs)
				id := uuid.NewString()
				r := request(t, "POST", e.url+"/v1/reports", []byte(fmt.Sprintf(
					`{"id":%q,"kind":"hazard","category":"E0506","severity":2,"point":[%.9f,%.9f],"crs":%q}`, id, q[0], q[1], crs)),
					append(authHeader(e.tokens["worker"]), "Content-Type", "application/json")...)
				if r.status != 201 {
					t.Fatalf("report at %v: %d %s", q, r.status, r.body)
				}
				got := request(t, "GET", e.url+"/v1/reports/"+id, nil) // anonymous
				if got.status != 200 {
					t.Fatalf("anonymous GET: %d %s", got.status, got.body)
				}
				views[i] = got.json(t)
			}
			if fmt.Sprint(views[0]["point_wgs84"]) != fmt.Sprint(views[1]["point_wgs84"]) {
				t.Fatalf("the points are meant to share a WGS-84 cell: %v, %v", views[0]["point_wgs84"], views[1]["point_wgs84"])
			}
			for i := range views {
				views[i]["resolution.point"] = views[i]["resolution"].(map[string]any)["point"]
			}
			for _, k := range []string{"point", "point_wgs84", "resolution.point"} {
				if x, y := fmt.Sprint(views[0][k]), fmt.Sprint(views[1][k]); x != y {
					t.Errorf("WGS-84 points %v and %v (%.0f m apart) share a 0.002° cell, but an anonymous caller is shown %s %s and %s",
						a, b, (b[0]-a[0])*86000, k, x, y)
				}
			}
		})
	}
}
