package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
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

// hostileEnv is what GDAL could reach from a hostile upload: a PostgreSQL
// table a VRT's SQL would write to, files outside the upload holding
// secrets, and an HTTP server counting what is fetched from it.
type hostileEnv struct {
	pg        string // a GDAL "PG:" connection string of a scratch database
	countRows func() int
	secretCSV string // a local file a VRT could read
	secretGML string // a local GML an xlink could pull in
	secretKML string // a local KML a network link could pull in
	url       string // the counting server
	hits      *atomic.Int64
	closed    string // an address where nothing listens
}

const secret = "TOP-SECRET-4711"

func newHostileEnv(t *testing.T) *hostileEnv {
	t.Helper()
	url := pgtest.NewDatabase(t)
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	if _, err := conn.Exec(ctx, `CREATE TABLE gdal_canary (n int)`); err != nil {
		t.Fatal(err)
	}
	h := &hostileEnv{
		pg: fmt.Sprintf("PG:host=%s port=%d dbname=%s user=%s password=%s", cfg.Host, cfg.Port, cfg.Database, cfg.User, cfg.Password),
		countRows: func() int {
			var n int
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM gdal_canary`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		},
		hits: new(atomic.Int64),
	}
	outside := t.TempDir()
	h.secretCSV = filepath.Join(outside, "districts.csv")
	h.secretGML = filepath.Join(outside, "names.gml")
	h.secretKML = filepath.Join(outside, "grids.kml")
	os.WriteFile(h.secretKML, []byte(`<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>`+secret+
		`</name><Polygon><outerBoundaryIs><LinearRing><coordinates>117.1,39.1 117.11,39.1 117.11,39.11 117.1,39.1</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>`), 0o644)
	os.WriteFile(h.secretCSV, []byte("code,name,wkt\n120199,"+secret+",\"POLYGON((117.1 39.1,117.11 39.1,117.11 39.11,117.1 39.1))\"\n"), 0o644)
	os.WriteFile(h.secretGML, []byte(`<?xml version="1.0"?><gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml" xmlns:app="http://example.com/app">`+
		`<gml:featureMember><app:secret gml:id="s1"><app:text>`+secret+`</app:text></app:secret></gml:featureMember></gml:FeatureCollection>`), 0o644)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.hits.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.closed = l.Addr().String()
	l.Close()
	return h
}

// vrt is an OGR VRT data source running sql on src, or without sql reading
// src's areas from its wkt column; extra goes before it (a comment that
// passed the old sniffing).
func vrt(extra, src, sql string) string {
	s := extra + `<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>` + src + `</SrcDataSource>`
	if sql != "" {
		s += `<SrcSQL>` + sql + `</SrcSQL>`
	} else {
		s += `<SrcLayer>districts</SrcLayer><GeometryField encoding="WKT" field="wkt"/>`
	}
	return s + `</OGRVRTLayer></OGRVRTDataSource>`
}

