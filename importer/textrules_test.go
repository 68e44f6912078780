package importer

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// The text an import stores obeys the API's rules (geo.ValidateName with
// MaxUnitName for names, geo.ValidateText with MaxEnclaveReason for an
// enclave's reason): a name the API refuses — a control character, a NUL,
// more than 200 characters — used to be imported, and the unit could not be
// saved again through the API (a NUL failed the whole import with the
// database's message instead). An escaped lone UTF-16 surrogate in a
// GeoJSON string was stored as U+FFFD. Each is now an error of its feature,
// with its index and code, naming the field.

// rawFeature is a GeoJSON feature with the properties given as JSON text
// (escapes as written), a small square at x.
func rawFeature(props string, x float64) string {
	return fmt.Sprintf(`{"type":"Feature","properties":{%s},"geometry":{"type":"Polygon","coordinates":[[[%g,39],[%g,39],[%g,39.05],[%g,39.05],[%g,39]]]}}`,
		props, x, x+0.05, x+0.05, x, x)
}

// rawCollection writes the features as a FeatureCollection.
func rawCollection(t *testing.T, feats ...string) string {
	t.Helper()
	return write(t, "units.geojson", []byte(`{"type":"FeatureCollection","features":[`+strings.Join(feats, ",")+`]}`))
}

// oneError checks that rep holds exactly one error, of feature idx with
// code, of kind, whose message has every want.
func oneError(t *testing.T, rep *geo.ImportReport, idx int, code string, kind geo.IssueKind, want ...string) {
	t.Helper()
	var errs []geo.ImportIssue
	for _, is := range rep.Issues {
		if is.Severity == geo.SeverityError {
			errs = append(errs, is)
		}
	}
	if len(errs) != 1 || rep.Errors != 1 {
		t.Fatalf("%d errors (%d counted), want 1: %v", len(errs), rep.Errors, errs)
	}
	is := errs[0]
	if is.Index != idx || is.Code != code || is.Kind != kind {
		t.Errorf("error #%d %q %s, want #%d %q %s: %s", is.Index, is.Code, is.Kind, idx, code, kind, is.Message)
	}
	for _, w := range want {
		if !strings.Contains(is.Message, w) {
			t.Errorf("message %q lacks %q", is.Message, w)
		}
	}
}

