package tiles

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/planar"

	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// The reference statements: the naive ST_AsMVT query on the base tables
// (reprojecting per request, 4326 bbox filter), as one would write without
// gridmap's side tables. $4 is the generalisation zoom: 32 draws the raw
// geometry; below it the same generalisation is computed on the fly, which
// proves the stored copies are in step with the data.
const directUnitSQL = `
SELECT coalesce(ST_AsMVT(f, $5, 4096, 'geom', 'fid'), '') FROM (
  SELECT gridmap_tile_fid(u.code) AS fid, u.code, u.name, u.level, u.parent_code,
         left(u.code, 6) AS district,
         CASE WHEN length(u.code) > 9 THEN left(u.code, 9) END AS street,
         CASE WHEN length(u.code) > 12 THEN left(u.code, 12) END AS community,
         CASE WHEN jsonb_typeof(u.properties -> 'households') = 'number'
               AND round((u.properties ->> 'households')::numeric) BETWEEN -2147483648 AND 2147483647
              THEN round((u.properties ->> 'households')::numeric)::int END AS households,
         ST_AsMVTGeom(CASE WHEN $4 >= 32 THEN ST_Transform(u.geom, 3857)
                           ELSE gridmap_tile_generalise(ST_Transform(u.geom, 3857), $4) END,
                      ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
    FROM unit u
   WHERE gridmap_tile_layer(u.level) = $5 AND u.valid_to IS NULL AND u.valid_from <= now()
     AND u.geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)
   ORDER BY u.code) f`

const directEnclaveSQL = `
SELECT coalesce(ST_AsMVT(f, 'enclave', 4096, 'geom', 'fid'), '') FROM (
  SELECT gridmap_tile_fid(e.code) AS fid, e.code, e.name, e.status, e.managing_code,
         (ARRAY['district', 'street', 'community', 'grid', 'microgrid'])[(length(e.managing_code) - 3) / 3] AS managing_level,
         ST_AsMVTGeom(CASE WHEN $4 >= 32 THEN ST_Transform(e.geom, 3857)
                           ELSE gridmap_tile_generalise(ST_Transform(e.geom, 3857), $4) END,
                      ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
    FROM enclave e
   WHERE e.valid_to IS NULL AND e.valid_from <= now()
     AND e.geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)
   ORDER BY e.code) f`

// directLabelSQL draws the label points of a unit layer from the base table.
const directLabelSQL = `
SELECT coalesce(ST_AsMVT(f, $4 || '_label', 4096, 'geom', 'fid'), '') FROM (
  SELECT gridmap_tile_fid(u.code) AS fid, u.code, u.name, u.level,
         ST_AsMVTGeom(p, ST_TileEnvelope($1, $2, $3), 4096, 0, true) AS geom
    FROM (SELECT *, ST_PointOnSurface(ST_Transform(geom, 3857)) AS p FROM unit
           WHERE gridmap_tile_layer(level) = $4 AND valid_to IS NULL AND valid_from <= now()) u
   WHERE p && ST_TileEnvelope($1, $2, $3)
   ORDER BY u.code) f`

// genZoom is the generalisation zoom a tile at z of layer reads.
func genZoom(t *testing.T, db *postgres.DB, layer string, z int) int {
	t.Helper()
	var g int
	err := db.Pool.QueryRow(context.Background(),
		`SELECT min(gen_zoom) FROM tile_band WHERE layer = $1 AND gen_zoom >= $2`, layer, z).Scan(&g)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func direct(t *testing.T, db *postgres.DB, layer string, c Coord, gen int) *mvt.Layer {
	t.Helper()
	var raw []byte
	var err error
	if layer == "enclave" {
		err = db.Pool.QueryRow(context.Background(), directEnclaveSQL, c.Z, c.X, c.Y, gen).Scan(&raw)
	} else {
		err = db.Pool.QueryRow(context.Background(), directUnitSQL, c.Z, c.X, c.Y, gen, layer).Scan(&raw)
	}
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, raw)[layer]
}

func directLabels(t *testing.T, db *postgres.DB, layer string, c Coord) *mvt.Layer {
	t.Helper()
	var raw []byte
	if err := db.Pool.QueryRow(context.Background(), directLabelSQL, c.Z, c.X, c.Y, layer).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	return decode(t, raw)[layer+"_label"]
}

