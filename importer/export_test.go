package importer

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestExportForDesktopGIS writes the demo's grids in every format and
// checks that GDAL reads them (feature count, CRS, Chinese names) and that
// they import back without errors.
func TestExportForDesktopGIS(t *testing.T) {
	requireOGR(t)
	db := demotest.Open(t)
	var want int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM unit WHERE level = 'grid' AND valid_to IS NULL AND code LIKE '120104%'`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		o        ExportOptions
		file     string
		ogrWants []string
	}{
		{"GeoJSON", ExportOptions{Format: "geojson"}, "g.geojson", []string{"Geometry: Multi Polygon"}},
		{"GeoPackage", ExportOptions{Format: "gpkg"}, "g.gpkg", []string{"Geometry: Multi Polygon", "households: Integer"}},
		{"shapefile UTF-8", ExportOptions{Format: "shapefile"}, "g.shp", []string{"Geometry: Polygon"}},
		{"shapefile GBK in Gauss-Krüger zone 39", ExportOptions{Format: "shapefile", Encoding: "gbk", SRID: 4527}, "g39.shp", []string{"3-degree Gauss-Kruger zone 39", "Geometry: Polygon"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.o.Level, c.o.Under = geo.Grid, demo.NankaiCode
			path := exportFile(t, db, c.o, c.file)
			out, err := exec.Command("ogrinfo", "-so", "-al", path).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo: %v\n%s", err, out)
			}
			for _, w := range append(c.ogrWants, "Feature Count: "+itoa(want)) {
				if !strings.Contains(string(out), w) {
					t.Errorf("ogrinfo says\n%s\nwithout %q", out, w)
				}
			}
			names, _ := exec.Command("ogrinfo", "-al", "-q", "-geom=NO", "-where", "code = '"+demo.NankaiCode+"001001001'", path).CombinedOutput()
			if !strings.Contains(string(names), "网格") {
				t.Errorf("GDAL does not read the Chinese name back:\n%s", names)
			}
			o := opts()
			o.DryRun = true
			rep := mustImport(t, db, o, path)
			if rep.Errors != 0 || rep.Counts.Features != want {
				t.Errorf("re-import: %d errors, %d features: %v", rep.Errors, rep.Counts.Features, rep.Issues[:min(3, len(rep.Issues))])
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestExportAt writes the versions valid at a past time.
func TestExportAt(t *testing.T) {
	db := demotest.Open(t)
	before := time.Now()
	fc := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Format: "geojson"}, "g.geojson"))
	props(fc.Features[0])["name"] = "后来的名字"
	mustImport(t, db, opts(), fc.write(t, "renamed.geojson"))
	code := props(fc.Features[0])["code"].(string)
	for at, name := range map[time.Time]string{before: "", time.Time{}: "后来的名字"} {
		past := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Grid, Under: code, Format: "geojson", At: at}, "at.geojson"))
		got := props(past.Features[0])["name"].(string)
		if name != "" && got != name || name == "" && got == "后来的名字" {
			t.Errorf("export at %v: name %q", at, got)
		}
	}
}
