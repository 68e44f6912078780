package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// enclaveSpec is one enclave of a test file: its attributes as an enclave
// list has them, and where it lies — a small box in the middle of a stored
// grid (shifted by dx degrees), or a literal polygon.
type enclaveSpec struct {
	attrs  map[string]any
	grid   string
	half   float64 // half-width of the box, degrees (default 0.0002, about 20 m)
	dx     float64
	wkt    string
	bowtie bool // a self-intersecting quadrilateral instead of the box
}

// enclaveFixture writes specs as a GeoJSON file, the boxes cut by PostGIS
// out of the stored grids so that each lies inside its grid.
func enclaveFixture(t *testing.T, db *postgres.DB, name string, specs []enclaveSpec) string {
	t.Helper()
	fc := testCollection{Type: "FeatureCollection"}
	for _, s := range specs {
		var g string
		half := s.half
		if half == 0 {
			half = 0.0002
		}
		var err error
		switch {
		case s.wkt != "":
			err = db.Pool.QueryRow(context.Background(), `SELECT ST_AsGeoJSON(ST_GeomFromText($1, 4326), 15)`, s.wkt).Scan(&g)
		case s.bowtie:
			err = db.Pool.QueryRow(context.Background(), `
				SELECT ST_AsGeoJSON(ST_MakePolygon(ST_MakeLine(ARRAY[ST_Translate(p, -d, -d), ST_Translate(p, d, d),
				         ST_Translate(p, d, -d), ST_Translate(p, -d, d), ST_Translate(p, -d, -d)])), 15)
				FROM (SELECT ST_PointOnSurface(geom) AS p, $2::float8 AS d FROM unit WHERE code = $1 AND valid_to IS NULL) x`, s.grid, half).Scan(&g)
		default:
			err = db.Pool.QueryRow(context.Background(), `
				SELECT ST_AsGeoJSON(ST_CollectionExtract(ST_Intersection(geom,
				         ST_Translate(ST_Expand(ST_PointOnSurface(geom), $2), $3, 0)), 3), 15)
				FROM unit WHERE code = $1 AND valid_to IS NULL`, s.grid, half, s.dx).Scan(&g)
		}
		if err != nil {
			t.Fatalf("fixture geometry in %s: %v", s.grid, err)
		}
		fc.Features = append(fc.Features, map[string]any{"type": "Feature", "properties": s.attrs, "geometry": json.RawMessage(g)})
	}
	return fc.write(t, name)
}