// sameLayer compares two decoded layers feature by feature.
func sameLayer(t *testing.T, what string, got, want *mvt.Layer) {
	t.Helper()
	if got == nil || want == nil {
		if got != want && (got == nil || len(got.Features) > 0) && (want == nil || len(want.Features) > 0) {
			t.Errorf("%s: one side has no layer (served %v, direct %v)", what, got != nil, want != nil)
		}
		return
	}
	g, w := sortedByID(got.Features), sortedByID(want.Features)
	if len(g) != len(w) {
		t.Fatalf("%s: served %d features, direct query %d", what, len(g), len(w))
	}
	for i := range g {
		if !reflect.DeepEqual(w[i].Properties, g[i].Properties) || g[i].ID != w[i].ID {
			t.Errorf("%s: feature %v differs:\ndirect %v\nserved %v %v", what, w[i].ID, w[i].Properties, g[i].ID, g[i].Properties)
		}
		if !orb.Equal(g[i].Geometry, w[i].Geometry) {
			t.Errorf("%s: geometry of feature %v differs from the direct query", what, w[i].ID)
		}
	}
}

// TestTilesMatchDirectQuery: every layer of every probed tile holds exactly
// what the direct ST_AsMVT query on the base tables returns — the same
// features, ids, properties and geometry — at full detail, and, in the
// generalised bands, what the same query returns with the generalisation
// computed on the fly, which differs from the raw geometry by less than a
// tile unit.
func TestTilesMatchDirectQuery(t *testing.T) {
	s, db := newDemoService(t)
	nankai := labelOf(t, db, "120104")
	enclave := pointOf(t, db, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM enclave WHERE valid_to IS NULL) s`)
	wanxin := labelOf(t, db, "120110003")
	probes := []struct {
		name   string
		at     orb.Point
		z      int
		layers []string
	}{
		{"z5 districts", nankai, 5, []string{"district"}},
		{"z8 districts", nankai, 8, []string{"district"}},
		{"z10 streets", nankai, 10, []string{"district", "street", "enclave"}},
		{"z12 communities", nankai, 12, []string{"district", "street", "community"}},
		{"z13 grids", nankai, 13, []string{"community", "grid"}},
		{"z15 grids", nankai, 15, []string{"district", "street", "community", "grid"}},
		{"z12 enclave", enclave, 12, []string{"enclave"}},
		{"z16 enclave", enclave, 16, []string{"district", "enclave"}},
		{"z14 万新街道", wanxin, 14, []string{"street", "community", "grid"}},
	}
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			c := coordAt(p.at, p.z)
			served, _, _ := get(t, s, joinNames(p.layers), c)
			for _, layer := range p.layers {
				gen := genZoom(t, db, layer, c.Z)
				want := direct(t, db, layer, c, gen)
				if want == nil || len(want.Features) == 0 {
					t.Fatalf("%s at %s: the direct query finds nothing; the probe is wrong", layer, c)
				}
				sameLayer(t, fmt.Sprintf("%s at %s (generalised for z%d)", layer, c, gen), served[layer], want)
				if gen < 32 {
					closeToRaw(t, layer, served[layer], direct(t, db, layer, c, 32))
				}
				if layer != "enclave" {
					sameLayer(t, layer+"_label at "+c.String(), served[layer+"_label"], directLabels(t, db, layer, c))
				}
			}
		})
	}
}

// closeToRaw checks that a generalised layer has the features of the raw
// one and that no vertex of either lies more than 2.5 tile units from the
// other's outline. MapLibre draws a 4096-unit tile over 512 pixels, so that
// is a third of a pixel: the generalisation cannot be seen. (Each side is
// snapped to the unit grid, and the simplification tolerance is half a unit.)
func closeToRaw(t *testing.T, layer string, gen, raw *mvt.Layer) {
	t.Helper()
	g, r := sortedByID(gen.Features), sortedByID(raw.Features)
	if len(g) != len(r) {
		t.Fatalf("%s: generalised %d features, raw %d", layer, len(g), len(r))
	}
	for i := range g {
		if d := maxDeviation(g[i].Geometry, r[i].Geometry); d > 2.5 {
			t.Errorf("%s feature %v: generalised geometry deviates %.2f tile units from the raw", layer, g[i].ID, d)
		}
	}
}

func maxDeviation(a, b orb.Geometry) float64 {
	worst := 0.0
	for _, pair := range [][2]orb.Geometry{{a, b}, {b, a}} {
		for _, poly := range polygonsOf(pair[0]) {
			for _, ring := range poly {
				for _, p := range ring {
					worst = max(worst, planar.DistanceFrom(pair[1], p))
				}
			}
		}
	}
	return worst
}

func joinNames(n []string) string {
	out := ""
	for i, s := range n {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}
