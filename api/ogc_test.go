package api

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
)

// linkHref returns the href of the first link with rel, or "".
func linkHref(t *testing.T, doc map[string]any, rel string) string {
	t.Helper()
	links, _ := doc["links"].([]any)
	for _, l := range links {
		if m := l.(map[string]any); m["rel"] == rel {
			return m["href"].(string)
		}
	}
	return ""
}

func TestOGCDocuments(t *testing.T) {
	s := newEditServer(t, nil)
	cases := []struct {
		name, path, media string
		check             func(t *testing.T, doc map[string]any)
	}{
		{"landing page", "/ogc", "application/json", func(t *testing.T, doc map[string]any) {
			for rel, want := range map[string]string{"self": "/ogc", "service-desc": "/ogc/api", "conformance": "/ogc/conformance", "data": "/ogc/collections"} {
				if got := linkHref(t, doc, rel); got != s.srv.URL+want {
					t.Errorf("%s link %q, want the absolute %s", rel, got, want)
				}
			}
		}},
		{"conformance", "/ogc/conformance", "application/json", func(t *testing.T, doc map[string]any) {
			got := doc["conformsTo"].([]any)
			for _, c := range []string{"core", "geojson", "oas30"} {
				if !slices.Contains(got, any("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"+c)) {
					t.Errorf("conformance lacks %s: %v", c, got)
				}
			}
		}},
		{"API definition", "/ogc/api", mediaOpenAPI, func(t *testing.T, doc map[string]any) {
			op := doc["paths"].(map[string]any)["/collections/grids/items"].(map[string]any)["get"].(map[string]any)
			var names []string
			for _, p := range op["parameters"].([]any) {
				names = append(names, p.(map[string]any)["name"].(string))
			}
			if !slices.Contains(names, "district_code") || !slices.Contains(names, "bbox") {
				t.Errorf("grid items parameters %v", names)
			}
		}},
		{"collections", "/ogc/collections", "application/json", func(t *testing.T, doc map[string]any) {
			var ids []string
			for _, c := range doc["collections"].([]any) {
				m := c.(map[string]any)
				ids = append(ids, m["id"].(string))
				if linkHref(t, m, "items") != s.srv.URL+"/ogc/collections/"+m["id"].(string)+"/items" {
					t.Errorf("%s: items link %v", m["id"], m["links"])
				}
				boxes, ok := m["extent"].(map[string]any)["spatial"].(map[string]any)["bbox"].([]any)
				if !ok {
					if m["id"] != "reports" { // the demo has no reports
						t.Errorf("%s has no extent", m["id"])
					}
					continue
				}
				if bbox := boxes[0].([]any); bbox[0].(float64) < 116 || bbox[2].(float64) > 118.1 {
					t.Errorf("%s: bbox %v is not around Tianjin", m["id"], bbox)
				}
			}
			if want := []string{"districts", "streets", "communities", "grids", "enclaves", "gaps", "reports"}; !slices.Equal(ids, want) {
				t.Errorf("collections %v, want %v", ids, want)
			}
		}},
		{"one collection", "/ogc/collections/enclaves", "application/json", func(t *testing.T, doc map[string]any) {
			if doc["id"] != "enclaves" || doc["itemType"] != "feature" {
				t.Errorf("collection %v", doc)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.req(t, "GET", c.path, "", nil)
			if r.status != 200 || r.header.Get("Content-Type") != c.media {
				t.Fatalf("status %d, type %q: %s", r.status, r.header.Get("Content-Type"), r.body)
			}
			c.check(t, r.json(t))
		})
	}
}

func TestOGCItems(t *testing.T) {
	s := newEditServer(t, nil)
	ed := s.token(t, access.RoleEditor, "", "ogc-editor")
	beforeEdit := time.Now()
	time.Sleep(10 * time.Millisecond)
	f, tag := s.getFeature(t, "/v1/units/"+gridA, ed)
	propsOf(f)["name"] = "第二版"
	if r := s.req(t, "PUT", "/v1/units/"+gridA, ed, mustJSON(t, f), "If-Match", tag); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	var nankaiGrids int
	if err := s.db.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM unit WHERE level = 'grid' AND valid_to IS NULL AND left(code, 6) = '120104'`).Scan(&nankaiGrids); err != nil {
		t.Fatal(err)
	}

	items := func(t *testing.T, query string) map[string]any {
		t.Helper()
		r := s.req(t, "GET", "/ogc/collections/"+query, "", nil)
		if r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" {
			t.Fatalf("%s: %d %q %s", query, r.status, r.header.Get("Content-Type"), r.body)
		}
		return r.json(t)
	}
	namesOf := func(fc map[string]any) (out []string) {
		for _, f := range fc["features"].([]any) {
			out = append(out, propsOf(f.(map[string]any))["name"].(string))
		}
		return out
	}
	t.Run("paging through every grid of 南开区", func(t *testing.T) {
		seen := map[string]bool{}
		next := s.srv.URL + "/ogc/collections/grids/items?district_code=120104&limit=500"
		for pages := 0; next != ""; pages++ {
			u, _ := url.Parse(next)
			fc := items(t, strings.TrimPrefix(u.RequestURI(), "/ogc/collections/"))
			if fc["numberMatched"].(float64) != float64(nankaiGrids) || fc["numberReturned"].(float64) != float64(len(fc["features"].([]any))) {
				t.Fatalf("page %d: matched %v returned %v", pages, fc["numberMatched"], fc["numberReturned"])
			}
			for _, f := range fc["features"].([]any) {
				id := f.(map[string]any)["id"].(string)
				if seen[id] || !strings.HasPrefix(id, "120104") {
					t.Fatalf("id %s repeated or outside 南开区", id)
				}
				seen[id] = true
			}
			next = linkHref(t, fc, "next")
		}
		if len(seen) != nankaiGrids {
			t.Errorf("%d grids paged, want %d", len(seen), nankaiGrids)
		}
	})
	cases := []struct {
		name, query string
		want        []string // names, in order
	}{
		{"bbox", "districts/items?bbox=117.15,39.10,117.16,39.11", []string{"南开区"}},
		{"3-D bbox", "districts/items?bbox=117.15,39.10,0,117.16,39.11,100", []string{"南开区"}},
		{"before the demo existed", "districts/items?datetime=2025-06-01", nil},
		{"the instant before the edit", "grids/items?code=" + gridA + "&datetime=" + url.QueryEscape(beforeEdit.Format(time.RFC3339Nano)), []string{"光明路社区第1网格"}},
		{"now", "grids/items?code=" + gridA, []string{"第二版"}},
		{"every version (open interval)", "grids/items?code=" + gridA + "&datetime=../..", []string{"光明路社区第1网格", "第二版"}},
		{"property filter", "streets/items?name=长虹街道", []string{"长虹街道"}},
		{"enclaves by managing unit", "enclaves/items?managing_code=120110003021", []string{"沙柳北路64排"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := namesOf(items(t, c.query)); !slices.Equal(got, c.want) {
				t.Errorf("names %v, want %v", got, c.want)
			}
		})
	}
	t.Run("ids of versions", func(t *testing.T) {
		fc := items(t, "grids/items?code="+gridA+"&datetime=2026-01-01/..")
		var ids []string
		for _, f := range fc["features"].([]any) {
			ids = append(ids, f.(map[string]any)["id"].(string))
		}
		if !slices.Equal(ids, []string{gridA + "@1", gridA + "@2"}) {
			t.Errorf("ids %v", ids)
		}
	})
	for path, wantName := range map[string]string{"grids/items/" + gridA: "第二版", "grids/items/" + gridA + "@1": "光明路社区第1网格"} {
		t.Run("item "+path, func(t *testing.T) {
			fc := items(t, path)
			if propsOf(fc)["name"] != wantName || linkHref(t, fc, "collection") != s.srv.URL+"/ogc/collections/grids" {
				t.Errorf("%s", mustJSON(t, fc))
			}
		})
	}
	errs := []struct {
		name, path string
		status     int
		field      string
	}{
		{"unknown collection", "/ogc/collections/provinces/items", 404, "collectionId"},
		{"unknown feature", "/ogc/collections/grids/items/120104001001999", 404, "featureId"},
		{"a street is not a grid", "/ogc/collections/grids/items/" + streetA, 404, "featureId"},
		{"unknown parameter", "/ogc/collections/grids/items?district=120104", 400, "district"},
		{"limit zero", "/ogc/collections/grids/items?limit=0", 400, "limit"},
		{"backwards interval", "/ogc/collections/grids/items?datetime=2026-02-01/2026-01-01", 400, "datetime"},
		{"html", "/ogc/collections?f=html", 400, "f"},
		{"bad cursor", "/ogc/collections/grids/items?cursor=zz", 400, "cursor"},
	}
	for _, c := range errs {
		t.Run(c.name, func(t *testing.T) {
			r := s.req(t, "GET", c.path, "", nil)
			if r.status != c.status || r.json(t)["field"] != c.field {
				t.Errorf("status %d: %s", r.status, r.body)
			}
		})
	}
	t.Run("reports show the case, not the reporter", func(t *testing.T) {
		var n int
		if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM report WHERE left(unit_code, 6) = '120104'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		fc := items(t, "reports/items?district_code=120104&limit=10000")
		if fc["numberMatched"].(float64) != float64(n) || len(fc["features"].([]any)) != n {
			t.Errorf("reports matched %v, returned %d, the database has %d", fc["numberMatched"], len(fc["features"].([]any)), n)
		}
		for _, f := range fc["features"].([]any) {
			if p := propsOf(f.(map[string]any)); p["reporter"] != nil || p["unit_code"] == nil {
				t.Fatalf("report properties %v", p)
			}
		}
	})
	t.Run("a date selects the reports of that day in China", func(t *testing.T) {
		var day time.Time
		if err := s.db.Pool.QueryRow(context.Background(), `SELECT (observed_at AT TIME ZONE 'Asia/Shanghai')::date
			FROM report ORDER BY observed_at LIMIT 1`).Scan(&day); err != nil {
			t.Fatal(err)
		}
		d := day.Format(time.DateOnly)
		next := day.AddDate(0, 0, 1).Format(time.DateOnly)
		count := func(from, to string) float64 {
			var n int
			if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM report
				WHERE observed_at >= ($1::date)::timestamp AT TIME ZONE 'Asia/Shanghai'
				AND observed_at < ($2::date)::timestamp AT TIME ZONE 'Asia/Shanghai'`, from, to).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return float64(n)
		}
		day2 := day.AddDate(0, 0, 2).Format(time.DateOnly)
		for datetime, want := range map[string]float64{d: count(d, next), d + "T": count(d, next), d + "/" + next: count(d, day2)} {
			fc := items(t, "reports/items?limit=10000&datetime="+url.QueryEscape(datetime))
			if got := fc["numberMatched"].(float64); got != want || want == 0 && datetime == d {
				t.Errorf("datetime=%s matched %v reports, want %v", datetime, got, want)
			}
		}
	})
	t.Run("gaps of the coverage audit", func(t *testing.T) {
		var n int
		var id string
		if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*), coalesce(min(id)::text, '') FROM gap`).Scan(&n, &id); err != nil {
			t.Fatal(err)
		}
		fc := items(t, "gaps/items")
		if fc["numberMatched"].(float64) != float64(n) || n == 0 {
			t.Fatalf("gaps matched %v, the database has %d (the demo carves some)", fc["numberMatched"], n)
		}
		if one := items(t, "gaps/items/"+id); one["id"] != id || propsOf(one)["area_m2"].(float64) <= 0 {
			t.Errorf("gap %s: %s", id, mustJSON(t, one))
		}
		if r := s.req(t, "GET", "/ogc/collections/gaps/items?datetime=2026-01-01", "", nil); r.status != 400 {
			t.Errorf("gaps in the past: %d", r.status)
		}
	})
	t.Run("a huge limit is lowered, not refused", func(t *testing.T) {
		fc := items(t, "grids/items?limit=99999999")
		if n := fc["numberReturned"].(float64); n < 1000 || n > ogcMaxLimit {
			t.Errorf("returned %v", n)
		}
	})
}