// unitCount is the number of unit versions stored.
func unitCount(t *testing.T, db *postgres.DB) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM unit`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const surrogateWords = "lone UTF-16 surrogate"

func TestImportRefusesTextTheAPIRefuses(t *testing.T) {
	long := strings.Repeat("长", geo.MaxUnitName)
	cases := []struct {
		name   string
		props  string   // of feature #1 (JSON text; #0 is a clean district)
		code   string   // of its error; "" : it imports
		want   []string // in the error's message
		stored string   // the name stored when it imports
		o      func(*geo.ImportOptions)
	}{
		{"200 characters and a BEL", `"code":"120102","name":"` + long + `\u0007"`, "120102", []string{"name (name)", "control characters"}, "", nil},
		{"201 characters", `"code":"120102","name":"` + long + `长"`, "120102", []string{"name (name)", "201 characters; the limit is 200"}, "", nil},
		{"a NUL", `"code":"120102","name":"a\u0000b"`, "120102", []string{"name (name)", "control characters"}, "", nil},
		{"a tab inside", `"code":"120102","name":"河东\t区"`, "120102", []string{"name (name)", "control characters"}, "", nil},
		{"a lone high surrogate", `"code":"120102","name":"河东\ud800区"`, "120102", []string{"attribute name", surrogateWords}, "", nil},
		{"a lone low surrogate", `"code":"120102","name":"\udc00河东区"`, "120102", []string{"attribute name", surrogateWords}, "", nil},
		{"a high surrogate before another escape", `"code":"120102","name":"河东\ud800\u0041"`, "120102", []string{"attribute name", surrogateWords}, "", nil},
		{"a high surrogate before a pair", `"code":"120102","name":"\ud800\ud83d\ude00"`, "120102", []string{"attribute name", surrogateWords}, "", nil},
		{"a lone surrogate in the code", `"code":"120102\ud800","name":"河东区"`, "120102\ufffd", []string{"attribute code", surrogateWords}, "", nil},
		{"a lone surrogate in the parent", `"code":"120102","name":"河东区","parent_code":"\ud800"`, "120102", []string{"attribute parent_code", surrogateWords}, "", nil},
		{"a lone surrogate in a property", `"code":"120102","name":"河东区","备注":"x\udbff"`, "120102", []string{"attribute 备注", surrogateWords}, "", nil},
		{"a lone surrogate in a property's name", `"code":"120102","name":"河东区","备\ud800注":"x"`, "120102", []string{"the name of attribute 备\ufffd注", surrogateWords}, "", nil},
		{"a lone surrogate deep in a property", `"code":"120102","name":"河东区","extra":{"a":["\ud800"]}`, "120102", []string{"attribute extra", surrogateWords}, "", nil},
		{"a NUL in a parent's name, not kept", `"code":"120101001","name":"劝业场街道","上级名称":"和平\u0000区"`, "120101001",
			[]string{"parent's name (上级名称)", "control characters"}, "", func(o *geo.ImportOptions) { o.Fields.Props = []string{"none"} }},
		{"200 characters", `"code":"120102","name":"` + long + `"`, "", nil, long, nil},
		{"a surrogate pair", `"code":"120102","name":"河东\ud83d\ude00"`, "", nil, "河东😀", nil},
		{"an escaped backslash before u", `"code":"120102","name":"河东\\ud800"`, "", nil, `河东\ud800`, nil},
		{"surrounding spaces", `"code":"120102","name":"  河东区 "`, "", nil, "河东区", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := pgtest.Open(t)
			file := rawCollection(t, rawFeature(`"code":"120101","name":"和平区"`, 117), rawFeature(c.props, 117.1))
			o := opts()
			if c.o != nil {
				c.o(&o)
			}
			rep, err := Run(context.Background(), db.Pool, []string{file}, o, 0, nil)
			if err != nil {
				t.Fatalf("the import failed as a whole: %v", err)
			}
			if c.code == "" {
				if !rep.Committed || rep.Errors != 0 {
					t.Fatalf("committed %v, issues %v", rep.Committed, rep.Issues)
				}
				if got := unitName(t, db, "120102"); got != c.stored {
					t.Errorf("stored name %q, want %q", got, c.stored)
				}
				return
			}
			oneError(t, rep, 1, c.code, geo.IssueUnreadable, c.want...)
			if rep.Committed || unitCount(t, db) != 0 {
				t.Errorf("committed %v with %d units stored", rep.Committed, unitCount(t, db))
			}
		})
	}
}

// TestEnclaveTextRules: an enclave's name follows the unit rules, its
// reason geo.ValidateText with MaxEnclaveReason (line breaks and tabs
// allowed), and a managing unit with a control character is no unit's code
// or name: each a feature error before anything is staged.
func TestEnclaveTextRules(t *testing.T) {
	long := strings.Repeat("长", geo.MaxUnitName)
	reason := strings.Repeat("因", geo.MaxEnclaveReason)
	cases := []struct {
		name  string
		props string
		kind  geo.IssueKind // "" : it maps
		want  []string
	}{
		{"a BEL in the name", `"name":"铁路\u0007宿舍"`, geo.IssueUnreadable, []string{"name (name)", "control characters"}},
		{"a NUL in the name", `"name":"铁路\u0000宿舍"`, geo.IssueUnreadable, []string{"name (name)", "control characters"}},
		{"201 characters of name", `"name":"` + long + `长"`, geo.IssueUnreadable, []string{"name (name)", "201 characters; the limit is 200"}},
		{"a lone surrogate in the name", `"name":"铁路\ud800"`, geo.IssueUnreadable, []string{"attribute name", surrogateWords}},
		{"2001 characters of reason", `"name":"铁路宿舍","reason":"` + reason + `因"`, geo.IssueUnreadable, []string{"reason (reason)", "2001 characters; the limit is 2000"}},
		{"a NUL in the reason", `"name":"铁路宿舍","reason":"企业\u0000自建"`, geo.IssueUnreadable, []string{"reason (reason)", "control characters"}},
		{"a NUL in the managing unit", `"name":"铁路宿舍","managing":"120101\u0000"`, geo.IssueUnknownManaging, []string{"managing unit (managing)", "control characters"}},
		{"200 characters of name", `"name":"` + long + `"`, "", nil},
		{"2000 characters of reason, lines and tabs", `"name":"铁路宿舍","reason":"` + reason[:len(reason)-6] + `\n\t"`, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			props := `"code":"E1"` + "," + c.props
			if !strings.Contains(props, `"managing"`) {
				props += `,"managing":"120101"`
			}
			o := opts()
			o.Level = geo.LevelEnclave
			out, rep := mapFile(t, rawCollection(t, rawFeature(props, 117)), o)
			if c.kind == "" {
				if _, ok := out["E1"]; !ok || rep.Errors != 0 {
					t.Fatalf("not mapped: %v", rep.Issues)
				}
				return
			}
			oneError(t, rep, 0, "E1", c.kind, c.want...)
		})
	}
}

// TestNULInNameEveryFormat: a NUL (or, where the format cannot carry one,
// another control character) in a unit's name is an error of its feature
// in every format, never the database's "invalid byte sequence" for the
// whole import; so is a NUL in an enclave's name.
func TestNULInNameEveryFormat(t *testing.T) {
	db := pgtest.Open(t)
	plain := func(name string) string {
		return rawCollection(t, rawFeature(`"code":"120101","name":"和平区"`, 117), rawFeature(`"code":"120102","name":"`+name+`"`, 117.1))
	}
	cases := []struct {
		name  string
		paths func(t *testing.T) []string
		o     func(*geo.ImportOptions)
		code  string
	}{
		{"GeoJSON", func(t *testing.T) []string { return []string{plain(`光明\u0000路`)} }, nil, "120102"},
		{"shapefile", func(t *testing.T) []string {
			return []string{testShapefile(t, []testField{{"CODE", 'C', 20, 0}, {"NAME", 'C', 60, 0}, {"NOTE", 'C', 40, 0}},
				[]string{"120101", "和平区", "x"}, []string{"120102", "光明\x00路", "x"})}
		}, nil, "120102"},
		{"zipped shapefile", func(t *testing.T) []string {
			shp := testShapefile(t, []testField{{"CODE", 'C', 20, 0}, {"NAME", 'C', 60, 0}},
				[]string{"120101", "和平区"}, []string{"120102", "光明\x00路"})
			zip := filepath.Join(t.TempDir(), "网格.zip")
			zipFiles(t, zip, shp, sibling(shp, ".shx"), sibling(shp, ".dbf"), sibling(shp, ".cpg"))
			return []string{zip}
		}, nil, "120102"},
		{"GeoPackage", func(t *testing.T) []string {
			requireOGR(t)
			gpkg := filepath.Join(t.TempDir(), "units.gpkg")
			ogr(t, "-f", "GPKG", "-lco", "SPATIAL_INDEX=NO", gpkg, plain("光明X路")) // no R-tree triggers that need SpatiaLite
			setInGeoPackage(t, gpkg, `UPDATE units SET name = '光明' || char(0) || '路' WHERE name = '光明X路'`)
			return []string{gpkg}
		}, nil, "120102"},
		{"CSV through GDAL (a BEL: a NUL is no text)", func(t *testing.T) []string {
			csv := "WKT,code,name\n" +
				`"POLYGON ((117 39,117.05 39,117.05 39.05,117 39.05,117 39))",120101,和平区` + "\n" +
				"\"POLYGON ((117.1 39,117.15 39,117.15 39.05,117.1 39.05,117.1 39))\",120102,光明\a路\n"
			return []string{write(t, "units.csv", []byte(csv))}
		}, nil, "120102"},
		{"enclave GeoJSON", func(t *testing.T) []string {
			return []string{rawCollection(t, rawFeature(`"code":"E1","name":"铁路宿舍","managing":"120101"`, 117),
				rawFeature(`"code":"E2","name":"铁路\u0000宿舍","managing":"120101"`, 117.1))}
		}, func(o *geo.ImportOptions) { o.Level = geo.LevelEnclave }, "E2"},
		{"enclave shapefile", func(t *testing.T) []string {
			return []string{testShapefile(t, []testField{{"CODE", 'C', 20, 0}, {"NAME", 'C', 60, 0}, {"MANAGING", 'C', 20, 0}},
				[]string{"E1", "铁路宿舍", "120101"}, []string{"E2", "铁路\x00宿舍", "120101"})}
		}, func(o *geo.ImportOptions) { o.Level = geo.LevelEnclave }, "E2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := opts()
			o.DryRun = true
			if c.o != nil {
				c.o(&o)
			}
			if strings.Contains(c.name, "GeoPackage") || strings.Contains(c.name, "GDAL") {
				requireOGR(t)
			}
			rep, err := Run(context.Background(), db.Pool, c.paths(t), o, 0, nil)
			if err != nil {
				t.Fatalf("the import failed as a whole: %v", err)
			}
			var found *geo.ImportIssue
			for i, is := range rep.Issues {
				if is.Severity == geo.SeverityError && strings.Contains(is.Message, "control characters") {
					found = &rep.Issues[i]
				}
			}
			if found == nil || found.Index != 1 || found.Code != c.code || found.Kind != geo.IssueUnreadable ||
				!strings.Contains(found.Message, "name (") {
				t.Errorf("no name error of #1 %s among %v", c.code, rep.Issues)
			}
		})
	}
}

// setInGeoPackage runs one statement on a GeoPackage.
func setInGeoPackage(t *testing.T, path, stmt string) {
	t.Helper()
	d, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if res, err := d.Exec(stmt); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s changed %d rows", stmt, n)
	}
}
