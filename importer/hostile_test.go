package importer

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// districtShapefile makes the districts as a shapefile in EPSG:4547 and
// returns the path of its .shp.
func districtShapefile(t *testing.T) string {
	t.Helper()
	requireOGR(t)
	shp := filepath.Join(t.TempDir(), "d.shp")
	ogr(t, "-f", "ESRI Shapefile", "-t_srs", "EPSG:4547", "-lco", "ENCODING=GBK", shp, districtsGeoJSON(t))
	return shp
}

func sibling(shp, ext string) string { return strings.TrimSuffix(shp, ".shp") + ext }

// TestHostileFiles feeds broken and malicious files to the importer: each
// must get a clear error (or per-feature errors), change nothing, and
// neither crash nor hang.
func TestHostileFiles(t *testing.T) {
	db := pgtest.Open(t)
	before := fingerprint(t, db)
	cases := []struct {
		name  string
		make  func(t *testing.T) string
		code  geo.ErrorCode // of the returned error; "" when the report must carry errors instead
		msg   string        // in the error, or in the report's first error
		issue geo.IssueKind
	}{
		{"truncated .shp", truncatedSHP, geo.EINVALID, "truncated", ""},
		{".dbf with fewer records than the .shp", shortDBF, geo.EINVALID, "fewer records", ""},
		{"wrong .prj", func(t *testing.T) string {
			shp := districtShapefile(t)
			os.WriteFile(sibling(shp, ".prj"), []byte(`PROJCS["nonsense",GEOGCS["x"],PROJECTION["No_Such_Projection"]]`), 0o644)
			return shp
		}, geo.EINVALID, "PROJ", ""},
		{"4326 label on projected coordinates", func(t *testing.T) string {
			shp := districtShapefile(t)
			os.WriteFile(sibling(shp, ".prj"), []byte(`GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`), 0o644)
			return shp
		}, "", "Gauss-Kruger", geo.IssueOutOfRange},
		{"GBK names in a GeoJSON", gbkGeoJSON, "", "not valid UTF-8", geo.IssueUnreadable},
		{"record claiming 1 GB", hugeRecordSHP, geo.EINVALID, "claims", ""},
		{"dbf claiming 4 billion records", hugeDBF, geo.ETOOLARGE, "records", ""},
		{"zip bomb", zipBomb, geo.ETOOLARGE, "expands to more than", ""},
		{"zip bomb within the upload space", zipBombByRatio, geo.ETOOLARGE, "times its own", ""},
		{"zip with a path escaping its folder", zipSlip, "", "", geo.IssueMissingField},
		{"SQLite file that is no GeoPackage", plainSQLite, geo.EINVALID, "not a GeoPackage", ""},
		{"GeoPackage layer that is a view", gpkgView, geo.EINVALID, "only tables", ""},
		{"garbage after the SQLite header", corruptSQLite, geo.EINVALID, "GeoPackage", ""},
		{"empty file", func(t *testing.T) string { return write(t, "e.geojson", nil) }, geo.EINVALID, "empty", ""},
		{"no features", func(t *testing.T) string {
			return write(t, "n.geojson", []byte(`{"type":"FeatureCollection","features":[]}`))
		}, geo.EINVALID, "no features", ""},
		{"JSON that is not GeoJSON", func(t *testing.T) string { return write(t, "x.geojson", []byte(`{"type":"Topology"}`)) }, geo.EINVALID, "Topology", ""},
		{"truncated GeoJSON", func(t *testing.T) string {
			return write(t, "t.geojson", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"120101"`))
		}, geo.EINVALID, "ends too early", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := Run(context.Background(), db.Pool, []string{c.make(t)}, opts(), 0, nil)
			switch {
			case c.code != "":
				if geo.ErrorCodeOf(err) != c.code || !strings.Contains(errMessage(err), c.msg) {
					t.Fatalf("error %v (%s), want %s containing %q", err, geo.ErrorCodeOf(err), c.code, c.msg)
				}
			case err != nil:
				t.Fatalf("error %v, want a report with errors", err)
			default:
				is := issuesOf(rep, c.issue)
				if rep.Committed || rep.Errors == 0 || len(is) == 0 {
					t.Fatalf("report %+v, want %s errors", rep, c.issue)
				}
				for _, list := range is {
					if !strings.Contains(list[0].Message, c.msg) {
						t.Errorf("message %q lacks %q", list[0].Message, c.msg)
					}
				}
			}
			if fingerprint(t, db) != before {
				t.Error("the database changed")
			}
		})
	}
}

func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func truncatedSHP(t *testing.T) string {
	shp := districtShapefile(t)
	st, _ := os.Stat(shp)
	os.Truncate(shp, st.Size()/2)
	return shp
}

func shortDBF(t *testing.T) string {
	shp := districtShapefile(t)
	dbf := sibling(shp, ".dbf")
	b, _ := os.ReadFile(dbf)
	hdr, rec := int(binary.LittleEndian.Uint16(b[8:])), int(binary.LittleEndian.Uint16(b[10:]))
	binary.LittleEndian.PutUint32(b[4:], 10)
	os.WriteFile(dbf, b[:hdr+10*rec], 0o644)
	return shp
}

func hugeRecordSHP(t *testing.T) string {
	b := make([]byte, 100+8+44)
	binary.BigEndian.PutUint32(b[0:], 9994)
	binary.BigEndian.PutUint32(b[24:], uint32(len(b)/2))
	binary.LittleEndian.PutUint32(b[28:], 1000)
	binary.LittleEndian.PutUint32(b[32:], 5)
	binary.BigEndian.PutUint32(b[100:], 1)
	binary.BigEndian.PutUint32(b[104:], 1<<29) // 1 GiB in 16-bit words
	return write(t, "huge.shp", b)
}

func hugeDBF(t *testing.T) string {
	shp := districtShapefile(t)
	dbf := sibling(shp, ".dbf")
	b, _ := os.ReadFile(dbf)
	binary.LittleEndian.PutUint32(b[4:], 0xfffffff0)
	os.WriteFile(dbf, b, 0o644)
	return shp
}

func gbkGeoJSON(t *testing.T) string {
	name, _ := simplifiedchinese.GBK.NewEncoder().String("和平区")
	return write(t, "gbk.geojson", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"120101","name":"`+
		name+`"},"geometry":{"type":"Polygon","coordinates":[[[117.18,39.10],[117.22,39.10],[117.22,39.13],[117.18,39.10]]]}}]}`))
}

func zipBomb(t *testing.T) string {
	old := maxUnzipBytes
	maxUnzipBytes = 1 << 20
	t.Cleanup(func() { maxUnzipBytes = old })
	return spacesZip(t, 8<<20)
}

// zipBombByRatio expands a thousand times its size, past the free bytes
// but far within the bound of all unpacking.
func zipBombByRatio(t *testing.T) string {
	old := zipFreeBytes
	zipFreeBytes = 1 << 20
	t.Cleanup(func() { zipFreeBytes = old })
	return spacesZip(t, 16<<20)
}

// spacesZip is a zip of a GeoJSON file of n spaces: about a thousand
// times smaller than what it expands to.
func spacesZip(t *testing.T, n int) string {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("bomb.geojson")
	w.Write(bytes.Repeat([]byte{' '}, n))
	zw.Close()
	return write(t, "bomb.zip", buf.Bytes())
}

func zipSlip(t *testing.T) string {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("../../../tmp/evil.geojson")
	w.Write([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null}]}`))
	zw.Close()
	p := write(t, "slip.zip", buf.Bytes())
	t.Cleanup(func() {
		if _, err := os.Stat("/tmp/evil.geojson"); err == nil {
			t.Error("the zip wrote outside its folder")
		}
	})
	return p
}

func sqliteFile(t *testing.T, stmts ...string) string {
	p := filepath.Join(t.TempDir(), "x.gpkg")
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(s, err)
		}
	}
	return p
}

func plainSQLite(t *testing.T) string {
	return sqliteFile(t, `CREATE TABLE t (x INTEGER)`)
}

func gpkgView(t *testing.T) string {
	return sqliteFile(t,
		`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT, organization_coordsys_id INTEGER, definition TEXT, description TEXT)`,
		`CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT, srs_id INTEGER, z TINYINT, m TINYINT)`,
		`INSERT INTO gpkg_geometry_columns VALUES ('v', 'geom', 'POLYGON', 4326, 0, 0)`,
		// A view could run any query, such as an endless recursive one.
		`CREATE VIEW v AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT i AS geom FROM r`)
}

func corruptSQLite(t *testing.T) string {
	p := gpkgViewless(t)
	b, _ := os.ReadFile(p)
	for i := 100; i < len(b); i += 7 {
		b[i] ^= 0x5a
	}
	return write(t, "corrupt.gpkg", b)
}

func gpkgViewless(t *testing.T) string {
	requireOGR(t)
	p := filepath.Join(t.TempDir(), "d.gpkg")
	ogr(t, "-f", "GPKG", p, districtsGeoJSON(t))
	return p
}

// TestGeoJSONBounds streams endless hostile GeoJSON into the reader: each
// must stop with a clear error after reading a bounded number of bytes.
func TestGeoJSONBounds(t *testing.T) {
	cases := []struct {
		name   string
		prefix string
		repeat string
		code   geo.ErrorCode
		msg    string
		limit  int64
	}{
		{"billion-laughs nesting", `{"type":"FeatureCollection","features":[`, "[", geo.EINVALID, "nested deeper", 1 << 20},
		{"a 1 GB string", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"`, "a", geo.ETOOLARGE, "larger than", MaxFeatureBytes + 1<<20},
		{"a 1 GB member before the features", `{"type":"FeatureCollection","name":"`, "x", geo.ETOOLARGE, "larger than", MaxFeatureBytes + 1<<20},
		{"endless coordinates", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[`, "[117.1,39.1],", geo.ETOOLARGE, "larger than", MaxFeatureBytes + 1<<20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := &endless{prefix: c.prefix, repeat: c.repeat}
			r, err := newGeoJSONReader(src, 1<<30, "endless.geojson", "")
			for err == nil {
				_, err = r.Next()
			}
			if geo.ErrorCodeOf(err) != c.code || !strings.Contains(errMessage(err), c.msg) {
				t.Fatalf("error %v, want %s with %q", err, c.code, c.msg)
			}
			if src.n > c.limit {
				t.Errorf("read %d bytes before giving up, want at most %d", src.n, c.limit)
			}
		})
	}
}

// endless is a reader of a prefix followed by repeat forever: a file as
// large as anyone claims.
type endless struct {
	prefix, repeat string
	n              int64
}

func (e *endless) Read(p []byte) (int, error) {
	i := 0
	for i < len(p) {
		s := e.repeat
		if e.n < int64(len(e.prefix)) {
			s = e.prefix[e.n:]
		} else {
			s = s[(e.n-int64(len(e.prefix)))%int64(len(s)):]
		}
		k := copy(p[i:], s)
		i += k
		e.n += int64(k)
	}
	return i, nil
}

var _ io.Reader = (*endless)(nil)

// TestUnreadableFileIsInTheReport: a job whose file cannot be read at all
// lists why as an error of the whole file; its report said "errors": 0
// beside no issues, which the console showed as "no problems found" under
// the refusal (a newcomer).
func TestUnreadableFileIsInTheReport(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	jobs := &Jobs{Pool: db.Pool, Base: ctx}
	o := opts()
	o.DryRun = true
	id, err := jobs.Create(ctx, "t.geojson", o, geo.JobRunning)
	if err != nil {
		t.Fatal(err)
	}
	file := write(t, "t.geojson", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"120101"`))
	if _, err := jobs.RunJob(ctx, id, []string{file}, o, nil); geo.ErrorCodeOf(err) != geo.EINVALID {
		t.Fatalf("run: %v, want the file refused", err)
	}
	job, err := jobs.Job(ctx, id)
	if err != nil || job.Status != geo.JobRejected || job.Report == nil {
		t.Fatalf("job %+v: %v", job, err)
	}
	is := job.Report.Issues
	if job.Report.Errors != 1 || len(is) != 1 || is[0].Index != -1 || is[0].Kind != geo.IssueUnreadable ||
		!strings.Contains(is[0].Message, "ends too early") {
		t.Errorf("report: %d errors, issues %+v", job.Report.Errors, is)
	}
}
