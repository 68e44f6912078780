package importer

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// The four districts whose source polygons are invalid (demo/data/README.md).
var invalidDistricts = []string{"120114", "120115", "120117", "120118"}

// TestRoundTrip imports the real Tianjin districts as GIS staff would hand
// them over — GeoJSON; a shapefile in the CGCS2000 Gauss-Krüger zone of
// 114E (EPSG:4547) with GBK attributes and no .cpg; the same zipped; a
// GeoPackage — and checks that each gives the same units: codes, names
// decoded correctly, areas within 0.01%, the four invalid districts
// repaired and the overlapping neighbours reported.
func TestRoundTrip(t *testing.T) {
	requireOGR(t)
	dir := t.TempDir()
	src := districtsGeoJSON(t)
	shp := filepath.Join(dir, "districts_4547.shp")
	ogr(t, "-f", "ESRI Shapefile", "-t_srs", "EPSG:4547", "-lco", "ENCODING=GBK", shp, src)
	os.Remove(filepath.Join(dir, "districts_4547.cpg")) // as old tools leave it: no hint of GBK
	zipped := filepath.Join(dir, "districts.zip")
	var parts []string
	for _, ext := range []string{".shp", ".shx", ".dbf", ".prj"} {
		parts = append(parts, filepath.Join(dir, "districts_4547"+ext))
	}
	zipFiles(t, zipped, parts...)
	gpkg := filepath.Join(dir, "districts.gpkg")
	ogr(t, "-f", "GPKG", "-nln", "区县", gpkg, src)

	ref := pgtest.Open(t)
	refRep := mustImport(t, ref, opts(), src)
	checkDistrictReport(t, "GeoJSON", refRep, "UTF-8")
	want := unitAreas(t, ref)
	if len(want) != 15 {
		t.Fatalf("the GeoJSON import made %d units, want 15", len(want))
	}
	cases := []struct {
		name, path, encoding, crs string
	}{
		{"shapefile EPSG:4547 GBK without .cpg", shp, "GB18030 (detected)", "EPSG:4547"},
		{"zipped shapefile", zipped, "GB18030 (detected)", "EPSG:4547"},
		{"GeoPackage", gpkg, "UTF-8", "EPSG:4326"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := pgtest.Open(t)
			rep := mustImport(t, db, opts(), c.path)
			checkDistrictReport(t, c.name, rep, c.encoding)
			if len(rep.CRS) < len(c.crs) || rep.CRS[:len(c.crs)] != c.crs {
				t.Errorf("CRS %q, want %s…", rep.CRS, c.crs)
			}
			got := unitAreas(t, db)
			for code, w := range want {
				g, ok := got[code]
				sameNameArea(t, code, g, ok, w)
			}
			if len(got) != len(want) {
				t.Errorf("%d units, want %d", len(got), len(want))
			}
		})
	}
}

// checkDistrictReport checks what every import of the districts must say.
func checkDistrictReport(t *testing.T, name string, rep *geo.ImportReport, encoding string) {
	t.Helper()
	if !rep.Committed || rep.Errors != 0 || rep.Counts.Created != 15 {
		t.Fatalf("%s: committed=%v errors=%d created=%d; issues %v", name, rep.Committed, rep.Errors, rep.Counts.Created, rep.Issues)
	}
	if rep.Encoding != encoding {
		t.Errorf("%s: encoding %q, want %q", name, rep.Encoding, encoding)
	}
	var repaired []string
	for code, issues := range issuesOf(rep, geo.IssueRepaired) {
		if issues[0].Location == nil {
			t.Errorf("%s: repair of %s has no location", name, code)
		}
		repaired = append(repaired, code)
	}
	sort.Strings(repaired)
	if !slices.Equal(repaired, invalidDistricts) || rep.Counts.Repaired != 4 {
		t.Errorf("%s: repaired %v (count %d), want %v", name, repaired, rep.Counts.Repaired, invalidDistricts)
	}
	overlaps := issuesOf(rep, geo.IssueOverlap)
	// 河西区 (120103) and 东丽区 (120110) overlap by about 0.13 km² in the source.
	found := false
	for _, is := range overlaps["120103"] {
		found = found || is.Other == "120110" && is.AreaM2 > 1e5 && is.Location != nil
	}
	if len(overlaps) < 5 || !found {
		t.Errorf("%s: overlaps %v; want the neighbours, among them 120103/120110", name, overlaps)
	}
}