// gridsOf returns the first n current grids under a prefix, in code order.
func gridsOf(t *testing.T, db *postgres.DB, prefix string, n int) []string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT code FROM unit WHERE valid_to IS NULL AND level = 'grid'
		AND starts_with(code, $1) ORDER BY code LIMIT $2`, prefix, n)
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		codes = append(codes, c)
	}
	if len(codes) < n {
		t.Fatalf("only %d grids under %s", len(codes), prefix)
	}
	return codes
}

// pointInEnclave is a point inside the current version of an enclave.
func pointInEnclave(t *testing.T, db *postgres.DB, code string) orb.Point {
	t.Helper()
	var p orb.Point
	err := db.Pool.QueryRow(context.Background(), `SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))
		FROM enclave WHERE code = $1 AND valid_to IS NULL`, code).Scan(&p[0], &p[1])
	if err != nil {
		t.Fatalf("enclave %s: %v", code, err)
	}
	return p
}

// TestEnclaveShapefile imports an enclave list as GIS staff hand it over: a
// shapefile with GBK attributes under Chinese field names and no .cpg, in
// the CGCS2000 Gauss-Krüger zone of Tianjin (EPSG:4527), one managing unit
// given by name. The enclaves are created with their managing units,
// statuses, reasons and other attributes, and they win resolution — in the
// in-memory index and in PostGIS alike. The same file again changes
// nothing; without one of its enclaves, --retire-missing retires it (and
// only the enclaves managed under its scope).
func TestEnclaveShapefile(t *testing.T) {
	requireOGR(t)
	db := demotest.Open(t)
	ctx := context.Background()
	grids := gridsOf(t, db, "120104003", 3)
	specs := []enclaveSpec{
		{grid: grids[0], attrs: map[string]any{"飞地编码": "E120104101", "飞地名称": "铁路宿舍", "管理单位": "120104001001", "状态": "代管", "成因": "企业自建住房", "户数": 48}},
		{grid: grids[1], attrs: map[string]any{"飞地编码": "E120104102", "飞地名称": "老棉纺厂", "管理单位": "百合春天社区", "状态": "失管", "成因": "无人接管", "户数": 16}},
		{grid: grids[2], attrs: map[string]any{"飞地编码": "E120104103", "飞地名称": "东丽代管点", "管理单位": demo.DongliCode, "状态": "属地化", "成因": "区划调整", "户数": 0}},
	}
	src := enclaveFixture(t, db, "飞地.geojson", specs)
	dir := t.TempDir()
	shp := filepath.Join(dir, "飞地_4527.shp")
	ogr(t, "-f", "ESRI Shapefile", "-t_srs", "EPSG:4527", "-lco", "ENCODING=GBK", shp, src)
	os.Remove(strings.TrimSuffix(shp, ".shp") + ".cpg")

	o := opts()
	o.Level = geo.LevelEnclave
	rep := mustImport(t, db, o, shp)
	if !rep.Committed || rep.Errors != 0 || rep.Counts.Created != 3 {
		t.Fatalf("import: committed=%v %+v; issues %v", rep.Committed, rep.Counts, rep.Issues)
	}
	if !strings.HasPrefix(rep.CRS, "EPSG:4527") || rep.Encoding != "GB18030 (detected)" {
		t.Errorf("CRS %q, encoding %q; want EPSG:4527 and GB18030 detected", rep.CRS, rep.Encoding)
	}
	want := map[string]struct {
		name, managing string
		status         geo.EnclaveStatus
		reason         string
	}{
		"E120104101": {"铁路宿舍", "120104001001", geo.EnclaveCustodial, "企业自建住房"},
		"E120104102": {"老棉纺厂", demo.BaihechuntianCode, geo.EnclaveUnmanaged, "无人接管"},
		"E120104103": {"东丽代管点", demo.DongliCode, geo.EnclaveTransferred, "区划调整"},
	}
	svc := geo.NewService(db, db)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	for code, w := range want {
		t.Run(code, func(t *testing.T) {
			e, err := db.GetEnclave(ctx, code, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if e.Name != w.name || e.ManagingCode != w.managing || e.Status != w.status || e.Reason != w.reason {
				t.Errorf("stored %+v; want %+v", e, w)
			}
			if fmt.Sprint(e.Properties["户数"]) == "" || len(e.Properties) != 1 {
				t.Errorf("properties %v; want 户数 alone", e.Properties)
			}
			p := pointInEnclave(t, db, code)
			got, err := svc.Resolve(ctx, geo.ResolveQuery{Point: p})
			if err != nil {
				t.Fatal(err)
			}
			var inSQL geo.Resolution
			var raw []byte
			if err := db.Pool.QueryRow(ctx, `SELECT gridmap_resolve($1, $2)`, p[0], p[1]).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &inSQL); err != nil {
				t.Fatal(err)
			}
			for name, r := range map[string]geo.Resolution{"index": got, "PostGIS": inSQL} {
				if r.Status != geo.StatusEnclave || r.Enclave == nil || r.Enclave.Code != code || r.Responsible == nil || r.Responsible.Code != w.managing {
					t.Errorf("%s resolves %v to %s %+v %+v; want the enclave, answered by %s", name, p, r.Status, r.Enclave, r.Responsible, w.managing)
				}
			}
		})
	}

	again := mustImport(t, db, o, shp)
	if !again.Committed || again.Counts.Unchanged != 3 || again.Counts.Created+again.Counts.Changed != 0 {
		t.Errorf("the same file again: %+v; want 3 unchanged", again.Counts)
	}
	fewer := enclaveFixture(t, db, "fewer.geojson", specs[:2])
	o.RetireMissing, o.Scope = true, "120104"
	retired := mustImport(t, db, o, fewer)
	if !retired.Committed || retired.Counts.Retired != 0 || retired.Counts.Unchanged != 2 {
		t.Errorf("retiring under 120104: %+v; 120110 manages the third, so nothing is retired", retired.Counts)
	}
	o.Scope = demo.DongliCode
	retired = mustImport(t, db, o, fewer)
	if !retired.Committed || retired.Counts.Retired != 2 {
		t.Errorf("retiring under 东丽区: %+v; want the third and the demo's enclave retired", retired.Counts)
	}
	for _, code := range []string{"E120104103", demo.EnclaveCode} {
		if _, err := db.GetEnclave(ctx, code, time.Time{}); geo.ErrorCodeOf(err) != geo.ENOTFOUND {
			t.Errorf("%s is still current: %v", code, err)
		}
	}
}

// enclaveFingerprint hashes every enclave version.
func enclaveFingerprint(t *testing.T, db *postgres.DB) string {
	t.Helper()
	var h string
	err := db.Pool.QueryRow(context.Background(), `SELECT md5(coalesce(string_agg(code || version || coalesce(valid_to::text, '')
		|| md5(ST_AsBinary(geom)), ',' ORDER BY code, version), '')) FROM enclave`).Scan(&h)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestEnclaveReport puts one defect in each enclave of a file and finds
// each in the report, with its kind, severity and a location: unknown
// managing units (by code, by name, none), an enclave outside every
// district, one managed by a unit it lies in (no enclave at all),
// overlapping enclaves, invalid geometry (repaired), a status that is no
// status, a duplicate and a malformed code. The errors reject the file:
// nothing changes, not even the enclaves without a defect.
func TestEnclaveReport(t *testing.T) {
	db := demotest.Open(t)
	grids := gridsOf(t, db, "120104005", 4)
	ok := func(code string) map[string]any {
		return map[string]any{"code": code, "name": "飞地" + code, "managing_code": demo.BaihechuntianCode, "status": "代管"}
	}
	with := func(m map[string]any, k string, v any) map[string]any {
		m[k] = v
		return m
	}
	specs := []enclaveSpec{
		{grid: grids[0], attrs: ok("E1")},
		{grid: grids[0], dx: 0.0005, attrs: with(ok("E2"), "managing_code", "120199001001")},
		{grid: grids[0], dx: -0.0005, attrs: with(ok("E3"), "managing_code", "没有这个社区")},
		{wkt: "POLYGON((118.6 38.6, 118.61 38.6, 118.61 38.61, 118.6 38.61, 118.6 38.6))", attrs: ok("E4")},
		{grid: grids[1], attrs: with(ok("E5"), "managing_code", grids[1][:12])},
		{grid: grids[2], attrs: ok("E6")},
		{grid: grids[2], dx: 0.0002, attrs: ok("E7")},
		{grid: grids[3], bowtie: true, attrs: ok("E8")},
		{grid: grids[3], dx: 0.0006, attrs: with(ok("E9"), "status", "随便")},
		{grid: grids[3], dx: -0.0006, attrs: ok("E1")},
		{grid: grids[1], dx: 0.0006, attrs: ok("E 10")},
		{grid: grids[1], dx: -0.0006, attrs: with(ok("E11"), "managing_code", "")},
	}
	path := enclaveFixture(t, db, "飞地.geojson", specs)
	before := enclaveFingerprint(t, db)
	o := opts()
	o.Level = geo.LevelEnclave
	rep := mustImport(t, db, o, path)
	if rep.Committed || rep.Errors == 0 {
		t.Fatalf("a file with errors was committed: %+v", rep)
	}
	if enclaveFingerprint(t, db) != before {
		t.Error("a rejected file changed the enclaves")
	}
	cases := []struct {
		name, code string
		kind       geo.IssueKind
		severity   geo.Severity
		index      int
		message    string
	}{
		{"managing code that is no unit", "E2", geo.IssueUnknownManaging, geo.SeverityError, 1, "120199001001 is not a current unit"},
		{"managing name that is no unit's", "E3", geo.IssueUnknownManaging, geo.SeverityError, 2, "no current unit is named"},
		{"outside every district", "E4", geo.IssueOutsideDistricts, geo.SeverityError, 3, "outside every district"},
		{"managed by a unit it lies in", "E5", geo.IssueNotEnclave, geo.SeverityError, 4, "not an enclave"},
		{"overlapping enclaves", "E6", geo.IssueOverlap, geo.SeverityWarning, 5, "overlaps enclave E7"},
		{"invalid geometry, repaired", "E8", geo.IssueRepaired, geo.SeverityWarning, 7, "Self-intersection"},
		{"status that is no status", "E9", geo.IssueBadStatus, geo.SeverityError, 8, "随便"},
		{"duplicate code", "E1", geo.IssueDuplicateCode, geo.SeverityError, 9, "feature #0"},
		{"malformed code", "E 10", geo.IssueBadCode, geo.SeverityError, 10, "letters, digits"},
		{"no managing unit", "E11", geo.IssueUnknownManaging, geo.SeverityError, 11, "empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, is := range rep.Issues {
				if is.Index == c.index && is.Kind == c.kind {
					if is.Severity != c.severity || is.Code != c.code || !strings.Contains(is.Message, c.message) {
						t.Errorf("issue %s", is)
					}
					if c.kind != geo.IssueBadCode && c.kind != geo.IssueDuplicateCode && c.kind != geo.IssueBadStatus &&
						c.name != "no managing unit" && is.Location == nil {
						t.Errorf("issue %s has no location", is)
					}
					return
				}
			}
			t.Errorf("no %s issue for feature #%d; issues:\n%v", c.kind, c.index, rep.Issues)
		})
	}
	for _, is := range rep.Issues {
		if is.Index == 0 || is.Index == 6 && is.Kind != geo.IssueOverlap {
			t.Errorf("a clean enclave was reported: %s", is)
		}
	}
}

// TestEnclaveImportScope refuses, for an uploader limited to a scope,
// enclaves managed outside it.
func TestEnclaveImportScope(t *testing.T) {
	db := demotest.Open(t)
	grids := gridsOf(t, db, "120104005", 1)
	path := enclaveFixture(t, db, "e.geojson", []enclaveSpec{{grid: grids[0],
		attrs: map[string]any{"code": "E1", "name": "外区代管", "managing_code": demo.BaihechuntianCode}}})
	o := opts()
	o.Level, o.Within = geo.LevelEnclave, demo.NankaiCode
	rep := mustImport(t, db, o, path)
	bad := issuesOf(rep, geo.IssueBadCode)["E1"]
	if rep.Committed || len(bad) != 1 || !strings.Contains(bad[0].Message, "outside 120104") {
		t.Errorf("import by a token scoped to 南开区 of an enclave managed in 东丽区: %+v %v", rep.Counts, rep.Issues)
	}
}
