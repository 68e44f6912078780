package tiles

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// redrawGridSQL edits a grid the way every edit is made: it closes the
// current version and inserts the next, shrunk by 40 m and renamed.
const redrawGridSQL = `
WITH old AS (UPDATE unit SET valid_to = now() WHERE code = $1 AND valid_to IS NULL RETURNING *)
INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
SELECT code, level, name || '（重划）', parent_code,
       ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Buffer(geom::geography, -40)::geometry), 3)),
       properties, version + 1, valid_to, 'test' FROM old`

// moveEnclaveSQL shifts the enclave by about 100 m east, as a new version.
const moveEnclaveSQL = `
WITH old AS (UPDATE enclave SET valid_to = now() WHERE code = $1 AND valid_to IS NULL RETURNING *)
INSERT INTO enclave (code, name, managing_code, status, reason, geom, properties, version, valid_from, created_by)
SELECT code, name, managing_code, 'transferred', reason, ST_Translate(geom, 0.0012, 0), properties,
       version + 1, valid_to, 'test' FROM old`

// TestEditIsVisibleAtOnce: a tile requested right after an edit commits
// shows the new geometry — on the service that had the old tile cached and
// on a second one (its own pool and cache, as another replica) — with no
// notification needed, while tiles of layers the edit did not touch stay
// cached.
func TestEditIsVisibleAtOnce(t *testing.T) {
	ctx := context.Background()
	a, db := newDemoService(t)
	b := newService(t, db, Config{}) // another replica
	var grid string
	if err := db.Pool.QueryRow(ctx, `SELECT min(code) FROM unit WHERE level = 'grid' AND parent_code = '120104002001' AND valid_to IS NULL`).Scan(&grid); err != nil {
		t.Fatal(err)
	}
	at := coordAt(labelOf(t, db, grid), 16)
	enclaveAt := coordAt(pointOf(t, db, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Centroid(geom) p FROM enclave WHERE valid_to IS NULL) s`), 15)

	for _, s := range []*Service{a, b} { // warm both caches
		get(t, s, "grid", at)
		get(t, s, "enclave", enclaveAt)
		if _, _, hit := get(t, s, "grid", at); !hit {
			t.Fatal("the second request of a tile is not a cache hit")
		}
	}
	_, districtTile, _ := get(t, a, "district", at)
	before := feature(decodeGrid(t, a, at), "code", grid)

	mustExec(t, db, redrawGridSQL, grid)
	mustExec(t, db, moveEnclaveSQL, "E120110001")

	for name, s := range map[string]*Service{"the caching service": a, "another replica": b} {
		t.Run(name, func(t *testing.T) {
			layers, _, hit := get(t, s, "grid", at)
			if hit {
				t.Error("the tile after the edit came from the cache")
			}
			after := feature(layers["grid"], "code", grid)
			if after == nil || after.Properties["name"] == before.Properties["name"] {
				t.Fatalf("the grid is not renamed: %v", after)
			}
			if orb.Equal(after.Geometry, before.Geometry) {
				t.Error("the grid has its old geometry")
			}
			sameLayer(t, "grid after the edit", layers["grid"], direct(t, db, "grid", at, 32))
			enc, _, _ := get(t, s, "enclave", enclaveAt)
			if f := feature(enc["enclave"], "code", "E120110001"); f == nil || f.Properties["status"] != "transferred" {
				t.Errorf("the enclave's new version is not drawn: %v", f)
			}
		})
	}
	t.Run("other layers stay cached", func(t *testing.T) {
		_, tile, hit := get(t, a, "district", at)
		if !hit || tile != districtTile {
			t.Error("an edit of a grid evicted the district tile")
		}
	})
	t.Run("a sweep frees the obsolete tiles", func(t *testing.T) {
		n, _, _ := a.cache.stats()
		a.sweep(ctx)
		if m, _, _ := a.cache.stats(); m >= n {
			t.Errorf("the sweep kept all %d tiles", n)
		}
	})
}

// TestFutureVersionAppearsOnTime: a version dated in the future is drawn
// once its time comes, although no write announces that moment.
func TestFutureVersionAppearsOnTime(t *testing.T) {
	s, db := newDemoService(t)
	at := coordAt(labelOf(t, db, "120104"), 9)
	get(t, s, "district", at)
	mustExec(t, db, `UPDATE unit SET valid_to = now() + interval '1 second' WHERE code = '120104' AND valid_to IS NULL`)
	// The closing above is itself an edit; the next version starts in a second.
	mustExec(t, db, `INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
		SELECT code, level, '南开区（新）', parent_code, geom, properties, version + 1, valid_to, 'test'
		FROM unit WHERE code = '120104' ORDER BY version DESC LIMIT 1`)
	layers, _, _ := get(t, s, "district", at)
	if f := feature(layers["district"], "code", "120104"); f != nil {
		t.Fatalf("a version that has not begun is drawn: %v", f.Properties)
	}
	waitUntil(t, db, `SELECT now() > valid_from FROM unit WHERE code = '120104' AND valid_to IS NULL`)
	layers, _, _ = get(t, s, "district", at)
	if f := feature(layers["district"], "code", "120104"); f == nil || f.Properties["name"] != "南开区（新）" {
		t.Fatalf("the new version is not drawn once it began: %v", f)
	}
}

func decodeGrid(t *testing.T, s *Service, c Coord) *mvtLayer {
	layers, _, _ := get(t, s, "grid", c)
	return layers["grid"]
}

func mustExec(t *testing.T, db *postgres.DB, sql string, args ...any) {
	t.Helper()
	if _, err := db.Pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func waitUntil(t *testing.T, db *postgres.DB, sql string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		var ok bool
		if err := db.Pool.QueryRow(context.Background(), sql).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		mustExec(t, db, `SELECT pg_sleep(0.05)`)
	}
	t.Fatalf("never true: %s", sql)
}
