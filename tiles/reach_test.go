package tiles

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// Edits of one place, as a GIS clerk makes them, each a new version.
const (
	// moveGridSQL moves a grid 600 m east: it leaves one place and
	// reaches another.
	moveGridSQL = `
WITH old AS (UPDATE unit SET valid_to = now() WHERE code = $1 AND valid_to IS NULL RETURNING *)
INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
SELECT code, level, name, parent_code, ST_Translate(geom, 0.007, 0), properties, version + 1, valid_to, 'test' FROM old`
	// moveGridLaterSQL moves a grid 600 m east by a version that starts in
	// a second: the tiles show it then, with no change recorded at that
	// moment.
	moveGridLaterSQL = `
WITH old AS (UPDATE unit SET valid_to = now() + interval '1 second' WHERE code = $1 AND valid_to IS NULL RETURNING *)
INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
SELECT code, level, name, parent_code, ST_Translate(geom, 0.007, 0), properties, version + 1, valid_to, 'test' FROM old`
	renameUnitSQL = `
WITH old AS (UPDATE unit SET valid_to = now() WHERE code = $1 AND valid_to IS NULL RETURNING *)
INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
SELECT code, level, name || '（改）', parent_code, geom, properties, version + 1, valid_to, 'test' FROM old`
	renameEnclaveSQL = `
WITH old AS (UPDATE enclave SET valid_to = now() WHERE code = $1 AND valid_to IS NULL RETURNING *)
INSERT INTO enclave (code, name, managing_code, status, reason, geom, properties, version, valid_from, created_by)
SELECT code, name || '（改）', managing_code, status, reason, geom, properties, version + 1, valid_to, 'test' FROM old`
)

// TestAnEditKeepsTheTilesItDoesNotReach: after each edit the node has
// applied, every tile it serves equals one drawn afresh from the database
// — the tiles the edit reaches drawn again, the others kept — and an edit
// of one place keeps most of the tiles around it cached; a redrawing of
// the tile rows keeps none.
func TestAnEditKeepsTheTilesItDoesNotReach(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	s, idx := followed(t, db, true)
	fresh := newService(t, db, Config{CacheBytes: -1})
	community := "120104002001"
	grid := firstGridOf(t, db, community)
	var enclave string
	if err := db.Pool.QueryRow(ctx, `SELECT min(code) FROM enclave WHERE valid_to IS NULL`).Scan(&enclave); err != nil {
		t.Fatal(err)
	}
	around := tilesAround(t, db, community, enclave)
	layerSets := []string{"grid", "district,street,community,grid", "enclave"}
	// serve serves every tile and counts those that draw layer (any: "").
	serve := func(layer string) (hits, drawn int) {
		for _, c := range around {
			for _, layers := range layerSets {
				r := request(t, s, layers, c)
				got, hit, err := s.Get(ctx, r)
				if err != nil {
					t.Fatal(err)
				}
				want, _, err := fresh.Get(ctx, request(t, fresh, layers, c))
				if err != nil {
					t.Fatal(err)
				}
				if got.ETag != want.ETag {
					t.Errorf("%s %s (hit %v) differs from a tile drawn afresh", layers, c, hit)
				}
				switch {
				case !draws(r, layer):
					// nothing of the layer drawn at the zoom: kept by its edits
				case hit:
					hits++
				default:
					drawn++
				}
			}
		}
		return hits, drawn
	}
	serve("")
	edits := []struct {
		name    string
		steps   []step // one transaction
		redrawn string // the layer it redraws whole ("": of the others, the tiles it reaches)
		begins  bool   // its version starts later: served once it has begun
	}{
		{"a grid moved", []step{{moveGridSQL, grid}}, "", false},
		{"a grid renamed", []step{{renameUnitSQL, grid}}, "", false},
		{"a community renamed", []step{{renameUnitSQL, community}}, "", false},
		{"an enclave renamed", []step{{renameEnclaveSQL, enclave}}, "", false},
		// Where its new version lies, the index learns only when it
		// begins: the grids are reached whole (a review: tiles there were
		// kept stale for good).
		{"a grid moved from a moment later", []step{{moveGridLaterSQL, grid}}, "grid", true},
		// The grids' band dropped and their tile rows redrawn: every grid
		// tile below zoom 15 drawn from full geometry; the edit beside it
		// must not pass for the whole change.
		{"the grids redrawn beside an edit", []step{{`DELETE FROM tile_band WHERE layer = 'grid' AND gen_zoom = 14`, ""},
			{`SELECT gridmap_tile_sync_units(ARRAY(SELECT id FROM unit WHERE level = 'grid' AND valid_to IS NULL))`, ""},
			{`SELECT gridmap_redraw(ARRAY['grid'])`, ""}, {renameUnitSQL, grid}}, "grid", false},
		{"every layer redrawn", []step{{`SELECT gridmap_tile_rebuild()`, ""}}, "district", false},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			inTx(t, db, e.steps)
			waitApplied(t, db, idx)
			if e.begins {
				waitUntil(t, db, `SELECT now() > max(valid_from) FROM unit`)
				time.Sleep(300 * time.Millisecond) // the node's recheck
			}
			hits, drawn := serve(e.redrawn)
			t.Logf("%d tiles kept, %d drawn", hits, drawn)
			if drawn == 0 {
				t.Error("no tile drawn again")
			}
			if e.redrawn == "" && hits < drawn {
				t.Errorf("kept %d tiles, drew %d: the edit reaches few of them", hits, drawn)
			}
			if e.redrawn != "" && hits != 0 {
				t.Errorf("kept %d tiles drawing %s, which was redrawn whole", hits, e.redrawn)
			}
		})
	}
}

