package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// TestDemoCityRoundTrip exports the whole demo city (every level) in every
// format, under relative paths with the format taken from the extension,
// and imports each file back with --dry-run: a round trip must change
// nothing (0 created, 0 changed). Shapefiles cut attribute names to 10
// bytes; their .gridmap.json sidecar brings the properties back exactly.
func TestDemoCityRoundTrip(t *testing.T) {
	db := demotest.Open(t)
	t.Chdir(t.TempDir())
	ctx := context.Background()
	var units int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM unit WHERE valid_to IS NULL`).Scan(&units); err != nil {
		t.Fatal(err)
	}
	before := fingerprint(t, db)
	cases := []struct {
		name string
		opts ExportOptions
	}{
		{"南开 网格.geojson", ExportOptions{}},
		{"网格.shp", ExportOptions{}},
		{"网格 GBK 4527.shp", ExportOptions{Encoding: "gbk", SRID: 4527}},
		{"南开 网格#1.gpkg", ExportOptions{}},
		{"网格 4527.gpkg", ExportOptions{SRID: 4527}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := Export(ctx, db.Pool, c.opts, c.name)
			if err != nil || n != units {
				t.Fatalf("export: %d of %d units, %v", n, units, err)
			}
			o := opts()
			o.DryRun = true
			rep := mustImport(t, db, o, c.name)
			if cnt := rep.Counts; rep.Errors != 0 || cnt.Created != 0 || cnt.Changed != 0 || cnt.Unchanged != units {
				t.Errorf("re-import: %d errors, %+v; want all %d unchanged; first issues %v", rep.Errors, cnt, units, first(rep.Issues, 5))
			}
		})
	}
	if fingerprint(t, db) != before {
		t.Error("dry runs changed the database")
	}
}

func first[T any](s []T, n int) []T { return s[:min(n, len(s))] }

// TestRoundTripKeepsOddProperties gives one grid the properties table
// formats lose — a list, an object, an explicit null, a boolean, a long
// text under a long Chinese name — and wants every format to bring them
// back unchanged.
func TestRoundTripKeepsOddProperties(t *testing.T) {
	db := demotest.Open(t)
	odd := map[string]any{"tags": []any{"a", map[string]any{"b": 1}}, "note": nil, "flag": true, "ratio": 0.125,
		"备注说明（很长的属性名）": strings.Repeat("很长的文字", 40)}
	code := oddGrid(t, db, odd)
	for _, name := range []string{"odd.geojson", "odd.shp", "odd gbk.shp", "odd.gpkg"} {
		t.Run(name, func(t *testing.T) {
			o := ExportOptions{Level: geo.Grid, Under: testStreet}
			if strings.Contains(name, "gbk") {
				o.Encoding = "gbk"
			}
			path := exportFile(t, db, o, name)
			dry := opts()
			dry.DryRun = true
			rep := mustImport(t, db, dry, path)
			if c := rep.Counts; c.Changed != 0 || c.Created != 0 {
				t.Errorf("re-import of %s (with %s's odd properties): %+v", name, code, c)
			}
		})
	}
}

// oddGrid adds props to the first grid of testStreet and returns its code.
func oddGrid(t *testing.T, db *postgres.DB, props map[string]any) string {
	t.Helper()
	b, _ := json.Marshal(props)
	var code string
	if err := db.Pool.QueryRow(context.Background(), `UPDATE unit SET properties = properties || $1::jsonb
		WHERE code = (SELECT min(code) FROM unit WHERE level = 'grid' AND valid_to IS NULL AND starts_with(code, $2))
		  AND valid_to IS NULL RETURNING code`, string(b), testStreet).Scan(&code); err != nil {
		t.Fatal(err)
	}
	return code
}

// TestShapefileEditsSurviveTheSidecar edits one cell of an exported .dbf,
// as QGIS would: the import must take the edit (under the property's full
// name) and leave every other unit unchanged.
func TestShapefileEditsSurviveTheSidecar(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	path := exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet}, "grids.shp")
	dbf := strings.TrimSuffix(path, ".shp") + ".dbf"
	code := patchDBF(t, dbf, "grid_worke", "李四")
	rep := mustImport(t, db, opts(), path)
	if c := rep.Counts; c.Changed != 1 || c.Created != 0 || c.Unchanged == 0 {
		t.Fatalf("import of the edited shapefile: %+v, want 1 changed", c)
	}
	var worker string
	var households float64
	if err := db.Pool.QueryRow(ctx, `SELECT properties->>'grid_worker', (properties->>'households')::float8 FROM unit
		WHERE code = $1 AND valid_to IS NULL AND NOT properties ? 'grid_worke'`, code).Scan(&worker, &households); err != nil {
		t.Fatal(err)
	}
	if worker != "李四" || households < 300 {
		t.Errorf("%s now has grid_worker %q, households %v", code, worker, households)
	}
}

// patchDBF writes value into column col of the first record of a .dbf and
// returns that record's code.
func patchDBF(t *testing.T, path, col, value string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hdrLen := int(b[8]) | int(b[9])<<8
	offsets := map[string][2]int{}
	off := 1
	for d := b[32:hdrLen]; len(d) >= 32 && d[0] != 0x0d; d = d[32:] {
		name := strings.TrimRight(string(d[:11]), "\x00")
		offsets[name] = [2]int{off, int(d[16])}
		off += int(d[16])
	}
	rec := b[hdrLen:]
	c, ok := offsets[col]
	if !ok {
		t.Fatalf("no column %s in %v", col, offsets)
	}
	cell := rec[c[0] : c[0]+c[1]]
	copy(cell, bytes.Repeat([]byte{' '}, len(cell)))
	copy(cell, value)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	k := offsets["code"]
	return strings.TrimSpace(string(rec[k[0] : k[0]+k[1]]))
}
