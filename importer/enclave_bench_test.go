package importer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

// benchEnclavesSQL draws $1 enclaves of about 20 m × 20 m in the demo's
// grids, each in the middle of a grid (shifted 30 m east per round when
// there are fewer grids than enclaves, so none overlap), managed by the
// other district: an enclave list as a district hands it over, with
// Chinese field names.
const benchEnclavesSQL = `
WITH g AS (SELECT code, geom, row_number() OVER (ORDER BY code) - 1 AS i, count(*) OVER () AS n
           FROM unit WHERE valid_to IS NULL AND level = 'grid'),
     k AS (SELECT generate_series(0, $1 - 1) AS k)
SELECT json_build_object('type', 'Feature',
         'properties', json_build_object('飞地编码', 'EB' || lpad(k::text, 5, '0'), '飞地名称', '飞地' || k,
           '管理单位', CASE WHEN starts_with(g.code, '120104') THEN $2 ELSE '120104' END, '状态', '代管'),
         'geometry', ST_AsGeoJSON(ST_CollectionExtract(ST_Intersection(g.geom,
           ST_Translate(ST_Expand(ST_PointOnSurface(g.geom), 0.0001), 0.0003 * (k / g.n), 0)), 3), 15)::json)
FROM k JOIN g ON g.i = k.k % g.n ORDER BY k`

// BenchmarkEnclaveImport imports 1,000 enclaves from a GeoJSON file into
// the demo city, as `gridmap import --level enclave` does: read, map the
// fields, find the managing units, check them (inside a district, not in
// their managing unit's chain, no overlaps, valid) and write 1,000 versions
// in one transaction. Between rounds the enclaves are deleted (untimed).
// Reports the time per enclave.
func BenchmarkEnclaveImport(b *testing.B) {
	const n = 1000
	db := demotest.Open(b)
	ctx := context.Background()
	rows, err := db.Pool.Query(ctx, benchEnclavesSQL, n, demo.DongliCode)
	if err != nil {
		b.Fatal(err)
	}
	fc := map[string]any{"type": "FeatureCollection"}
	var features []json.RawMessage
	for rows.Next() {
		var f json.RawMessage
		if err := rows.Scan(&f); err != nil {
			b.Fatal(err)
		}
		features = append(features, f)
	}
	if rows.Err() != nil || len(features) != n {
		b.Fatalf("%d enclaves drawn: %v", len(features), rows.Err())
	}
	fc["features"] = features
	data, _ := json.Marshal(fc)
	path := filepath.Join(b.TempDir(), "飞地.geojson")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	o := geo.ImportOptions{Actor: "bench", Level: geo.LevelEnclave}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := db.Pool.Exec(ctx, `DELETE FROM enclave WHERE starts_with(code, 'EB')`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := Run(ctx, db.Pool, []string{path}, o, 0, nil)
		if err != nil || !rep.Committed || rep.Counts.Created != n {
			b.Fatalf("import: %v committed=%v %+v %v", err, rep != nil && rep.Committed, rep.Counts, firstIssues(rep))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*n), "ms/enclave")
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "enclaves/s")
}

// firstIssues is the start of a report's issues, for a failure message.
func firstIssues(rep *geo.ImportReport) []geo.ImportIssue {
	if rep == nil {
		return nil
	}
	return rep.Issues[:min(5, len(rep.Issues))]
}