// step is one statement of a test's write, with its code argument if any.
type step struct{ sql, code string }

// inTx runs the steps in one transaction.
func inTx(t *testing.T, db *postgres.DB, steps []step) {
	t.Helper()
	err := pgx.BeginFunc(context.Background(), db.Pool, func(tx pgx.Tx) error {
		for _, s := range steps {
			var args []any
			if s.code != "" {
				args = append(args, s.code)
			}
			if _, err := tx.Exec(context.Background(), s.sql, args...); err != nil {
				return fmt.Errorf("%s: %w", s.sql, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// draws reports whether r draws layer at its zoom ("": any layer).
func draws(r Request, layer string) bool {
	for _, l := range r.Layers {
		if l.drawnAt(r.Coord.Z) && (layer == "" || l.Name == layer) {
			return true
		}
	}
	return false
}

// tilesAround lists the tiles at zooms 11 to 15 over a community and an
// enclave, a little beyond them.
func tilesAround(t *testing.T, db *postgres.DB, codes ...string) []Coord {
	t.Helper()
	var b orb.Bound
	if err := db.Pool.QueryRow(context.Background(), `
SELECT ST_XMin(e) - 0.01, ST_YMin(e) - 0.01, ST_XMax(e) + 0.01, ST_YMax(e) + 0.01 FROM (
  SELECT ST_Extent(geom) AS e FROM (SELECT geom FROM unit WHERE code = ANY($1) AND valid_to IS NULL
                                    UNION ALL SELECT geom FROM enclave WHERE code = ANY($1) AND valid_to IS NULL) g) s`,
		codes).Scan(&b.Min[0], &b.Min[1], &b.Max[0], &b.Max[1]); err != nil {
		t.Fatal(err)
	}
	var out []Coord
	for z := 11; z <= 15; z++ {
		nw := maptile.At(orb.Point{b.Min[0], b.Max[1]}, maptile.Zoom(z))
		se := maptile.At(orb.Point{b.Max[0], b.Min[1]}, maptile.Zoom(z))
		for x := nw.X; x <= se.X; x++ {
			for y := nw.Y; y <= se.Y; y++ {
				out = append(out, Coord{Z: z, X: int(x), Y: int(y)})
			}
		}
	}
	return out
}

// waitApplied waits until the node has applied the database's head version.
func waitApplied(t *testing.T, db *postgres.DB, idx interface {
	WaitVersion(context.Context, int64, time.Duration) bool
}) {
	t.Helper()
	v, err := db.HeadVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !idx.WaitVersion(context.Background(), v, 10*time.Second) {
		t.Fatalf("the node did not apply version %d", v)
	}
}