// gmlGrid is a GML of one grid; root attrs and the name element vary.
func gmlGrid(rootAttrs, name string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs" xmlns:gml="http://www.opengis.net/gml" xmlns:app="http://example.com/app" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` + rootAttrs + `>
<gml:featureMember><app:grids gml:id="g1"><app:geom><gml:Polygon srsName="EPSG:4326"><gml:outerBoundaryIs><gml:LinearRing><gml:coordinates>117.1,39.1 117.11,39.1 117.11,39.11 117.1,39.1</gml:coordinates></gml:LinearRing></gml:outerBoundaryIs></gml:Polygon></app:geom>
<app:code>120104001016901</app:code>` + name + `</app:grids></gml:featureMember></wfs:FeatureCollection>`
}

// kmlLinks is a KML whose only content is network links to hrefs.
func kmlLinks(hrefs ...string) string {
	s := `<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>`
	for _, h := range hrefs {
		s += `<NetworkLink><Link><href>` + h + `</href></Link></NetworkLink>`
	}
	return s + `</Document></kml>`
}

// TestGDALStaysInsideUpload hands GDAL uploads that try to make it read or
// write outside themselves: a VRT disguised as GML, KML or CSV (running SQL
// in PostgreSQL, or reading a local file), GML that fetches its schema or
// resolves xlinks, KML and KMZ network links. Each is refused, or imported
// without GDAL touching the database, the secret files or the network.
// The environment tempts GDAL as a server's might: loopback is exempt from
// any proxy and GML xlinks are to be resolved.
func TestGDALStaysInsideUpload(t *testing.T) {
	requireOGR(t)
	h := newHostileEnv(t)
	t.Setenv("no_proxy", "127.0.0.1,localhost")
	t.Setenv("NO_PROXY", "127.0.0.1,localhost")
	t.Setenv("GML_SKIP_RESOLVE_ELEMS", "NONE")
	describe := h.url + "/wfs?SERVICE=WFS&amp;REQUEST=DescribeFeatureType&amp;TYPENAME=app:grids"
	cases := []struct {
		name, file, body string
		refused          string // what the refusal says; "" when the file may be read
	}{
		{"VRT as .gml writing to PostgreSQL", "x.gml", vrt("<!-- gml -->", h.pg, "INSERT INTO gdal_canary VALUES (1) RETURNING n"), "OGRVRTDataSource"},
		{"VRT as .kml writing to PostgreSQL", "x.kml", vrt("<!-- <kml> -->", h.pg, "INSERT INTO gdal_canary VALUES (2) RETURNING n"), "OGRVRTDataSource"},
		{"VRT as .csv writing to PostgreSQL", "x.csv", vrt("", h.pg, "INSERT INTO gdal_canary VALUES (3) RETURNING n"), "OGRVRTDataSource"},
		{"VRT as .gml reading a local file", "x.gml", vrt("<!-- gml -->", h.secretCSV, ""), "OGRVRTDataSource"},
		{"VRT in lower case inside a GML collection", "x.gml",
			`<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml">` + strings.ToLower(vrt("", h.secretCSV, "")) + `</gml:FeatureCollection>`, "OGRVRTDataSource"},
		{"GML with a document type", "x.gml", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file://` + h.secretCSV + `">]>` + gmlGrid("", "<app:name>&s;</app:name>")[len(`<?xml version="1.0" encoding="utf-8"?>`):], "document type"},
		{"XML that only mentions gml", "x.gml", `<html><body>gml</body></html>`, "root element is <html>"},
		{"GML fetching its WFS schema", "s.gml", gmlGrid(`xsi:schemaLocation="http://example.com/app `+describe+`"`, "<app:name>a</app:name>"), ""},
		{"GML whose schema is at a closed port", "c.gml", gmlGrid(`xsi:schemaLocation="http://example.com/app http://`+h.closed+`/wfs?SERVICE=WFS&amp;REQUEST=DescribeFeatureType&amp;TYPENAME=app:grids"`, "<app:name>a</app:name>"), ""},
		{"GML with an xlink to a local file", "l.gml", gmlGrid("", `<app:name xlink:href="`+h.secretGML+`#s1"/>`), ""},
		{"KML network links", "n.kml", kmlLinks(h.url+"/remote.kml", h.secretKML, "file://"+h.secretKML, "/vsicurl/"+h.url+"/vsi.kml"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := write(t, c.file, []byte(c.body))
			hits, rows := h.hits.Load(), h.countRows()
			start := time.Now()
			attrs, err := readAll(path)
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("took %s", d)
			}
			if c.refused != "" {
				var ge *geo.Error
				if !errors.As(err, &ge) || ge.Code != geo.EINVALID || ge.Field != "file" || !strings.Contains(ge.Message, c.refused) {
					t.Errorf("got %v; want an invalid file refused with %q", err, c.refused)
				}
			} else if err != nil && geo.ErrorCodeOf(err) != geo.EINVALID {
				t.Errorf("got %v", err)
			}
			if strings.Contains(attrs+messageOf(err), secret) {
				t.Errorf("the secret came out: %s %v", attrs, err)
			}
			if n := h.countRows() - rows; n != 0 {
				t.Errorf("GDAL wrote %d rows into PostgreSQL", n)
			}
			if n := h.hits.Load() - hits; n != 0 {
				t.Errorf("GDAL made %d HTTP requests", n)
			}
			if others := siblings(t, path); len(others) > 0 {
				t.Errorf("GDAL wrote %v beside the upload", others)
			}
		})
	}
	// Past the screening (as a VRT GDAL might find by some other road), the
	// driver allow-list alone keeps the VRT driver from opening the file.
	t.Run("the allow-list alone stops a VRT", func(t *testing.T) {
		bin, _ := exec.LookPath("ogr2ogr")
		for _, file := range []string{"x.csv", "x.gml", "x.kml"} {
			src := write(t, file, []byte(vrt("", h.pg, "INSERT INTO gdal_canary VALUES (5) RETURNING n")))
			f, _ := gdalFormatNamed(filepath.Ext(file))
			rows := h.countRows()
			r, err := convertAndOpen(context.Background(), bin, src, file, t.TempDir(), f, OpenOptions{})
			if err == nil {
				r.Close()
			}
			if h.countRows() != rows {
				t.Errorf("%s: GDAL wrote into PostgreSQL (%v)", file, err)
			}
		}
	})
	t.Run("KMZ network links", func(t *testing.T) {
		kmz := filepath.Join(t.TempDir(), "n.kmz")
		zipBodies(t, kmz, map[string]string{"doc.kml": kmlLinks(h.url+"/remote.kml", h.secretKML, "../../"+h.secretKML, "layers/missing.kml")})
		hits := h.hits.Load()
		attrs, err := readAll(kmz)
		if err != nil && geo.ErrorCodeOf(err) != geo.EINVALID || strings.Contains(attrs, secret) || h.hits.Load() != hits {
			t.Errorf("got %v, %s, %d requests", err, attrs, h.hits.Load()-hits)
		}
	})
	t.Run("VRT inside a KMZ", func(t *testing.T) {
		kmz := filepath.Join(t.TempDir(), "v.kmz")
		zipBodies(t, kmz, map[string]string{"doc.kml": vrt("<!-- <kml> -->", h.pg, "INSERT INTO gdal_canary VALUES (4) RETURNING n")})
		rows := h.countRows()
		if _, err := readAll(kmz); geo.ErrorCodeOf(err) != geo.EINVALID || !strings.Contains(messageOf(err), "OGRVRTDataSource") || h.countRows() != rows {
			t.Errorf("got %v, %d rows written", err, h.countRows()-rows)
		}
	})
}

// readAll opens a file and reads every feature, returning their attributes
// as text.
func readAll(path string) (string, error) {
	r, err := Open(context.Background(), []string{path}, OpenOptions{TempDir: filepath.Dir(path)})
	if err != nil {
		return "", err
	}
	defer r.Close()
	var b strings.Builder
	for {
		f, err := r.Next()
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return b.String(), err
		}
		fmt.Fprint(&b, f.Attrs, " ")
	}
}

// messageOf is errMessage, or "" without an error.
func messageOf(err error) string {
	if err == nil {
		return ""
	}
	return errMessage(err)
}

// siblings lists what lies beside path in its folder: what GDAL left there
// (a .gfs, a .resolved.gml) or a conversion folder that was not removed.
func siblings(t *testing.T, path string) []string {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Name() != filepath.Base(path) {
			out = append(out, e.Name())
		}
	}
	return out
}
