package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The proof that QGIS and GDAL can read gridmap: GDAL's own OGC API –
// Features client (the OAPIF driver of Debian's gdal-bin, which QGIS shares)
// lists the collections, counts them and copies one out.

// ensureGDAL makes sure ogrinfo and ogr2ogr are there; make test installs
// them (scripts/gdal.sh).
func ensureGDAL(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ogrinfo", "ogr2ogr"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s (GDAL) is required for the OGC API tests: run scripts/gdal.sh (as root on Debian/Ubuntu) "+
				"or install GDAL ≥ 3.1", tool)
		}
	}
}

// gdal runs a GDAL tool and returns its standard output.
func gdal(t *testing.T, tool string, args ...string) string {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=60", "CPL_DEBUG=OFF")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

func TestGDALReadsOGC(t *testing.T) {
	ensureGDAL(t)
	s := newEditServer(t, nil)
	ctx := context.Background()
	src := "OAPIF:" + s.srv.URL + "/ogc"

	t.Run("ogrinfo lists and counts every collection", func(t *testing.T) {
		want := map[string]int{}
		rows, err := s.db.Pool.Query(ctx, `SELECT CASE level WHEN 'district' THEN 'districts' WHEN 'street' THEN 'streets'
			WHEN 'community' THEN 'communities' WHEN 'grid' THEN 'grids' END, count(*)
			FROM unit WHERE valid_to IS NULL AND level <> 'microgrid' GROUP BY level
			UNION ALL SELECT 'enclaves', count(*) FROM enclave WHERE valid_to IS NULL
			UNION ALL SELECT 'gaps', count(*) FROM gap
			UNION ALL SELECT 'reports', count(*) FROM report`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				t.Fatal(err)
			}
			want[id] = n
		}
		out := gdal(t, "ogrinfo", "-ro", "-so", "-al", src)
		got := map[string]int{}
		var layer string
		for _, line := range strings.Split(out, "\n") {
			if v, ok := strings.CutPrefix(line, "Layer name: "); ok {
				layer = strings.TrimSpace(v)
			}
			if v, ok := strings.CutPrefix(line, "Feature Count: "); ok {
				got[layer], _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		if len(got) != len(ogcCollections) {
			t.Errorf("ogrinfo lists %v, want the %d collections", got, len(ogcCollections))
		}
		for id, n := range want {
			if got[id] != n {
				t.Errorf("%s: ogrinfo counts %d, the database has %d", id, got[id], n)
			}
		}
	})

	t.Run("ogr2ogr copies the grids of 南开区 to a GeoPackage", func(t *testing.T) {
		gpkg := filepath.Join(t.TempDir(), "nankai.gpkg")
		gdal(t, "ogr2ogr", "-f", "GPKG", gpkg, src, "grids", "-where", "district_code = '120104'", "-oo", "PAGE_SIZE=500")
		served := strings.Join(s.requests(), "\n")
		if !strings.Contains(served, "district_code=120104") {
			t.Errorf("GDAL filtered on the client, not with the district_code parameter:\n%s", served)
		}
		if !strings.Contains(served, "cursor=") {
			t.Errorf("GDAL did not follow the next links:\n%s", served)
		}
		// The areas as GDAL reads them back from the GeoPackage (planar, in
		// degrees², like PostGIS's ST_Area of a geometry in 4326).
		out := gdal(t, "ogr2ogr", "-f", "CSV", "/vsistdout/", gpkg, "-dialect", "OGRSQL",
			"-sql", "SELECT code, OGR_GEOM_AREA AS area FROM grids")
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("CSV of the GeoPackage: %v\n%.500s", err, out)
		}
		copied := map[string]float64{}
		for _, r := range recs[1:] {
			copied[r[0]], _ = strconv.ParseFloat(r[1], 64)
		}
		rows, err := s.db.Pool.Query(ctx, `SELECT code, ST_Area(geom) FROM unit
			WHERE level = 'grid' AND valid_to IS NULL AND left(code, 6) = '120104'`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var code string
			var area float64
			if err := rows.Scan(&code, &area); err != nil {
				t.Fatal(err)
			}
			n++
			got, ok := copied[code]
			if !ok {
				t.Errorf("grid %s was not copied", code)
			} else if math.Abs(got-area) > 1e-9*area {
				t.Errorf("grid %s: area %g in the GeoPackage, %g in the database", code, got, area)
			}
		}
		if n == 0 || len(copied) != n {
			t.Errorf("copied %d grids, the database has %d in 南开区", len(copied), n)
		}
	})
}
