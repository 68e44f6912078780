package demo_test

import (
	"context"
	"testing"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// fingerprint lists every current unit and enclave with a hash of its exact
// geometry (WKB, full precision).
func fingerprint(t *testing.T, db *postgres.DB) map[string]string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `
		SELECT code, md5(ST_AsBinary(geom)) || ' ' || name FROM unit WHERE valid_to IS NULL
		UNION ALL SELECT code, md5(ST_AsBinary(geom)) || ' ' || name FROM enclave WHERE valid_to IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var code, h string
		if err := rows.Scan(&code, &h); err != nil {
			t.Fatal(err)
		}
		out[code] = h
	}
	return out
}

func TestDemoIsDeterministic(t *testing.T) {
	a, b := pgtest.Open(t), pgtest.Open(t)
	ctx := context.Background()
	sumA, err := demo.Build(ctx, a, demo.ScaleDemo, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Build(ctx, b, demo.ScaleDemo, nil); err != nil {
		t.Fatal(err)
	}
	fa, fb := fingerprint(t, a), fingerprint(t, b)
	if len(fa) != len(fb) {
		t.Fatalf("builds differ in size: %d vs %d", len(fa), len(fb))
	}
	for code, h := range fa {
		if fb[code] != h {
			t.Errorf("%s differs between builds: %s vs %s", code, h, fb[code])
		}
	}
	// Rebuilding in place gives the same city again.
	if _, err := demo.Build(ctx, a, demo.ScaleDemo, nil); err != nil {
		t.Fatal(err)
	}
	for code, h := range fingerprint(t, a) {
		if fa[code] != h {
			t.Errorf("%s changed on rebuild", code)
		}
	}
	t.Logf("demo: %v in %s; repaired %v", sumA.Counts, sumA.Duration, sumA.Repaired)
}

func TestDemoContents(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	sum, err := demo.Build(ctx, db, demo.ScaleDemo, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[geo.Level]int{geo.District: 15, geo.Street: 12 + 19, geo.Community: 171 + 24}
	for l, n := range want {
		if sum.Counts[l] != n {
			t.Errorf("%s: %d units, want %d", l, sum.Counts[l], n)
		}
	}
	if len(sum.Repaired) != 4 {
		t.Errorf("repaired %d districts, want the 4 invalid ones: %v", len(sum.Repaired), sum.Repaired)
	}
	checks := map[string]string{
		"南开区 has 12 streets":               `SELECT count(*) = 12 FROM unit WHERE parent_code = '120104' AND valid_to IS NULL`,
		"南开区 has about 1,464 grids":        `SELECT count(*) = 1463 FROM unit WHERE level = 'grid' AND code LIKE '120104%' AND valid_to IS NULL`,
		"every district is kept and valid": `SELECT count(*) = 15 FROM unit WHERE level = 'district' AND ST_IsValid(geom) AND NOT ST_IsEmpty(geom)`,
		"百合春天社区 exists":                    `SELECT EXISTS (SELECT 1 FROM unit WHERE code = '120110003021' AND name LIKE '百合春天%')`,
		"the enclave lies inside 东丽区, not in 河东区": `SELECT ST_Covers(d.geom, e.geom) AND NOT ST_Intersects(h.geom, e.geom)
			FROM enclave e, unit d, unit h WHERE e.code = 'E120110001' AND d.code = '120110' AND h.code = '120102'`,
		"the enclave is a few hectares": `SELECT ST_Area(geom::geography) BETWEEN 20000 AND 90000 FROM enclave`,
		"streets tile 南开区 (area within 0.01%)": `SELECT abs(sum(ST_Area(c.geom::geography)) / ST_Area(p.geom::geography) - 1) < 1e-4
			FROM unit p JOIN unit c ON c.parent_code = p.code WHERE p.code = '120104' GROUP BY p.geom`,
		"grids carry households and a worker": `SELECT bool_and((properties->>'households')::int BETWEEN 300 AND 500 AND properties ? 'grid_worker')
			FROM unit WHERE level = 'grid'`,
		"cases escalate in time with their other steps": `SELECT count(*) = 0 FROM report_event a JOIN report_event b
			ON b.report_id = a.report_id AND b.seq = a.seq + 1 WHERE b.at < a.at`,
		"some cases escalated": `SELECT count(*) > 0 FROM report_event WHERE action = 'escalate'`,
	}
	for name, sql := range checks {
		t.Run(name, func(t *testing.T) {
			var ok bool
			if err := db.Pool.QueryRow(ctx, sql).Scan(&ok); err != nil || !ok {
				t.Errorf("%s: ok=%v err=%v", name, ok, err)
			}
		})
	}
}
