package importer

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// TestGDALWithoutGDAL names the package to install when a file needs GDAL
// and ogr2ogr is not there.
func TestGDALWithoutGDAL(t *testing.T) {
	kml := write(t, "网格.kml", []byte(`<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>`))
	t.Setenv("PATH", t.TempDir()) // no ogr2ogr on it
	_, err := Open(context.Background(), []string{kml}, OpenOptions{})
	if geo.ErrorCodeOf(err) != geo.EUNSUPPORTED || !strings.Contains(errMessage(err), "gdal-bin") || !strings.Contains(errMessage(err), "网格.kml") {
		t.Fatalf("without ogr2ogr: %v; want unsupported, naming the file and gdal-bin", err)
	}
}

// TestGDALRefusals hands hostile or broken files to the GDAL path: each is
// refused with a clear message that names the file and no server path or
// GDAL source file, or read without reaching the network, quickly.
func TestGDALRefusals(t *testing.T) {
	requireOGR(t)
	cases := []struct {
		name, file string
		body       string
		code       geo.ErrorCode // "" when the file opens (and has nothing to import)
		message    string
	}{
		{"a VRT named .kml (would read /etc/passwd)", "x.kml",
			`<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>`,
			geo.EINVALID, "x.kml is not a KML file"},
		{"a text file named .dxf", "y.dxf", "just some notes", geo.EINVALID, "y.dxf is not a DXF file"},
		{"a broken drawing", "broken.dxf", "0\nSECTION\n2\nENTITIES\n0\nLWPOLYLINE\n10\nabc\n", geo.EINVALID, "GDAL cannot read broken.dxf"},
		{"a KML whose only content is a remote link", "remote.kml",
			`<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><NetworkLink><Link><href>http://192.0.2.1/x.kml</href></Link></NetworkLink></Document></kml>`,
			"", ""},
		{"an unknown extension", "z.xyz", "whatever", geo.EINVALID, "nor a format read through GDAL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, c.file)
			if err := os.WriteFile(path, []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r, err := Open(context.Background(), []string{path}, OpenOptions{})
			if time.Since(start) > 30*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
			if c.code == "" {
				if err == nil {
					_, err = r.Next()
					r.Close()
				}
				if err != nil && err != io.EOF && geo.ErrorCodeOf(err) != geo.EINVALID {
					t.Errorf("got %v", err)
				}
				return
			}
			msg := errMessage(err)
			if geo.ErrorCodeOf(err) != c.code || !strings.Contains(msg, c.message) {
				t.Errorf("got %v (%s); want %s containing %q", err, geo.ErrorCodeOf(err), c.code, c.message)
			}
			if strings.Contains(msg, dir) || strings.Contains(msg, os.TempDir()+"/") || strings.Contains(msg, ".cpp") {
				t.Errorf("the message shows a path or GDAL's source: %s", msg)
			}
		})
	}
}
