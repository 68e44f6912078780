package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

func TestResolveCommand(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	svc := geo.NewService(db, db)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("CSV", func(t *testing.T) {
		in := "lng,lat,id\n117.15,39.11,a\n39.1,117.2,swapped\nfoo,bar,bad\n100,20\n"
		var out bytes.Buffer
		if err := resolveCSV(ctx, svc, geo.ResolveQuery{}, strings.NewReader(in), &out); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&out).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 5 {
			t.Fatalf("%d rows, want a header and 4: %v", len(rows), rows)
		}
		for i, r := range rows {
			if len(r) != 12 {
				t.Errorf("row %d has %d columns, want 12: %v", i, len(r), r)
			}
		}
		want := []struct{ id, status, errPart string }{
			{"a", "managed", ""}, {"swapped", "", "swapped"}, {"bad", "", "numbers"}, {"5", "outside", ""},
		}
		for i, w := range want {
			r := rows[i+1]
			if r[0] != w.id || r[3] != w.status || !strings.Contains(r[11], w.errPart) {
				t.Errorf("row %d: %v, want id %s status %q error containing %q", i+1, r, w.id, w.status, w.errPart)
			}
		}
		if rows[1][8] != "120104" {
			t.Errorf("117.15,39.11 lies in 南开区, got district %q", rows[1][8])
		}
	})
	t.Run("GeoJSON", func(t *testing.T) {
		in := `{"type":"FeatureCollection","features":[
			{"type":"Feature","id":"x","properties":{"k":1},"geometry":{"type":"Point","coordinates":[117.15,39.11]}},
			{"type":"Feature","id":"y","properties":{},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}]}`
		lines := resolveLines(t, svc, in, 2)
		var first, second map[string]any
		json.Unmarshal([]byte(lines[0]), &first)
		json.Unmarshal([]byte(lines[1]), &second)
		res, _ := first["result"].(map[string]any)
		if first["id"] != "x" || res["status"] != "managed" || res["conflicts"] == nil {
			t.Errorf("first: %s", lines[0])
		}
		if second["error"] == nil {
			t.Errorf("a LineString must give an error: %s", lines[1])
		}
	})
	t.Run("GeoJSON echoes numbers as written", func(t *testing.T) {
		// Read as float64, 120104199001011234 would come back as
		// 120104199001011230; a BOM must not stop the file either.
		in := "\xef\xbb\xbf" + `{"type":"FeatureCollection","name":"pts","features":[
			{"type":"Feature","id":120104199001011234,"properties":{"card":120104199001011234,"w":1.50,"n":{"a":[1e2]}},
			 "geometry":{"type":"Point","coordinates":[117.15,39.11]}},
			{"type":"Feature","geometry":{"type":"Point","coordinates":[117.15,39.11]}}]}`
		lines := resolveLines(t, svc, in, 2)
		for _, want := range []string{`"id":120104199001011234`, `"card":120104199001011234`, `"w":1.50`, `[1e2]`, `"status":"managed"`} {
			if !strings.Contains(lines[0], want) {
				t.Errorf("first line lacks %s: %s", want, lines[0])
			}
		}
		if !strings.Contains(lines[1], `"properties":null`) || strings.Contains(lines[1], `"id"`) || !strings.Contains(lines[1], `"status":"managed"`) {
			t.Errorf("a feature without id or properties: %s", lines[1])
		}
	})
	t.Run("GeoJSON that is not a collection", func(t *testing.T) {
		for _, in := range []string{`{"type":"Feature"}`, `{"features":{}}`, `{"features":[{"type":"Feature","geometry":`} {
			var out bytes.Buffer
			if err := runResolveInput(ctx, svc, geo.ResolveQuery{}, strings.NewReader(in), &out); err == nil {
				t.Errorf("%s: no error; wrote %s", in, out.String())
			}
		}
	})
}

// resolveLines runs the resolve command over in and returns its n lines.
func resolveLines(t *testing.T, svc *geo.Service, in string, n int) []string {
	t.Helper()
	var out bytes.Buffer
	if err := runResolveInput(context.Background(), svc, geo.ResolveQuery{}, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != n {
		t.Fatalf("%d lines, want %d: %s", len(lines), n, out.String())
	}
	return lines
}
