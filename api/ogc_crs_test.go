package api

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
)

// firstVertex is the first vertex of a feature's (multi)polygon.
func firstVertex(t *testing.T, f map[string]any) [2]float64 {
	t.Helper()
	c := f["geometry"].(map[string]any)["coordinates"].([]any)
	if f["geometry"].(map[string]any)["type"] == "MultiPolygon" {
		c = c[0].([]any)
	}
	p := c[0].([]any)[0].([]any)
	return [2]float64{p[0].(float64), p[1].(float64)}
}

// TestOGCCRS asks for items in each kind of system Part 2 offers and wants
// exactly what PostGIS's ST_Transform gives, in the registry's axis order.
func TestOGCCRS(t *testing.T) {
	s := newEditServer(t, nil)
	ctx := context.Background()
	dbVertex := func(t *testing.T, srid int) [2]float64 {
		t.Helper()
		var x, y float64
		if err := s.db.Pool.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointN(ST_ExteriorRing(ST_GeometryN(
			ST_Transform(geom, $2::int), 1)), 1) AS p FROM unit WHERE code = $1 AND valid_to IS NULL) s`, gridA, srid).Scan(&x, &y); err != nil {
			t.Fatal(err)
		}
		return [2]float64{x, y}
	}
	cases := []struct {
		name, crs string
		srid      int
		swapped   bool
	}{
		{"default CRS84", "", 4326, false},
		{"EPSG:4326 is latitude first", epsgURI + "4326", 4326, true},
		{"CGCS2000 is latitude first", epsgURI + "4490", 4490, true},
		{"Web Mercator", epsgURI + "3857", 3857, false},
		{"Gauss-Krüger zone 39 is northing first", epsgURI + "4527", 4527, true},
		{"short form", "EPSG:4527", 4527, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"/ogc/collections/grids/items?code=" + gridA, "/ogc/collections/grids/items/" + gridA} {
				q := ""
				if c.crs != "" {
					q = "crs=" + url.QueryEscape(c.crs)
				}
				r := s.req(t, "GET", path+sep(path)+q, "", nil)
				if r.status != 200 {
					t.Fatalf("%s: %d %s", path, r.status, r.body)
				}
				want, _ := crsOf(c.srid)
				if c.crs == "" {
					want = crs84CRS
				}
				if got := r.header.Get("Content-Crs"); got != "<"+want.URI+">" {
					t.Errorf("Content-Crs %q, want <%s>", got, want.URI)
				}
				f := r.json(t)
				if feats, ok := f["features"].([]any); ok {
					f = feats[0].(map[string]any)
				}
				got, db := firstVertex(t, f), dbVertex(t, c.srid)
				if c.swapped {
					db = [2]float64{db[1], db[0]}
				}
				if got != db {
					t.Errorf("%s: first vertex %v, PostGIS says %v", path, got, db)
				}
			}
		})
	}
	t.Run("a system not offered is refused", func(t *testing.T) {
		for _, q := range []string{"crs=EPSG:2000", "bbox-crs=" + epsgURI + "4214&bbox=1,2,3,4", "crs=WGS84"} {
			if r := s.req(t, "GET", "/ogc/collections/grids/items?"+q, "", nil); r.status != 400 {
				t.Errorf("%s: %d %s", q, r.status, r.body)
			}
		}
	})
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// TestOGCBBoxCRS gives the same box in CRS84, in EPSG:4326 (latitude first)
// and around one grid in a Gauss-Krüger zone.
func TestOGCBBoxCRS(t *testing.T) {
	s := newEditServer(t, nil)
	matched := func(t *testing.T, q string) (float64, []string) {
		t.Helper()
		r := s.req(t, "GET", "/ogc/collections/grids/items?limit=10000&"+q, "", nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", q, r.status, r.body)
		}
		fc := r.json(t)
		var ids []string
		for _, f := range fc["features"].([]any) {
			ids = append(ids, f.(map[string]any)["id"].(string))
		}
		return fc["numberMatched"].(float64), ids
	}
	lonLat, _ := matched(t, "bbox=117.15,39.10,117.17,39.12")
	latLon, _ := matched(t, "bbox=39.10,117.15,39.12,117.17&bbox-crs="+url.QueryEscape(epsgURI+"4326"))
	if lonLat == 0 || latLon != lonLat {
		t.Errorf("the box matches %v grids in CRS84 and %v given latitude first in EPSG:4326", lonLat, latLon)
	}
	var box [4]float64
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (
		SELECT ST_Transform(geom, 4527)::box2d AS b FROM unit WHERE code = $1 AND valid_to IS NULL) s`, gridA).
		Scan(&box[0], &box[1], &box[2], &box[3]); err != nil {
		t.Fatal(err)
	}
	// Northing first: minN,minE,maxN,maxE.
	q := url.Values{"bbox-crs": {epsgURI + "4527"}}
	q.Set("bbox", fmtBox(box[1], box[0], box[3], box[2]))
	n, ids := matched(t, q.Encode())
	if n == 0 || n > 20 || !slices.Contains(ids, gridA) {
		t.Errorf("the box of %s in EPSG:4527 matches %v grids: %v", gridA, n, ids)
	}
}

func fmtBox(v ...float64) string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strings.Join(parts, ",")
}

// TestOGCQueryables reads the JSON Schema of each collection and uses every
// queryable it lists as a filter.
func TestOGCQueryables(t *testing.T) {
	s := newEditServer(t, nil)
	admin := createToken(t, s.db, access.RoleAdmin, "", "管理员", time.Now().Add(time.Hour))
	for _, col := range ogcCollections {
		t.Run(col.ID, func(t *testing.T) { testQueryables(t, s, col, admin, col.queryables()) })
		// Editors' names are hidden from anonymous callers: so is filtering by them.
		anonymous := slices.DeleteFunc(slices.Clone(col.queryables()), func(q string) bool { return q == "created_by" })
		t.Run(col.ID+" anonymous", func(t *testing.T) { testQueryables(t, s, col, "", anonymous) })
	}
	if r := s.req(t, "GET", "/ogc/collections/nowhere/queryables", "", nil); r.status != 404 {
		t.Errorf("unknown collection: %d", r.status)
	}
}

// testQueryables checks that col's queryables as token sees them are want,
// and that each works as a filter.
func testQueryables(t *testing.T, s *editServer, col ogcCollection, token string, want []string) {
	r := s.req(t, "GET", "/ogc/collections/"+col.ID+"/queryables", token, nil)
	if r.status != 200 || r.header.Get("Content-Type") != mediaSchema {
		t.Fatalf("%d %q %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	doc := r.json(t)
	if doc["type"] != "object" || doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("not a JSON Schema object: %v", doc)
	}
	props := doc["properties"].(map[string]any)
	if len(props) != len(want) {
		t.Errorf("%d queryables, want %v", len(props), want)
	}
	for name, p := range props {
		v := "1"
		if p.(map[string]any)["type"] == "string" {
			v = "x"
		}
		if r := s.req(t, "GET", "/ogc/collections/"+col.ID+"/items?"+name+"="+v, token, nil); r.status != 200 {
			t.Errorf("filter %s: %d %s", name, r.status, r.body)
		}
	}
}
