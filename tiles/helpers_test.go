package tiles

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// Tests run against a real PostGIS holding the demo city (南开区 fully
// subdivided, 东丽区 万新街道, the enclave 沙柳北路64排).

func newDemoService(t testing.TB) (*Service, *postgres.DB) {
	t.Helper()
	db := demotest.Open(t)
	return newService(t, db, Config{}), db
}

func newService(t testing.TB, db *postgres.DB, cfg Config) *Service {
	t.Helper()
	s, err := New(context.Background(), db.Pool, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// request builds a validated request for the layers at c.
func request(t testing.TB, s *Service, layers string, c Coord) Request {
	t.Helper()
	r, err := s.ParseRequest(layers, fmt.Sprint(c.Z), fmt.Sprint(c.X), fmt.Sprintf("%d.mvt", c.Y), nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// get draws (or fetches) a tile and decodes it with orb's MVT decoder.
func get(t *testing.T, s *Service, layers string, c Coord) (map[string]*mvt.Layer, *Tile, bool) {
	t.Helper()
	tile, hit, err := s.Get(context.Background(), request(t, s, layers, c))
	if err != nil {
		t.Fatalf("tile %s/%s: %v", layers, c, err)
	}
	return decode(t, tile.Raw), tile, hit
}

func decode(t *testing.T, raw []byte) map[string]*mvt.Layer {
	t.Helper()
	ls, err := mvt.Unmarshal(raw)
	if err != nil {
		t.Fatalf("decode MVT: %v", err)
	}
	out := map[string]*mvt.Layer{}
	for _, l := range ls {
		if _, dup := out[l.Name]; dup {
			t.Fatalf("layer %s twice in one tile", l.Name)
		}
		out[l.Name] = l
	}
	return out
}

// coordAt is the tile holding the WGS84 point p at zoom z.
func coordAt(p orb.Point, z int) Coord {
	mt := maptile.At(p, maptile.Zoom(z))
	return Coord{Z: z, X: int(mt.X), Y: int(mt.Y)}
}

// pointOf runs a query returning one WGS84 point as (lng, lat).
func pointOf(t testing.TB, db *postgres.DB, sql string, args ...any) orb.Point {
	t.Helper()
	var p orb.Point
	if err := db.Pool.QueryRow(context.Background(), sql, args...).Scan(&p[0], &p[1]); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return p
}

// firstGridOf returns the smallest code of the current grids of a community.
func firstGridOf(t testing.TB, db *postgres.DB, community string) string {
	t.Helper()
	var grid string
	if err := db.Pool.QueryRow(context.Background(),
		`SELECT min(code) FROM unit WHERE level = 'grid' AND parent_code = $1 AND valid_to IS NULL`, community).Scan(&grid); err != nil {
		t.Fatal(err)
	}
	return grid
}

// labelOf is the label point (inside the geometry) of a current unit.
func labelOf(t testing.TB, db *postgres.DB, code string) orb.Point {
	return pointOf(t, db, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM unit
		WHERE code = $1 AND valid_to IS NULL) s`, code)
}

// feature finds the feature whose property key equals value.
func feature(l *mvt.Layer, key, value string) *geojson.Feature {
	if l == nil {
		return nil
	}
	for _, f := range l.Features {
		if f.Properties[key] == value {
			return f
		}
	}
	return nil
}

// sortedByID orders features by id for comparison.
func sortedByID(fs []*geojson.Feature) []*geojson.Feature {
	out := append([]*geojson.Feature{}, fs...)
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i].ID) < fmt.Sprint(out[j].ID) })
	return out
}

func polygonsOf(g orb.Geometry) []orb.Polygon {
	switch g := g.(type) {
	case orb.Polygon:
		return []orb.Polygon{g}
	case orb.MultiPolygon:
		return g
	}
	return nil
}

type mvtLayer = mvt.Layer
