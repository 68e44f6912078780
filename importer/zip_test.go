package importer

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

func TestUnzipBound(t *testing.T) {
	cases := []struct {
		name     string
		zipBytes int64
		want     int64
	}{
		{"a small zip may fill the free bytes", 1 << 10, zipFreeBytes},
		{"a large one a hundred times its size", 10 << 20, maxZipRatio * (10 << 20)},
		{"never past the bound of all unpacking", 1 << 30, maxUnzipBytes},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := unzipBound(c.zipBytes); got != c.want {
				t.Errorf("unzipBound(%d) = %d, want %d", c.zipBytes, got, c.want)
			}
		})
	}
}

// TestRealZipsPassTheRatio unpacks a real zipped shapefile past the free
// bytes: only the ratio bounds it, and a boundary file is far within it.
func TestRealZipsPassTheRatio(t *testing.T) {
	old := zipFreeBytes
	zipFreeBytes = 1 << 10
	t.Cleanup(func() { zipFreeBytes = old })
	shp := districtShapefile(t)
	zipped := filepath.Join(t.TempDir(), "d.zip")
	var parts []string
	for _, ext := range []string{".shp", ".shx", ".dbf", ".prj"} {
		parts = append(parts, sibling(shp, ext))
	}
	zipFiles(t, zipped, parts...)
	names, err := unzip(zipped, t.TempDir(), nil)
	if err != nil || len(names) != 4 {
		t.Fatalf("unzip: %v %v", names, err)
	}
}

// TestZipsGDALReadsInPlaceAreBounded: a zipped FileGDB and a KMZ are read
// by GDAL in place, not unpacked, and are held to the same bound (an
// attacker's review: a 316 KB zip of a 301 MiB FileGDB was inflated whole).
func TestZipsGDALReadsInPlaceAreBounded(t *testing.T) {
	requireOGR(t)
	old := zipFreeBytes
	zipFreeBytes = 1 << 20
	t.Cleanup(func() { zipFreeBytes = old })
	spaces := strings.Repeat(" ", 16<<20)
	cases := []struct {
		name   string
		file   string
		bodies map[string]string
	}{
		{"a zipped FileGDB", "grids.zip", map[string]string{"网格.gdb/a00000009.gdbtable": spaces}},
		{"a KMZ", "grids.kmz", map[string]string{"doc.kml": "<kml>" + spaces + "</kml>"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), c.file)
			zipBodies(t, path, c.bodies)
			r, err := Open(context.Background(), []string{path}, OpenOptions{TempDir: t.TempDir()})
			if err == nil {
				r.Close()
			}
			if geo.ErrorCodeOf(err) != geo.ETOOLARGE || !strings.Contains(errMessage(err), "times its own") {
				t.Errorf("opened: %v, want too large past %d times its size", err, maxZipRatio)
			}
		})
	}
}

// TestZipNamesInGBK: a shapefile zipped on Chinese Windows (a folder
// inside, names in GBK without the zip's UTF-8 flag) imports, its names
// read as Chinese (a newcomer's walkthrough: the source name came through
// as bytes and broke the repair log's insert).
func TestZipNamesInGBK(t *testing.T) {
	shp := districtShapefile(t)
	zipped := filepath.Join(t.TempDir(), "windows.zip")
	out, err := os.Create(zipped)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	for _, ext := range []string{".shp", ".shx", ".dbf", ".prj"} {
		name, _ := simplifiedchinese.GBK.NewEncoder().String("长虹街道网格/区县" + ext)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, NonUTF8: true})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(sibling(shp, ext))
		w.Write(b)
	}
	zw.Close()
	out.Close()
	db := pgtest.Open(t)
	rep := mustImport(t, db, opts(), zipped)
	if !rep.Committed || rep.Source != "区县.shp" || rep.Layer != "区县" {
		t.Errorf("report %q %q committed %v: %v", rep.Source, rep.Layer, rep.Committed, rep.Issues)
	}
}
