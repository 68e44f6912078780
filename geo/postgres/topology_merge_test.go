package postgres_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// touchingGrids returns two current sibling grids under prefix that share
// an edge, the first pair in code order.
func touchingGrids(t *testing.T, db *postgres.DB, prefix string) (a, b string) {
	t.Helper()
	err := db.Pool.QueryRow(context.Background(), `
		SELECT x.code, y.code FROM unit x JOIN unit y ON x.parent_code = y.parent_code AND x.code < y.code
		WHERE x.valid_to IS NULL AND y.valid_to IS NULL AND x.level = 'grid' AND y.level = 'grid'
		  AND starts_with(x.code, $1) AND ST_Length(ST_Intersection(ST_Boundary(x.geom), ST_Boundary(y.geom))) > 0
		ORDER BY x.code, y.code LIMIT 1`, prefix).Scan(&a, &b)
	if err != nil {
		t.Fatalf("no touching grids under %s: %v", prefix, err)
	}
	return a, b
}

// TestMergeGrids merges two touching grids of the demo city: the first
// code keeps its identity in a new version covering both, the other is
// retired, the audit is exactly as it was and the resolver answers as
// PostGIS does over both. Units that are not siblings, or do not touch,
// are refused and change nothing.
func TestMergeGrids(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	svc := followingService(t, db)
	a, b := touchingGrids(t, db, "120104001")
	was := versions(t, db, []string{a, b})
	ua, ub := unitOf(t, db, a), unitOf(t, db, b)
	before := storedAudit(t, db)
	res, err := db.MergeUnits(ctx, "tester", geo.UnitMerge{Codes: []string{b, a}, Name: "合并网格"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Units) != 1 || res.Units[0].Code != a || res.Units[0].Version != was[a]+1 || res.Units[0].Name != "合并网格" ||
		len(res.Retired) != 1 || res.Retired[0].Code != b || len(res.Warnings) != 0 {
		t.Fatalf("merge: units %v, retired %v, warnings %v", unitCodesOf(res.Units), res.Retired, res.Warnings)
	}
	merged := res.Units[0]
	if whole, sum := area(t, db, merged.Geom), area(t, db, ua.Geom)+area(t, db, ub.Geom); math.Abs(whole-sum) > 1e-9*sum {
		t.Errorf("merged area %g, the two grids %g", whole, sum)
	}
	if v := versions(t, db, []string{b}); v[b] != 0 {
		t.Errorf("%s is still current (v%d)", b, v[b])
	}
	sameAudit(t, before, storedAudit(t, db))
	resolverEqualsPostGIS(t, db, svc, pointsAround(merged.Geom.Bound().Pad(0.0002), ua.Geom, ub.Geom))

	tests := []struct {
		name  string
		codes []string
		field string
	}{
		{"not siblings", []string{a, "120104001001"}, "codes"},
		{"retired", []string{a, b}, "codes[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.MergeUnits(ctx, "tester", geo.UnitMerge{Codes: tt.codes})
			var e *geo.Error
			if !errors.As(err, &e) || e.Field != tt.field {
				t.Errorf("err %v, want one about %s", err, tt.field)
			}
		})
	}
	sameAudit(t, before, storedAudit(t, db))
}

// TestMergeRefusesUnitsThatDoNotTouch merges two sibling grids with no
// shared edge.
func TestMergeRefusesUnitsThatDoNotTouch(t *testing.T) {
	db := demotest.Open(t)
	var a, b string
	err := db.Pool.QueryRow(context.Background(), `
		SELECT x.code, y.code FROM unit x JOIN unit y ON x.parent_code = y.parent_code AND x.code < y.code
		WHERE x.valid_to IS NULL AND y.valid_to IS NULL AND x.level = 'grid' AND y.level = 'grid'
		  AND NOT ST_Intersects(x.geom, y.geom) ORDER BY x.code, y.code LIMIT 1`).Scan(&a, &b)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.MergeUnits(context.Background(), "tester", geo.UnitMerge{Codes: []string{a, b}})
	if geo.ErrorCodeOf(err) != geo.EINVALID {
		t.Errorf("merging %s and %s that do not touch: %v", a, b, err)
	}
}

func unitOf(t *testing.T, db *postgres.DB, code string) geo.Unit {
	t.Helper()
	u, err := db.GetUnit(context.Background(), code, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}
