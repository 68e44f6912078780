package importer

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// gdalCommunity is the community whose grids the format tests carry: 15
// grids numbered 001–015, so each format can number its copies from its own
// offset without colliding.
const gdalCommunity = "120104001016"

// renumbered is the GeoJSON of the community's grids with their sequence
// numbers moved up by offset (so that each format's import creates its own
// grids), written to dir.
func renumbered(t *testing.T, fc *testCollection, offset int, dir string) string {
	t.Helper()
	out := testCollection{Type: fc.Type}
	for _, f := range fc.Features {
		p := map[string]any{}
		for k, v := range props(f) {
			p[k] = v
		}
		code := p["code"].(string)
		var seq int
		fmt.Sscanf(code[12:], "%d", &seq)
		p["code"] = fmt.Sprintf("%s%03d", code[:12], seq+offset)
		out.Features = append(out.Features, map[string]any{"type": "Feature", "properties": p, "geometry": f["geometry"]})
	}
	b, _ := json.Marshal(out)
	path := filepath.Join(dir, fmt.Sprintf("grids_%d.geojson", offset))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// drawing is the GeoJSON of a CAD drawing of the same grids: each polygon
// on layer "grid" with two text labels inside it, its code and its name,
// and a road line that encloses nothing.
func drawing(t *testing.T, db *postgres.DB, src string, dir string) string {
	t.Helper()
	fc := readCollection(t, src)
	out := testCollection{Type: "FeatureCollection"}
	for _, f := range fc.Features {
		g, _ := json.Marshal(f["geometry"])
		var at string
		if err := db.Pool.QueryRow(context.Background(), `SELECT ST_AsGeoJSON(ST_PointOnSurface(ST_GeomFromGeoJSON($1)), 15)`, string(g)).Scan(&at); err != nil {
			t.Fatal(err)
		}
		p := props(f)
		out.Features = append(out.Features, map[string]any{"type": "Feature", "properties": map[string]any{"Layer": "grid"}, "geometry": f["geometry"]})
		for _, text := range []any{p["code"], p["name"]} {
			out.Features = append(out.Features, map[string]any{"type": "Feature", "geometry": json.RawMessage(at),
				"properties": map[string]any{"Layer": "label", "OGR_STYLE": fmt.Sprintf(`LABEL(f:"SimSun",t:"%s")`, text)}})
		}
	}
	first := fc.Features[0]["geometry"].(map[string]any)
	out.Features = append(out.Features, map[string]any{"type": "Feature", "properties": map[string]any{"Layer": "road"},
		"geometry": map[string]any{"type": "LineString", "coordinates": firstTwo(first)}})
	b, _ := json.Marshal(out)
	path := filepath.Join(dir, "drawing.geojson")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// firstTwo is the first two positions of a polygon or multipolygon.
func firstTwo(g map[string]any) []any {
	c := g["coordinates"].([]any)
	if g["type"] == "MultiPolygon" {
		c = c[0].([]any)
	}
	ring := c[0].([]any)
	return ring[:2]
}

// TestFormatsThroughGDAL makes, with ogr2ogr, the files GIS staff send from
// other tools — KML, KMZ, a MapInfo TAB (Gauss-Krüger zone, GBK), a MapInfo
// MIF, a DXF drawing (zone 39, codes and names as text labels, a line that
// is no area), CSV with WKT, a zipped FileGDB — out of the GeoJSON of the
// same grids, imports each, and finds the same grids as the GeoJSON gives:
// the same count, names and areas (within 0.01%).
func TestFormatsThroughGDAL(t *testing.T) {
	requireOGR(t)
	db := demotest.Open(t)
	fc := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Grid, Under: gdalCommunity, Format: "geojson"}, "c.geojson"))
	if len(fc.Features) != 15 {
		t.Fatalf("%s has %d grids, want 15", gdalCommunity, len(fc.Features))
	}
	dir := t.TempDir()
	ref := renumbered(t, fc, 500, dir)
	if rep := mustImport(t, db, opts(), ref); !rep.Committed || rep.Counts.Created != 15 {
		t.Fatalf("GeoJSON: %+v %v", rep.Counts, rep.Issues)
	}
	cases := []struct {
		name   string
		offset int
		make   func(src string) []string // the files to import
		srs    string
		note   string // a file-level warning the report must carry
	}{
		{"KML", 550, func(src string) []string { return ogrTo(t, dir, "grids.kml", src, "-f", "KML") }, "", ""},
		{"KMZ", 600, func(src string) []string { return ogrTo(t, dir, "grids.kmz", src, "-f", "LIBKML") }, "", ""},
		{"MapInfo TAB in EPSG:4527, GBK", 650, func(src string) []string {
			// MapInfo stores integers over the table's bounds: the zone's
			// square of 1,000 km keeps a quarter of a millimetre.
			ogrTo(t, dir, "tab/grids.tab", src, "-f", "MapInfo File", "-t_srs", "EPSG:4527", "-lco", "ENCODING=CP936",
				"-lco", "BOUNDS=39000000,4000000,40000000,5000000")
			return parts(t, filepath.Join(dir, "tab"))
		}, "", ""},
		{"MapInfo MIF", 700, func(src string) []string {
			ogrTo(t, dir, "mif/grids.mif", src, "-f", "MapInfo File", "-lco", "ENCODING=CP936")
			return parts(t, filepath.Join(dir, "mif"))
		}, "", ""},
		{"DXF drawing in EPSG:4527", 750, func(src string) []string {
			return ogrTo(t, dir, "grids.dxf", drawing(t, db, src, dir), "-f", "DXF", "-t_srs", "EPSG:4527", "-s_srs", "EPSG:4326")
		}, "EPSG:4527", "1 lines, points and other entities"},
		{"CSV with WKT", 800, func(src string) []string {
			return ogrTo(t, dir, "grids.csv", src, "-f", "CSV", "-lco", "GEOMETRY=AS_WKT")
		}, "", ""},
		{"GML sent without its .xsd", 900, func(src string) []string {
			gml := ogrTo(t, filepath.Join(dir, "gml"), "grids.gml", src, "-f", "GML")
			os.Remove(filepath.Join(dir, "gml", "grids.xsd"))
			return gml
		}, "", ""},
		{"GML 2 without a schema", 950, func(src string) []string {
			return ogrTo(t, filepath.Join(dir, "wfs"), "grids.gml", src, "-f", "GML", "-dsco", "FORMAT=GML2", "-dsco", "XSISCHEMA=OFF")
		}, "", ""},
		{"zipped FileGDB", 850, func(src string) []string {
			ogrTo(t, dir, "gdb/网格.gdb", src, "-f", "OpenFileGDB", "-nlt", "MULTIPOLYGON")
			zipped := filepath.Join(dir, "网格.gdb.zip")
			zipTree(t, zipped, filepath.Join(dir, "gdb"))
			return []string{zipped}
		}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := c.make(renumbered(t, fc, c.offset, dir))
			o := opts()
			o.SRS = c.srs
			rep := mustImport(t, db, o, files...)
			if !rep.Committed || rep.Errors != 0 || rep.Counts.Features != 15 || rep.Counts.Created != 15 {
				t.Fatalf("import of %v: committed=%v %+v; issues %v", files, rep.Committed, rep.Counts, rep.Issues)
			}
			if !strings.Contains(rep.Format, "read by GDAL") {
				t.Errorf("format %q does not say GDAL read it", rep.Format)
			}
			if c.note != "" && !hasNote(rep, c.note) {
				t.Errorf("no warning %q in %v", c.note, rep.Issues)
			}
			compareGrids(t, db, 500, c.offset)
		})
	}
}

