package api

import (
	"context"
	"encoding/csv"
	"math"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestGDALReadsOGCInCGCS2000 has GDAL's OAPIF driver read the grids in
// CGCS2000 (EPSG:4490) and in its Gauss-Krüger zone 39 (EPSG:4527), told
// the system with -s_srs, and take them back to WGS 84 with PROJ: every
// grid must come out where the database has it. GDAL 3.6 (Debian 12) has no
// CRS open option yet, so the crs parameter rides in the URL, and, since it
// reads coordinates longitude/easting first, SwapCoords undoes the
// registry's latitude/northing-first order that Part 2 prescribes (GDAL
// ≥ 3.7 does that itself with -oo CRS=EPSG:4527).
func TestGDALReadsOGCInCGCS2000(t *testing.T) {
	ensureGDAL(t)
	s := newEditServer(t, nil)
	want := map[string]float64{}
	rows, err := s.db.Pool.Query(context.Background(), `SELECT code, ST_Area(geom) FROM unit WHERE level = 'grid' AND valid_to IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var code string
		var area float64
		if err := rows.Scan(&code, &area); err != nil {
			t.Fatal(err)
		}
		want[code] = area
	}
	cases := []struct {
		srid string
		tol  float64 // relative area difference allowed after the round trip through PROJ
	}{
		{"4490", 1e-9},
		{"4527", 1e-6},
	}
	for _, c := range cases {
		t.Run("EPSG:"+c.srid, func(t *testing.T) {
			gpkg := filepath.Join(t.TempDir(), "grids.gpkg")
			src := "OAPIF:" + s.srv.URL + "/ogc?crs=" + url.QueryEscape(epsgURI+c.srid)
			gdal(t, "ogr2ogr", "-f", "GPKG", gpkg, src, "-oo", "PAGE_SIZE=1000", "-nln", "grids",
				"-dialect", "SQLite", "-sql", "SELECT code, SwapCoords(geometry) AS geometry FROM grids",
				"-s_srs", "EPSG:"+c.srid, "-t_srs", "EPSG:4326")
			if served := strings.Join(s.requests(), "\n"); !strings.Contains(served, "/items?") || !strings.Contains(served, "crs=") {
				t.Fatalf("GDAL did not ask for the items with crs:\n%s", served)
			}
			out := gdal(t, "ogr2ogr", "-f", "CSV", "/vsistdout/", gpkg, "-dialect", "OGRSQL",
				"-sql", "SELECT code, OGR_GEOM_AREA AS area FROM grids")
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(recs) != len(want)+1 {
				t.Fatalf("%d rows read back for %d grids: %v", len(recs)-1, len(want), err)
			}
			for _, r := range recs[1:] {
				got, _ := strconv.ParseFloat(r[1], 64)
				if w, ok := want[r[0]]; !ok || math.Abs(got-w) > c.tol*w {
					t.Errorf("grid %s: area %g after EPSG:%s, %g in the database", r[0], got, c.srid, w)
				}
			}
		})
	}
}
