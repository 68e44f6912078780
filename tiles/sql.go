package tiles

import (
	"fmt"
	"strings"
)

// The statements that draw the stored layers. Every value of a request —
// z, x, y, the versions asked for, each filter — is a bound parameter. The
// side tables hold geometry already in Web Mercator and generalised per zoom
// band (migration 003), so the bbox filter `geom && envelope` runs on their
// GiST index and nothing is reprojected or simplified per request.
//
// The envelope is searched with a margin of the 64-unit buffer, the same
// buffer ST_AsMVTGeom keeps, so polygons crossing the tile edge are drawn
// seamlessly. Features are ordered by code so a tile's bytes depend only on
// the data: the strong ETag is a hash of them.

// Buffer is the clip buffer of polygon layers, in tile units.
const Buffer = 64

// versionsExpr is the data versions of the layers named in $4, in order
// (0 for a layer never written), read in the same snapshot as the features
// the statement draws. It is written out in each statement rather than
// called as a SQL function: PostgreSQL plans a SQL function's body on every
// call, which cost more than drawing a small tile.
const versionsExpr = `ARRAY(SELECT coalesce((SELECT v.version FROM data_version v WHERE v.layer = d.layer), 0)
         FROM unnest($4::text[]) WITH ORDINALITY AS d(layer, i) ORDER BY d.i)`

// pendingExpr is the seconds until the next version of the layer dated in
// the future begins, or NULL: such a version becomes current without a
// write, so no version moves and a tile drawn now must not be served beyond
// that moment. One probe of the (layer, valid_from) index.
const pendingExpr = `(SELECT extract(epoch FROM min(p.valid_from) - now())::float8 FROM tile_unit p
          WHERE p.layer = @layer@ AND p.valid_from > now())`

// unitLayerTemplate draws one unit layer and its label points. @layer@ is
// replaced by the layer's name as a literal (from the fixed list in
// unitLayerSQL, never from a request): the planner can then use the layer's
// partial index even with a generic plan, which a parameter would prevent.
const unitLayerTemplate = `
SELECT ` + versionsExpr + `, ` + pendingExpr + `,
  coalesce((SELECT ST_AsMVT(f, @layer@, 4096, 'geom', 'fid') FROM (
    SELECT t.fid, t.code, t.name, t.level, t.parent_code,
           left(t.code, 6) AS district,
           CASE WHEN length(t.code) > 9 THEN left(t.code, 9) END AS street,
           CASE WHEN length(t.code) > 12 THEN left(t.code, 12) END AS community,
           t.households,
           ST_AsMVTGeom(t.geom, ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
      FROM tile_unit t
     WHERE t.layer = @layer@
       AND t.gen_zoom = (SELECT min(b.gen_zoom) FROM tile_band b WHERE b.layer = @layer@ AND b.gen_zoom >= $1)
       AND t.geom && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096)
       AND t.valid_from <= now()
     ORDER BY t.code) f), '')
  ||
  coalesce((SELECT ST_AsMVT(l, @label@, 4096, 'geom', 'fid') FROM (
    SELECT t.fid, t.code, t.name, t.level,
           ST_AsMVTGeom(t.label, ST_TileEnvelope($1, $2, $3), 4096, 0, true) AS geom
      FROM tile_unit t
     WHERE t.layer = @layer@ AND t.gen_zoom = 32
       AND t.label && ST_TileEnvelope($1, $2, $3)
       AND t.valid_from <= now()
     ORDER BY t.code) l), '')`

// unitLayerSQL returns the statement drawing a unit layer.
func unitLayerSQL(layer string) string {
	switch layer {
	case "district", "street", "community", "grid":
	default:
		panic(fmt.Sprintf("tiles: no unit layer %q", layer)) // a programming error, caught by every test
	}
	return strings.NewReplacer("@layer@", "'"+layer+"'", "@label@", "'"+layer+"_label'").Replace(unitLayerTemplate)
}

// enclaveSQL draws the enclaves and their label points.
const enclaveSQL = `
SELECT ` + versionsExpr + `,
  (SELECT extract(epoch FROM min(p.valid_from) - now())::float8 FROM tile_enclave p WHERE p.valid_from > now()),
  coalesce((SELECT ST_AsMVT(f, 'enclave', 4096, 'geom', 'fid') FROM (
    SELECT t.fid, t.code, t.name, t.status, t.managing_code,
           (ARRAY['district', 'street', 'community', 'grid', 'microgrid'])[(length(t.managing_code) - 3) / 3] AS managing_level,
           ST_AsMVTGeom(t.geom, ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
      FROM tile_enclave t
     WHERE t.gen_zoom = (SELECT min(b.gen_zoom) FROM tile_band b WHERE b.layer = 'enclave' AND b.gen_zoom >= $1)
       AND t.geom && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096)
       AND t.valid_from <= now()
     ORDER BY t.code) f), '')
  ||
  coalesce((SELECT ST_AsMVT(l, 'enclave_label', 4096, 'geom', 'fid') FROM (
    SELECT t.fid, t.code, t.name, t.status,
           ST_AsMVTGeom(t.label, ST_TileEnvelope($1, $2, $3), 4096, 0, true) AS geom
      FROM tile_enclave t
     WHERE t.gen_zoom = 32
       AND t.label && ST_TileEnvelope($1, $2, $3)
       AND t.valid_from <= now()
     ORDER BY t.code) l), '')`

// versionsSQL reads the data version the database is at and every layer's
// (a row with no layer when there are none yet), in one snapshot.
const versionsSQL = `SELECT h.version, d.layer, d.version FROM data_head h LEFT JOIN data_version d ON true`

// relationExistsSQL tells whether a relation (a table a layer requires) exists.
const relationExistsSQL = `SELECT to_regclass($1) IS NOT NULL`

// boundsSQL is the extent of the current districts in WGS84, for TileJSON.
const boundsSQL = `
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
  FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom), 3857), 4326) AS e
          FROM tile_unit WHERE layer = 'district' AND gen_zoom = 32 AND valid_from <= now()) s
 WHERE e IS NOT NULL`

// bandsSQL lists the generalisation bands per layer, for the catalog.
const bandsSQL = `SELECT layer, array_agg(gen_zoom ORDER BY gen_zoom) FROM tile_band GROUP BY layer`
