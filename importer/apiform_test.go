package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gridmap-dev/gridmap/geo"
)

// apiFeature is a feature as GET /v1/units answers it, with extra
// top-level members (what a user adds in QGIS) and the nested properties
// under nest ("properties"; "attributes" in the OGC API).
func apiFeature(code, nest string, nested any, extra map[string]any) map[string]any {
	p := map[string]any{"code": code, "level": nil, "name": "单元" + code, "parent_code": nil, "version": 3,
		"valid_from": "2024-01-01T00:00:00Z", "valid_to": nil, "created_by": "gis", nest: nested}
	if nest == "attributes" { // the OGC API's ancestors
		p["district_code"], p["street_code"], p["community_code"] = code[:6], nil, nil
	}
	maps.Copy(p, extra)
	return p
}

// writeFeatures writes a FeatureCollection of the given properties, each
// feature with the id the API gives it and a square geometry.
func writeFeatures(t *testing.T, dir string, props ...map[string]any) string {
	t.Helper()
	var feats []any
	for _, p := range props {
		feats = append(feats, map[string]any{"type": "Feature", "id": p["code"], "properties": p,
			"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{117, 39}, {117.1, 39}, {117.1, 39.1}, {117, 39}}}}})
	}
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": feats})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "units.geojson")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mapFile reads a file as an import does, up to staging: the properties
// each code gets, and the report's issues.
func mapFile(t *testing.T, path string, o geo.ImportOptions) (map[string]map[string]any, *geo.ImportReport) {
	t.Helper()
	src, err := Open(context.Background(), []string{path}, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rep := &geo.ImportReport{}
	m := newMapper(o, rep)
	out := map[string]map[string]any{}
	for {
		f, err := src.Next()
		if errors.Is(err, io.EOF) {
			return out, rep
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := m.checkNamed(f.Attrs); err != nil {
			t.Fatal(err)
		}
		if r, ok := m.feature(f); ok {
			out[r.code] = r.props
		}
	}
}

// asGeoPackage converts a GeoJSON file as GIS staff do (GDAL keeps an
// object as a JSON field and the feature id as a column).
func asGeoPackage(t *testing.T, path string) string {
	requireOGR(t)
	out := filepath.Join(t.TempDir(), "units.gpkg")
	ogr(t, "-f", "GPKG", out, path)
	return out
}

// normal makes props comparable: numbers as json.Number text.
func normal(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAPIExportKeepsAddedColumns(t *testing.T) {
	nested := map[string]any{"population": 5200, "负责人": "王"}
	cases := []struct {
		name  string
		feats []map[string]any
		gpkg  bool
		want  map[string]map[string]any // properties by code
		level geo.Level                 // enclaves, or "" for units
	}{
		{"GET /v1/units with a column added", []map[string]any{
			apiFeature("120104", "properties", nested, map[string]any{"households": 1800}),
			apiFeature("120105", "properties", map[string]any{}, map[string]any{"households": nil}),
		}, false, map[string]map[string]any{
			"120104": {"population": 5200, "负责人": "王", "households": 1800},
			"120105": {"households": nil},
		}, ""},
		{"OGC items with a phone added", []map[string]any{
			apiFeature("120104", "attributes", nested, map[string]any{"phone": "022-2735 0000"}),
		}, false, map[string]map[string]any{
			"120104": {"population": 5200, "负责人": "王", "phone": "022-2735 0000"},
		}, ""},
		{"an added column wins over a nested property of its name", []map[string]any{
			apiFeature("120104", "properties", nested, map[string]any{"population": 5400}),
		}, false, map[string]map[string]any{
			"120104": {"population": 5400, "负责人": "王"},
		}, ""},
		{"no column added: the nested properties as they were", []map[string]any{
			apiFeature("120104", "properties", nested, nil),
			apiFeature("120105", "properties", nil, nil),
		}, false, map[string]map[string]any{
			"120104": {"population": 5200, "负责人": "王"},
			"120105": {},
		}, ""},
		// GDAL makes null properties a NULL column and keeps the id as a
		// column: the first is no property, the second the API's.
		{"GeoPackage by GDAL, a column added, null properties", []map[string]any{
			apiFeature("120104", "properties", nested, map[string]any{"households": 1800}),
			apiFeature("120105", "properties", nil, map[string]any{"households": 900}),
		}, true, map[string]map[string]any{
			"120104": {"population": 5200, "负责人": "王", "households": 1800},
			"120105": {"households": 900},
		}, ""},
		{"GET /v1/enclaves with a column added", []map[string]any{{"code": "FD-01", "name": "飞地", "managing_code": "120104001",
			"status": "custodial", "reason": "历史", "area_m2": 1200.5, "version": 1, "valid_from": "2024-01-01T00:00:00Z",
			"valid_to": nil, "created_by": "gis", "properties": nested, "phone": "022-2735 0000"}},
			false, map[string]map[string]any{"FD-01": {"population": 5200, "负责人": "王", "phone": "022-2735 0000"}}, geo.LevelEnclave},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFeatures(t, t.TempDir(), c.feats...)
			if c.gpkg {
				path = asGeoPackage(t, path)
			}
			o := opts()
			o.Level = c.level
			got, rep := mapFile(t, path, o)
			if rep.Errors+rep.Warnings != 0 {
				t.Fatalf("issues: %v", rep.Issues)
			}
			if g, w := normal(t, got), normal(t, c.want); !reflect.DeepEqual(g, w) {
				t.Errorf("properties\n got %v\nwant %v", g, w)
			}
		})
	}
}

func TestTextAttributesColumnIsNotAPIForm(t *testing.T) {
	// A user's table that has code, version, valid_from, created_by and a
	// text column "attributes", NULL in some rows: every row keeps every
	// column, whichever row comes first.
	row := func(code string, attrs any) map[string]any {
		return map[string]any{"code": code, "name": "网格" + code, "version": "v2", "valid_from": "2023",
			"created_by": "张三", "attributes": attrs, "households": 40}
	}
	plain := func(code string, attrs any) map[string]any {
		p := row(code, attrs)
		delete(p, "code")
		delete(p, "name")
		return p
	}
	cases := []struct {
		name  string
		feats []map[string]any
		gpkg  bool
		want  map[string]map[string]any
	}{
		{"NULL first", []map[string]any{row("120104", nil), row("120105", "临街")},
			false, map[string]map[string]any{"120104": plain("120104", nil), "120105": plain("120105", "临街")}},
		{"text first", []map[string]any{row("120104", "临街"), row("120105", nil)},
			false, map[string]map[string]any{"120104": plain("120104", "临街"), "120105": plain("120105", nil)}},
		{"as a GeoPackage", []map[string]any{row("120104", nil), row("120105", "临街")},
			true, map[string]map[string]any{"120104": plain("120104", nil), "120105": plain("120105", "临街")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFeatures(t, t.TempDir(), c.feats...)
			if c.gpkg {
				path = asGeoPackage(t, path)
				for _, p := range c.want { // a NULL is no value, and the id is the user's column
					if p["attributes"] == nil {
						delete(p, "attributes")
					}
				}
				c.want["120104"]["id"], c.want["120105"]["id"] = "120104", "120105"
			}
			got, rep := mapFile(t, path, opts())
			if rep.Errors+rep.Warnings != 0 {
				t.Fatalf("issues: %v", rep.Issues)
			}
			if g, w := normal(t, got), normal(t, c.want); !reflect.DeepEqual(g, w) {
				t.Errorf("properties\n got %v\nwant %v", g, w)
			}
		})
	}
}

// TestAPIFormDecidedOnce: the first features decide; one past them that
// contradicts the layer's form is refused, not read another way.
func TestAPIFormDecidedOnce(t *testing.T) {
	n := apiLookahead + 20
	cases := []struct {
		name string
		odd  map[string]any // feature n-1
		want geo.IssueKind  // "" for no issue
	}{
		{"text properties past the look-ahead", apiFeature("120104999001999", "properties", "text", nil), geo.IssueUnreadable},
		{"nested under the other member", apiFeature("120104999001999", "attributes", map[string]any{}, nil), geo.IssueUnreadable},
		{"a row added by hand, no metadata", map[string]any{"code": "120104999001999", "name": "新网格", "households": 7}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var feats []map[string]any
			for i := range n - 1 {
				feats = append(feats, apiFeature(fmt.Sprintf("120104999001%03d", i), "properties", map[string]any{"i": i}, nil))
			}
			feats = append(feats, c.odd)
			got, rep := mapFile(t, writeFeatures(t, t.TempDir(), feats...), opts())
			if c.want == "" {
				if rep.Errors != 0 || len(got) != n || !reflect.DeepEqual(normal(t, got["120104999001999"]), normal(t, map[string]any{"households": 7})) {
					t.Fatalf("%d mapped, issues %v, the odd one has %v", len(got), rep.Issues, got["120104999001999"])
				}
				return
			}
			if rep.Errors != 1 || rep.Issues[0].Kind != c.want || rep.Issues[0].Code != "120104999001999" {
				t.Fatalf("issues %v, want one %s for the odd feature", rep.Issues, c.want)
			}
			if p := got["120104999001000"]; !reflect.DeepEqual(normal(t, p), normal(t, map[string]any{"i": 0})) {
				t.Errorf("the first feature has %v, want its nested properties", p)
			}
		})
	}
}
