package tiles

import (
	"context"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/maptile/tilecover"
)

const allBoundaries = "district,street,community,grid,enclave"

// TestKnownTiles checks what known tiles hold: the named features with
// their properties and ids, layers only within their zoom ranges, and MVT
// 2.1 validity (version 2, extent 4096, exterior rings clockwise in tile
// coordinates and holes the other way, coordinates within the buffer).
func TestKnownTiles(t *testing.T) {
	s, db := newDemoService(t)
	baihe := labelOf(t, db, "120110003021")
	enclave := pointOf(t, db, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM enclave WHERE code = 'E120110001' AND valid_to IS NULL) s`)
	grid := firstGridOf(t, db, "120104001001")
	gridAt := labelOf(t, db, grid)

	cases := []struct {
		name   string
		at     orb.Point
		z      int
		layer  string
		key    string
		value  string
		want   map[string]any
		wantID uint64
	}{
		{"百合春天社区 at z14", baihe, 14, "community", "code", "120110003021",
			map[string]any{"name": "百合春天社区居民委员会", "level": "community", "parent_code": "120110003",
				"street": "120110003", "district": "120110"}, 120110003021},
		{"its label", baihe, 14, "community_label", "code", "120110003021", map[string]any{"level": "community"}, 120110003021},
		{"the enclave at z15", enclave, 15, "enclave", "code", "E120110001",
			map[string]any{"name": "沙柳北路64排", "status": "custodial", "managing_code": "120110003021",
				"managing_level": "community"}, 0},
		{"the enclave marker at z10", enclave, 10, "enclave_label", "code", "E120110001", map[string]any{"status": "custodial"}, 0},
		{"a grid at z15", gridAt, 15, "grid", "code", grid,
			map[string]any{"level": "grid", "parent_code": "120104001001", "community": "120104001001",
				"street": "120104001", "district": "120104"}, 0},
		{"南开区 at z9", gridAt, 9, "district", "code", "120104", map[string]any{"name": "南开区"}, 120104},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			layers, _, _ := get(t, s, allBoundaries, coordAt(c.at, c.z))
			f := feature(layers[c.layer], c.key, c.value)
			if f == nil {
				t.Fatalf("no %s feature with %s=%s in layer %s (layers: %v)", c.layer, c.key, c.value, c.layer, keys(layers))
			}
			for k, v := range c.want {
				if f.Properties[k] != v {
					t.Errorf("%s = %v, want %v", k, f.Properties[k], v)
				}
			}
			fid, ok := f.ID.(float64) // orb decodes MVT ids as float64, as JavaScript does
			id := uint64(fid)
			switch {
			case !ok || fid != float64(id):
				t.Errorf("feature id %v (%T) is not a whole number", f.ID, f.ID)
			case c.wantID != 0 && id != c.wantID:
				t.Errorf("id %d, want %d (the code)", id, c.wantID)
			case id >= 1<<53:
				t.Errorf("id %d is not exact as a JavaScript number", id)
			}
		})
	}
	t.Run("grid households", func(t *testing.T) {
		layers, _, _ := get(t, s, "grid", coordAt(gridAt, 15))
		h, ok := feature(layers["grid"], "code", grid).Properties["households"].(float64)
		if !ok || h < 300 || h > 500 {
			t.Errorf("households %v, want the demo's 300–500", h)
		}
	})
	t.Run("zoom ranges", func(t *testing.T) {
		ranges := map[int][]string{ // zoom → layers that must be absent
			8:  {"street", "street_label", "community", "grid", "enclave"},
			12: {"grid", "grid_label"},
		}
		for z, absent := range ranges {
			layers, _, _ := get(t, s, allBoundaries, coordAt(gridAt, z))
			for _, name := range absent {
				if _, ok := layers[name]; ok {
					t.Errorf("z%d holds layer %s, below its minimum zoom", z, name)
				}
			}
		}
	})
	t.Run("valid MVT", func(t *testing.T) {
		for _, z := range []int{6, 10, 13, 15, 17} {
			layers, _, _ := get(t, s, allBoundaries, coordAt(gridAt, z))
			for _, l := range layers {
				checkLayer(t, z, l)
			}
		}
	})
}

func keys(m map[string]*mvt.Layer) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func checkLayer(t *testing.T, z int, l *mvt.Layer) {
	t.Helper()
	if l.Version != 2 || l.Extent != Extent {
		t.Errorf("z%d %s: version %d extent %d, want 2 and %d", z, l.Name, l.Version, l.Extent, Extent)
	}
	for _, f := range l.Features {
		if f.ID == nil {
			t.Errorf("z%d %s: a feature without id", z, l.Name)
		}
		if p, ok := f.Geometry.(orb.Point); ok {
			if p[0] < 0 || p[0] > Extent || p[1] < 0 || p[1] > Extent {
				t.Errorf("z%d %s: label point %v outside the tile", z, l.Name, p)
			}
			continue
		}
		polys := polygonsOf(f.Geometry)
		if len(polys) == 0 {
			t.Errorf("z%d %s: feature %v is a %T, want polygons", z, l.Name, f.ID, f.Geometry)
		}
		for _, poly := range polys {
			for i, ring := range poly {
				a := signedAreaOf(ring)
				if (i == 0) != (a > 0) {
					t.Errorf("z%d %s: feature %v ring %d has signed area %.1f: wrong winding", z, l.Name, f.ID, i, a)
				}
				for _, p := range ring {
					if p[0] < -Buffer || p[0] > Extent+Buffer || p[1] < -Buffer || p[1] > Extent+Buffer {
						t.Fatalf("z%d %s: vertex %v beyond the buffer", z, l.Name, p)
					}
				}
			}
		}
	}
}

// TestNoTileOver500KB draws every tile of the demo city's subdivided area
// at z8 to z15 with every boundary layer, and the whole city at z6 to z11,
// and checks the size bound of the issue.
func TestNoTileOver500KB(t *testing.T) {
	if testing.Short() {
		t.Skip("draws a few thousand tiles")
	}
	s, db := newDemoService(t)
	var city, subdivided orb.Bound
	for _, q := range []struct {
		b   *orb.Bound
		sql string
	}{
		{&city, `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM unit WHERE level = 'district' AND valid_to IS NULL) s`},
		{&subdivided, `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM unit WHERE level = 'grid' AND valid_to IS NULL) s`},
	} {
		if err := db.Pool.QueryRow(context.Background(), q.sql).Scan(&q.b.Min[0], &q.b.Min[1], &q.b.Max[0], &q.b.Max[1]); err != nil {
			t.Fatal(err)
		}
	}
	largest, count := 0, 0
	for z := 6; z <= 15; z++ {
		area := subdivided
		if z <= 11 {
			area = city
		}
		set, err := tilecover.Geometry(area.ToPolygon(), maptile.Zoom(z))
		if err != nil {
			t.Fatal(err)
		}
		for mt := range set {
			_, tile, _ := get(t, s, allBoundaries, Coord{Z: z, X: int(mt.X), Y: int(mt.Y)})
			count++
			largest = max(largest, len(tile.Raw))
			if len(tile.Raw) > 500<<10 {
				t.Errorf("tile %d/%d/%d is %d KB", z, mt.X, mt.Y, len(tile.Raw)>>10)
			}
		}
	}
	t.Logf("%d tiles, the largest %d KB", count, largest>>10)
}
