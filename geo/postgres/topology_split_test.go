package postgres_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// cutLine is a west-to-east line through a point inside the first current
// unit of the level under prefix that it cuts in exactly two, reaching
// beyond the unit on both sides.
func cutLine(t *testing.T, db *postgres.DB, prefix string, level geo.Level) (geo.Unit, orb.LineString) {
	t.Helper()
	var code string
	var y, x0, x1 float64
	err := db.Pool.QueryRow(context.Background(), `
		SELECT code, ST_Y(ST_PointOnSurface(geom)), ST_XMin(geom) - 0.001, ST_XMax(geom) + 0.001 FROM unit u
		WHERE valid_to IS NULL AND level = $2 AND starts_with(code, $1)
		  AND ST_NumGeometries(ST_Split(geom, ST_SetSRID(ST_MakeLine(ST_MakePoint(ST_XMin(geom) - 0.001, ST_Y(ST_PointOnSurface(geom))),
		        ST_MakePoint(ST_XMax(geom) + 0.001, ST_Y(ST_PointOnSurface(geom)))), 4326))) = 2
		ORDER BY code LIMIT 1`, prefix, string(level)).Scan(&code, &y, &x0, &x1)
	if err != nil {
		t.Fatalf("no %s under %s to cut: %v", level, prefix, err)
	}
	u, err := db.GetUnit(context.Background(), code, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return u, orb.LineString{{x0, y}, {x1, y}}
}

// area is the planar area of a multipolygon (square degrees), by PostGIS:
// the parts of a split add up to the whole in it exactly. (Geodesic areas
// do not quite: the cut's end points, on straight edges in the plane, lie
// beside the geodesic edges by micrometres.)
func area(t *testing.T, db *postgres.DB, mp orb.MultiPolygon) float64 {
	t.Helper()
	var a float64
	if err := db.Pool.QueryRow(context.Background(), `SELECT ST_Area(ST_GeomFromGeoJSON($1))`, geoJSON(mp)).Scan(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestSplitGrid splits a grid of the demo city along a line: the larger
// part keeps the code in a new version, the other takes the next free code
// of the community, the parts cover the grid exactly, the audit is exactly
// as it was and the resolver answers as PostGIS does around the cut. Split
// again with codes given, neither the grid's own, the grid is retired and
// the part north of the eastward line takes the first (left) code.
func TestSplitGrid(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	svc := followingService(t, db)
	g, line := cutLine(t, db, "120104001", geo.Grid)
	before := storedAudit(t, db)
	res, err := db.SplitUnit(ctx, "tester", geo.UnitSplit{Code: g.Code, Line: line})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Units) != 2 || len(res.Retired) != 0 || len(res.Warnings) != 0 {
		t.Fatalf("split: %d units, retired %v, warnings %v", len(res.Units), res.Retired, res.Warnings)
	}
	kept, made := res.Units[0], res.Units[1]
	if kept.Code != g.Code || kept.Version != g.Version+1 || made.Version != 1 || made.ParentCode != g.ParentCode ||
		made.Code <= g.Code || made.Name != g.Name+"-"+made.Code[12:] {
		t.Errorf("parts %s v%d and %s v%d %q under %s", kept.Code, kept.Version, made.Code, made.Version, made.Name, made.ParentCode)
	}
	whole, a, b := area(t, db, g.Geom), area(t, db, kept.Geom), area(t, db, made.Geom)
	if math.Abs(a+b-whole) > 1e-9*whole || a < b {
		t.Errorf("areas %g + %g, want %g with the kept part the larger", a, b, whole)
	}
	sameAudit(t, before, storedAudit(t, db))
	resolverEqualsPostGIS(t, db, svc, pointsAround(line.Bound().Pad(0.0002), kept.Geom, made.Geom))

	_, line = cutLine(t, db, made.Code, geo.Grid)
	left, right := made.Code[:12]+"901", made.Code[:12]+"902"
	res, err = db.SplitUnit(ctx, "tester", geo.UnitSplit{Code: made.Code, Line: line, Codes: [2]string{left, right}, Names: [2]string{"北片", "南片"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Retired) != 1 || res.Retired[0].Code != made.Code || len(res.Units) != 2 || res.Units[0].Code != left || res.Units[0].Name != "北片" {
		t.Fatalf("split into given codes: units %v, retired %v", unitCodesOf(res.Units), res.Retired)
	}
	if n, s := res.Units[0].Geom.Bound().Center()[1], res.Units[1].Geom.Bound().Center()[1]; n <= s {
		t.Errorf("the left part of an eastward line is not the northern one: %g vs %g", n, s)
	}
	sameAudit(t, before, storedAudit(t, db))
}

// TestSplitCommunity splits 百合春天社区, which manages the demo's enclave,
// into two new codes: the community is retired, each grid goes to the part
// that covers most of it and takes a new code under it (its old code
// retired, its name, properties and boundary kept), and the enclave is
// handed to the larger part.
func TestSplitCommunity(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	c, line := cutLine(t, db, demo.BaihechuntianCode, geo.Community)
	grids := currentChildren(t, db, c.Code)
	codes := [2]string{demo.WanxinCode + "191", demo.WanxinCode + "192"}
	res, err := db.SplitUnit(ctx, "tester", geo.UnitSplit{Code: c.Code, Line: line, Codes: codes})
	if err != nil {
		t.Fatal(err)
	}
	retired := map[string]bool{}
	for _, r := range res.Retired {
		retired[r.Code] = true
	}
	if !retired[c.Code] || len(res.Retired) != 1+len(grids) {
		t.Errorf("retired %v; want the community and its %d grids", res.Retired, len(grids))
	}
	moved := 0
	for _, u := range res.Units {
		if u.Level == geo.Grid {
			moved++
			if !slices.Contains(codes[:], u.ParentCode) || !strings.HasPrefix(u.Code, u.ParentCode) || u.Version != 1 {
				t.Errorf("grid %s under %s (v%d)", u.Code, u.ParentCode, u.Version)
			}
		}
	}
	if moved != len(grids) {
		t.Errorf("%d grids took new codes, want %d", moved, len(grids))
	}
	e, err := db.GetEnclave(ctx, demo.EnclaveCode, time.Time{})
	if err != nil || !slices.Contains(codes[:], e.ManagingCode) || e.Version != 2 {
		t.Errorf("the enclave after the split: %+v %v", e, err)
	}
	if len(res.Enclaves) != 1 {
		t.Errorf("enclaves written %d, want 1", len(res.Enclaves))
	}
}

// currentChildren lists the current children of a unit.
func currentChildren(t *testing.T, db *postgres.DB, code string) []geo.Unit {
	t.Helper()
	units, _, err := db.ListUnits(context.Background(), geo.UnitFilter{Parent: code, Window: geo.Window{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	return units
}

// geoJSON writes a multipolygon as GeoJSON, for PostGIS.
func geoJSON(mp orb.MultiPolygon) string {
	b, _ := geojson.NewGeometry(mp).MarshalJSON()
	return string(b)
}

// TestSplitOfALongName: a unit named with all of geo.MaxUnitName splits
// with no names given; the part with a new code is named within the limit
// (the name and "-" and three digits were refused as too long).
func TestSplitOfALongName(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	g, line := cutLine(t, db, "120104002", geo.Grid)
	long := strings.Repeat("长", geo.MaxUnitName)
	if _, err := db.Pool.Exec(ctx, `UPDATE unit SET name = $2 WHERE code = $1 AND valid_to IS NULL`, g.Code, long); err != nil {
		t.Fatal(err)
	}
	res, err := db.SplitUnit(ctx, "tester", geo.UnitSplit{Code: g.Code, Line: line})
	if err != nil {
		t.Fatal(err)
	}
	made := res.Units[1]
	if made.Name != geo.SplitPartName(long, made.Code) || !strings.HasSuffix(made.Name, "-"+made.Code[12:]) || res.Units[0].Name != long {
		t.Errorf("parts named %q and %q", geo.ClipTo(res.Units[0].Name, 9), made.Name)
	}
}
