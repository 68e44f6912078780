package importer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// clashingProps are properties named like the columns the export files have
// themselves (the fields of a unit or an enclave, a GeoPackage's fid and
// geom, a dBase column's 10 bytes), like an escaped name (p_code), or like
// each other but for case; names SQLite or dBase treat specially (rowid,
// quotes, a newline, spaces at the ends, a character GBK lacks, a long
// Chinese name); and ordinary ones.
var clashingProps = map[string]any{
	"name": "改名了", "code": "120104001001099", "NAME": "大写的名字", "Code": "C-1",
	"parent_code": "120105001001", "parent": "120105001001", "level": "district",
	"p_code": "X2", "p_p_code": "X3", "P_Name": "p-name", "p_": "p-underscore", "": "empty key",
	"fid": 7, "geom": "POINT (1 2)", "abcdefghijK": "upper K", "abcdefghijk": "lower k",
	"grid_worke": "ten bytes", "grid_worker1": "twelve bytes, cut to the same ten", "grid_worker": "张三",
	"households": 418, "note": nil, "tags": []any{"a", map[string]any{"b": 1}}, "flag": true,
	"managing_code": "120110", "managing": "某单位", "status": "失管", "reason": "原因", "geometry": "g",
	"rowid": 1, "OID": 2, `quote"d`: 3, "new\nline": 4, " lead": 5, "trail ": 6, "😀": 7, "长长长长长长长长长长长长长长长长长长长长长长长长": 8,
}

// TestRoundTripPropertyNames gives units and an enclave properties whose
// names clash with the files' own columns and with each other, exports them
// in every format, clears the stored properties and imports the file: every
// unit must come back exactly (code, name, level, parent, each property key
// and value) with nothing created or retired, a second (dry-run) import must
// change nothing, and exporting again must give the same file contents.
func TestRoundTripPropertyNames(t *testing.T) {
	db := demotest.Open(t)
	grids := gridsOf(t, db, testStreet, 3)
	targets := []struct {
		export, table, code string // export: the file it is in
		props               map[string]any
	}{
		{"grids", "unit", grids[0], clashingProps},
		{"grids", "unit", grids[1], map[string]any{"code": "X1", "p_code": "X2", "CODE": "X3", "name": "", "Level": "grid"}},
		{"grids", "unit", grids[2], map[string]any{"households": 12, "grid_worker": "李四"}},
		{"district", "unit", demo.NankaiCode, map[string]any{"parent": "120104001", "pcode": "120104001", "parent_code": "120104001", "name": "别名", "户数": 7}},
		{"enclaves", "enclave", demo.EnclaveCode, clashingProps},
	}
	// setProps stores the properties of the targets; clear stores none in
	// those of the export named.
	setProps := func(t *testing.T, clear string) {
		t.Helper()
		for _, tg := range targets {
			p := tg.props
			if tg.export == clear {
				p = map[string]any{}
			}
			b, _ := json.Marshal(p)
			tag, err := db.Pool.Exec(context.Background(), `UPDATE `+tg.table+` SET properties = $1::jsonb
				WHERE code = $2 AND valid_to IS NULL`, string(b), tg.code)
			if err != nil || tag.RowsAffected() != 1 {
				t.Fatalf("set the properties of %s: %v (%d rows)", tg.code, err, tag.RowsAffected())
			}
		}
	}
	setProps(t, "")
	want := storedUnits(t, db)
	exports := []struct {
		what    string
		o       ExportOptions
		changed int // the targets in the file
	}{
		{"grids", ExportOptions{Level: geo.Grid, Under: testStreet}, 3},
		{"district", ExportOptions{Level: geo.District, Under: demo.NankaiCode}, 1},
		{"enclaves", ExportOptions{Level: geo.LevelEnclave}, 1},
	}
	formats := []struct {
		name, ext, encoding string
	}{
		{"GeoJSON", ".geojson", ""},
		{"shapefile UTF-8", ".shp", ""},
		{"shapefile GBK", ".shp", "gbk"},
		{"GeoPackage", ".gpkg", ""},
	}
	for _, f := range formats {
		for _, e := range exports {
			t.Run(f.name+" "+e.what, func(t *testing.T) {
				setProps(t, "") // as wanted, whatever an earlier case did
				o := e.o
				o.Encoding = f.encoding
				path := exportFile(t, db, o, e.what+f.ext)
				setProps(t, e.what)
				imp := opts()
				if e.o.Level == geo.LevelEnclave {
					imp.Level = geo.LevelEnclave
				}
				if e.o.Level == geo.Grid {
					dry := imp
					dry.DryRun, dry.RetireMissing, dry.Scope = true, true, testStreet
					rep := mustImport(t, db, dry, path)
					if c := rep.Counts; rep.Errors != 0 || c.Created != 0 || c.Retired != 0 || c.Changed != e.changed {
						t.Errorf("dry run with --retire-missing: %d errors, %+v, want %d changed; issues %v", rep.Errors, c, e.changed, first(rep.Issues, 5))
					}
				}
				rep := mustImport(t, db, imp, path)
				if c := rep.Counts; !rep.Committed || rep.Errors != 0 || c.Created != 0 || c.Retired != 0 || c.Changed != e.changed {
					t.Fatalf("import: committed %v, %d errors, %+v, want %d changed; issues %v", rep.Committed, rep.Errors, c, e.changed, first(rep.Issues, 5))
				}
				sameUnits(t, storedUnits(t, db), want)
				dry := imp
				dry.DryRun = true
				if rep := mustImport(t, db, dry, path); rep.Errors != 0 || rep.Counts.Changed != 0 || rep.Counts.Created != 0 {
					t.Errorf("re-import: %d errors, %+v, want 0 changed; issues %v", rep.Errors, rep.Counts, first(rep.Issues, 5))
				}
				again := exportFile(t, db, o, e.what+" again"+f.ext)
				if a, b := readExport(t, path), readExport(t, again); !reflect.DeepEqual(a, b) {
					t.Errorf("export → import → export reads differently:\n%v\n%v", a, b)
				}
			})
		}
	}
}

