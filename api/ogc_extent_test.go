package api

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
)

// TestReportExtentIsCoarseForAnonymous: the reports collection's spatial
// extent is the box of the reports. To a caller who is shown points only
// rounded to 0.002° (an anonymous one by default), that box must be the box
// of the rounded points: the exact box names the exact longitude or
// latitude of the four outermost reports.
func TestReportExtentIsCoarseForAnonymous(t *testing.T) {
	db, svc := openDemoService(t)
	base := privacyServer(t, db, svc, access.ExposeNone)
	var exact [4]float64
	if err := db.Pool.QueryRow(t.Context(), `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
		FROM (SELECT ST_Extent(geom) AS e FROM report) s`).Scan(&exact[0], &exact[1], &exact[2], &exact[3]); err != nil {
		t.Fatal(err)
	}
	extent := func(token string) [4]float64 {
		r := request(t, "GET", base+"/ogc/collections/reports", nil, authHeader(token)...)
		if r.status != 200 {
			t.Fatalf("GET the collection: %d %s", r.status, r.body)
		}
		var col struct {
			Extent struct {
				Spatial struct {
					BBox [][4]float64 `json:"bbox"`
				} `json:"spatial"`
			} `json:"extent"`
		}
		if err := json.Unmarshal(r.body, &col); err != nil || len(col.Extent.Spatial.BBox) != 1 {
			t.Fatalf("%v: %s", err, r.body)
		}
		return col.Extent.Spatial.BBox[0]
	}
	for i, v := range extent("") {
		if math.Abs(v-access.Coarse(exact[i])) > 1e-9 {
			t.Errorf("anonymous: extent[%d] = %.9f; the exact box has %.9f, the rounded points' box %.6f", i, v, exact[i], access.Coarse(exact[i]))
		}
	}
	// A token that sees every point still gets the exact box.
	admin := createToken(t, db, access.RoleViewer, "", "全市大屏", time.Now().Add(time.Hour))
	if got := extent(admin); got != exact {
		t.Errorf("unscoped token: extent %v, want the exact %v", got, exact)
	}
}
