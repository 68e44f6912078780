package importer

import "testing"

func TestExportFormatFor(t *testing.T) {
	cases := []struct {
		path, format, want string
		ok                 bool
	}{
		{"网格.gpkg", "", "gpkg", true},
		{"网格.GPKG", "", "gpkg", true},
		{"dir/网格.shp", "", "shapefile", true},
		{"网格.geojson", "", "geojson", true},
		{"网格.json", "", "geojson", true},
		{"网格.txt", "", "", false},
		{"网格", "", "", false},
		{"网格.txt", "geojson", "geojson", true},
		{"网格", "shp", "shapefile", true},
		{"网格.gpkg", "GeoPackage", "gpkg", true},
		{"网格.gpkg", "geojson", "", false},
		{"网格.shp", "gpkg", "", false},
		{"网格.gpkg", "kml", "", false},
	}
	for _, c := range cases {
		t.Run(c.path+" "+c.format, func(t *testing.T) {
			got, err := ExportFormatFor(c.path, c.format)
			if (err == nil) != c.ok || got != c.want {
				t.Errorf("%q, %v; want %q (ok=%v)", got, err, c.want, c.ok)
			}
		})
	}
}