// storedUnit is a current unit or enclave as stored, its properties as
// jsonb writes them.
type storedUnit struct{ name, level, parent, extra, props string }

// storedUnits returns every current unit and enclave by code.
func storedUnits(t *testing.T, db *postgres.DB) map[string]storedUnit {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `
		SELECT code, name, level, coalesce(parent_code, ''), '', properties::text FROM unit WHERE valid_to IS NULL
		UNION ALL
		SELECT code, name, 'enclave', managing_code, status || '/' || coalesce(reason, ''), properties::text FROM enclave WHERE valid_to IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]storedUnit{}
	for rows.Next() {
		var code string
		var u storedUnit
		if err := rows.Scan(&code, &u.name, &u.level, &u.parent, &u.extra, &u.props); err != nil {
			t.Fatal(err)
		}
		out[code] = u
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameUnits reports every difference between two storedUnits.
func sameUnits(t *testing.T, got, want map[string]storedUnit) {
	t.Helper()
	var codes []string
	for c := range want {
		codes = append(codes, c)
	}
	for c := range got {
		if _, ok := want[c]; !ok {
			codes = append(codes, c)
		}
	}
	sort.Strings(codes)
	n := 0
	for _, c := range codes {
		g, gok := got[c]
		w, wok := want[c]
		if gok == wok && g == w {
			continue
		}
		if n++; n <= 5 {
			switch {
			case !gok:
				t.Errorf("%s is gone (was %+v)", c, w)
			case !wok:
				t.Errorf("%s is new: %+v", c, g)
			default:
				t.Errorf("%s is\n  %+v\nwant\n  %+v", c, g, w)
			}
		}
	}
	if n > 5 {
		t.Errorf("and %d more differences", n-5)
	}
}

// readExport reads a file as the importer does, every feature's attributes
// and properties (with the reading's own name for each) by feature.
func readExport(t *testing.T, path string) []string {
	t.Helper()
	r, err := Open(context.Background(), []string{path}, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	for {
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal([]any{f.Attrs, f.nested, f.Geom})
		out = append(out, strings.TrimSpace(string(b)))
	}
}

// TestEditedExportsKeepPropertyNames edits gridmap's exports as GIS staff
// would — in the GeoJSON a unit's name, the value of the property "code"
// (written as p_code) and a column added beside them; in the GeoPackage,
// with SQL, the property column p_name2 and the unit's own name — and wants
// each edit where it belongs: the unit's name renames it, an edited
// property changes under its own name, an added column becomes a property
// named as any file's column (户数 as households), and nothing else moves.
func TestEditedExportsKeepPropertyNames(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	grid := gridsOf(t, db, testStreet, 1)[0]
	b, _ := json.Marshal(map[string]any{"code": "C1", "name": "N1", "Code": "C2", "p_code": "P1"})
	if _, err := db.Pool.Exec(ctx, `UPDATE unit SET properties = $1::jsonb WHERE code = $2 AND valid_to IS NULL`, string(b), grid); err != nil {
		t.Fatal(err)
	}
	stored := func() (string, map[string]any) {
		t.Helper()
		var name string
		var p map[string]any
		if err := db.Pool.QueryRow(ctx, `SELECT name, properties FROM unit WHERE code = $1 AND valid_to IS NULL`, grid).Scan(&name, &p); err != nil {
			t.Fatal(err)
		}
		return name, p
	}

	t.Run("GeoJSON", func(t *testing.T) {
		path := exportFile(t, db, ExportOptions{Level: geo.Grid, Under: grid}, "g.geojson")
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var fc struct {
			Gridmap  json.RawMessage  `json:"gridmap"`
			Features []map[string]any `json:"features"`
		}
		if err := json.Unmarshal(raw, &fc); err != nil {
			t.Fatal(err)
		}
		p := props(fc.Features[0])
		if p["p_code"] != "C1" || p["p_p_code"] != "P1" || p["code"] != grid {
			t.Fatalf("the export writes %v", p)
		}
		p["name"], p["p_code"], p["户数"], p["新列"] = "新名字", "C1-edited", 12, "x"
		features, _ := json.Marshal(fc.Features)
		// The "gridmap" member stays before the features, as GDAL keeps it.
		out := `{"type":"FeatureCollection","gridmap":` + string(fc.Gridmap) + `,"features":` + string(features) + `}`
		edited := filepath.Join(t.TempDir(), "edited.geojson")
		if err := os.WriteFile(edited, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		rep := mustImport(t, db, opts(), edited)
		if c := rep.Counts; rep.Errors != 0 || c.Changed != 1 || c.Created != 0 {
			t.Fatalf("import: %d errors, %+v; %v", rep.Errors, c, first(rep.Issues, 5))
		}
		name, props := stored()
		want := map[string]any{"code": "C1-edited", "name": "N1", "Code": "C2", "p_code": "P1", "households": 12.0, "新列": "x"}
		if name != "新名字" || !reflect.DeepEqual(props, want) {
			t.Errorf("%s is %q with %v; want 新名字 with %v", grid, name, props, want)
		}
	})

	t.Run("GeoPackage", func(t *testing.T) {
		path := exportFile(t, db, ExportOptions{Level: geo.Grid, Under: grid}, "g.gpkg")
		lite, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		// The property name's column (p_name by the rule of propcolumns.go).
		var col string
		if err := lite.QueryRow(`SELECT column_name FROM gpkg_data_columns WHERE name = 'name'`).Scan(&col); err != nil {
			t.Fatal(err)
		}
		if _, err := lite.Exec(`UPDATE grid SET ` + sqliteIdent(col) + ` = 'N1-edited', name = '又一个名字'`); err != nil {
			t.Fatal(err)
		}
		lite.Close()
		rep := mustImport(t, db, opts(), path)
		if c := rep.Counts; rep.Errors != 0 || c.Changed != 1 || c.Created != 0 {
			t.Fatalf("import: %d errors, %+v; %v", rep.Errors, c, first(rep.Issues, 5))
		}
		name, props := stored()
		if name != "又一个名字" || props["name"] != "N1-edited" || props["code"] != "C1-edited" || len(props) != 6 {
			t.Errorf("%s is %q with %v", grid, name, props)
		}
	})
}

// TestFailedExportLeavesNothing makes a shapefile export fail part-way
// (its .dbf is there already): the .shp and .shx it had made are removed,
// and the file that was there is left as it was.
func TestFailedExportLeavesNothing(t *testing.T) {
	db := demotest.Open(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "g.dbf"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Export(context.Background(), db.Pool, ExportOptions{Level: geo.Grid, Under: testStreet}, filepath.Join(dir, "g.shp")); err == nil {
		t.Fatal("the export overwrote g.dbf")
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "g.dbf")); len(names) != 1 || string(b) != "mine" {
		t.Errorf("after the failed export the directory holds %v (g.dbf: %q)", names, b)
	}
}

// TestShapefileBeyondTheDBFLimits gives a grid more properties than a .dbf
// has columns for (its header counts its bytes in 16 bits): the export
// says so, leaves those out of the .dbf, and the sidecar still brings every
// one back.
func TestShapefileBeyondTheDBFLimits(t *testing.T) {
	db := demotest.Open(t)
	grid := gridsOf(t, db, testStreet, 1)[0]
	many := map[string]any{}
	for i := range dbfMaxFields + 50 {
		many[fmt.Sprintf("k%04d", i)] = i
	}
	b, _ := json.Marshal(many)
	if _, err := db.Pool.Exec(context.Background(), `UPDATE unit SET properties = $1::jsonb WHERE code = $2 AND valid_to IS NULL`, string(b), grid); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	path := exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Warn: func(s string) { warnings = append(warnings, s) }}, "many.shp")
	if len(warnings) != 1 || !strings.Contains(warnings[0], "properties have no column in it (k20") {
		t.Errorf("warnings %q", warnings)
	}
	dry := opts()
	dry.DryRun = true
	if rep := mustImport(t, db, dry, path); rep.Errors != 0 || rep.Counts.Changed != 0 || rep.Counts.Created != 0 {
		t.Errorf("re-import: %d errors, %+v; %v", rep.Errors, rep.Counts, first(rep.Issues, 5))
	}
}