// ogrTo runs ogr2ogr from src into dir/name and returns that path.
func ogrTo(t *testing.T, dir, name, src string, args ...string) []string {
	t.Helper()
	dst := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	ogr(t, append(append(args, dst), src)...)
	return []string{dst}
}

// parts lists the files of a folder.
func parts(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, filepath.Join(dir, e.Name()))
	}
	return out
}

func hasNote(rep *geo.ImportReport, text string) bool {
	for _, is := range rep.Issues {
		if is.Index == -1 && strings.Contains(is.Message, text) {
			return true
		}
	}
	return false
}

// compareGrids checks that the grids numbered from offset match the ones
// numbered from ref: names equal, areas within 0.01%.
func compareGrids(t *testing.T, db *postgres.DB, ref, offset int) {
	t.Helper()
	areas := unitAreas(t, db)
	for seq := 1; seq <= 15; seq++ {
		w, ok := areas[fmt.Sprintf("%s%03d", gdalCommunity, seq+ref)]
		g, found := areas[fmt.Sprintf("%s%03d", gdalCommunity, seq+offset)]
		if !ok {
			t.Fatalf("reference grid %d missing", seq)
		}
		sameNameArea(t, fmt.Sprintf("grid %d", seq), g, found, w)
	}
}

// zipTree zips the files under root into dst, with their paths below root.
func zipTree(t *testing.T, dst, root string) {
	t.Helper()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil {
			_, err = w.Write(b)
		}
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestGDALFormatChecks tells files handed to GDAL by their content, before
// GDAL sees them: XML by its root element (not by a word in its first
// bytes), MapInfo tables that open other tables, a VRT anywhere in a file.
func TestGDALFormatChecks(t *testing.T) {
	decl := `<?xml version="1.0" encoding="GBK"?>` + "\n<!-- 导出 -->\n"
	var many string // a start tag longer than the 512 bytes once read
	for i := range 40 {
		many += fmt.Sprintf(` xmlns:a%d="http://example.com/a"`, i)
	}
	cases := []struct{ file, head, refused string }{
		{"a.kml", decl + `<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>`, ""},
		{"a.kml", `<kml:kml xmlns:kml="http://www.opengis.net/kml/2.2">`, ""},
		{"a.kml", `<!-- <kml> --><OGRVRTDataSource><OGRVRTLayer name="x">`, "root element is <OGRVRTDataSource>, not <kml>"},
		{"a.gml", decl + `<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/" xmlns:gml="http://www.opengis.net/gml/3.2">`, ""},
		{"a.gml", `<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:gml="http://www.opengis.net/gml/3.2">`, ""},
		{"a.gml", `<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml" name="区">`, ""},
		{"a.gml", decl + "<gml:FeatureCollection xmlns:gml=\"http://www.opengis.net/gml\" name=\"\xc7\xf8\">", ""}, // GBK 区
		{"a.gml", `<FeatureCollection` + many + ` xmlns="http://www.opengis.net/wfs">`, ""},
		{"a.gml", `<app:FeatureCollection xmlns:app="http://example.com/app">`, "not a feature collection in the GML or WFS namespace"},
		{"a.gml", `<!-- gml --><OGRVRTDataSource>`, "root element is <OGRVRTDataSource>"},
		{"a.gml", `<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1/x.dtd"><gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml">`, "document type"},
		{"a.gml", "\xff\xfe<\x00g\x00m\x00l\x00", "not XML"},
		{"a.gml", `<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml`, "does not come whole"},
		{"a.tab", "!table\n!version 300\nDefinition Table\n  Type NATIVE Charset \"WindowsSimpChinese\"\n", ""},
		{"a.tab", "!table\n!version 100\nOpen Table \"../../x\" Hide\nCreate View a As\nSelect * From x\n", "MapInfo view"},
		{"a.tab", "!table\n!version 300\nDefinition Table\nbegin_metadata\n\"\\IsSeamless\" = \"TRUE\"\n", "seamless"},
		{"a.dxf", "just some notes", "first bytes say otherwise"},
	}
	for _, c := range cases {
		t.Run(c.file+" "+clipText(c.head, 40), func(t *testing.T) {
			_, err := gdalFormatOf(c.file, []byte(c.head))
			switch {
			case c.refused == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.refused != "" && (geo.ErrorCodeOf(err) != geo.EINVALID || !strings.Contains(errMessage(err), c.refused)):
				t.Errorf("got %v; want a refusal saying %q", err, c.refused)
			}
		})
	}
	t.Run("a VRT anywhere in a file", func(t *testing.T) {
		for _, at := range []int{0, 64<<10 - 5, 200 << 10} {
			body := strings.Repeat("x", at) + "<OgrVrtDataSource>" + strings.Repeat("y", 10)
			if got, err := holdsVRT(strings.NewReader(body)); !got || err != nil {
				t.Errorf("a VRT at byte %d: %v %v", at, got, err)
			}
		}
		if got, _ := holdsVRT(strings.NewReader(strings.Repeat("<OGRVRTData", 1e4))); got {
			t.Error("found a VRT that is not there")
		}
	})
}

// TestGDALDriverAllowList checks what a run on each format may open: its
// own driver and GPKG (the conversion), nothing else that reads vectors.
func TestGDALDriverAllowList(t *testing.T) {
	requireOGR(t)
	bin, _ := exec.LookPath("ogr2ogr")
	for i := range gdalFormats {
		f := &gdalFormats[i]
		t.Run(f.Name, func(t *testing.T) {
			skip, err := gdalSkip(context.Background(), bin, f)
			if err != nil {
				t.Fatal(err)
			}
			skipped := map[string]bool{}
			for _, d := range strings.Split(skip, ",") {
				skipped[d] = true
			}
			for _, d := range []string{"OGR_VRT", "PostgreSQL", "SQLite", "GMLAS", "WFS", "HTTP", "CSV", "GML", "LIBKML", "KML"} {
				if !skipped[d] && d != f.driver {
					t.Errorf("%s is not skipped", d)
				}
			}
			if skipped[f.driver] || skipped["GPKG"] {
				t.Errorf("%s or GPKG skipped: %s", f.driver, skip)
			}
			// GDAL itself, given the list, offers only the two.
			safe, err := gdalSafeArgs(context.Background(), bin, t.TempDir(), f)
			if err != nil {
				t.Fatal(err)
			}
			var config []string // the --config triples, without -oo
			for i := 0; i+2 < len(safe); i++ {
				if safe[i] == "--config" {
					config = append(config, safe[i:i+3]...)
				}
			}
			cmd := exec.Command(bin, append(config, "--formats")...)
			cmd.Env = gdalEnviron()
			out, err := cmd.Output()
			var left []string
			for _, m := range gdalDriverLine.FindAllStringSubmatch(string(out), -1) {
				left = append(left, m[1])
			}
			if err != nil || len(left) != 2 || !slices.Contains(left, f.driver) || !slices.Contains(left, "GPKG") {
				t.Errorf("GDAL offers %v (%v)", left, err)
			}
		})
	}
}
