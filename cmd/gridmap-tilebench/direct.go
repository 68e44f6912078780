package main

import (
	"strings"

	"github.com/gridmap-dev/gridmap/tiles"
)

// The baseline: what one would serve straight from PostGIS without gridmap's
// side tables — one ST_AsMVT statement over the base tables, reprojecting
// every geometry per request (ST_Transform), filtering with the tile
// envelope transformed to 4326, and computing the label points on the fly,
// so that it returns the same layers as the service.

const directUnit = `
coalesce((SELECT ST_AsMVT(f, '@layer@', 4096, 'geom', 'fid') FROM (
  SELECT gridmap_tile_fid(u.code) AS fid, u.code, u.name, u.level, u.parent_code,
         left(u.code, 6) AS district,
         CASE WHEN length(u.code) > 9 THEN left(u.code, 9) END AS street,
         CASE WHEN length(u.code) > 12 THEN left(u.code, 12) END AS community,
         CASE WHEN jsonb_typeof(u.properties -> 'households') = 'number'
              THEN round((u.properties ->> 'households')::numeric)::int END AS households,
         ST_AsMVTGeom(ST_Transform(u.geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
    FROM unit u
   WHERE u.level IN (@levels@) AND u.valid_to IS NULL AND u.valid_from <= now()
     AND u.geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)
   ORDER BY u.code) f), '')
|| coalesce((SELECT ST_AsMVT(l, '@layer@_label', 4096, 'geom', 'fid') FROM (
  SELECT gridmap_tile_fid(u.code) AS fid, u.code, u.name, u.level,
         ST_AsMVTGeom(ST_PointOnSurface(ST_Transform(u.geom, 3857)), ST_TileEnvelope($1, $2, $3), 4096, 0, true) AS geom
    FROM unit u
   WHERE u.level IN (@levels@) AND u.valid_to IS NULL AND u.valid_from <= now()
     AND u.geom && ST_Transform(ST_TileEnvelope($1, $2, $3), 4326)
     AND ST_Intersects(ST_PointOnSurface(ST_Transform(u.geom, 3857)), ST_TileEnvelope($1, $2, $3))
   ORDER BY u.code) l), '')`

const directEnclave = `
coalesce((SELECT ST_AsMVT(f, 'enclave', 4096, 'geom', 'fid') FROM (
  SELECT gridmap_tile_fid(e.code) AS fid, e.code, e.name, e.status, e.managing_code,
         (ARRAY['district', 'street', 'community', 'grid', 'microgrid'])[(length(e.managing_code) - 3) / 3] AS managing_level,
         ST_AsMVTGeom(ST_Transform(e.geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
    FROM enclave e
   WHERE e.valid_to IS NULL AND e.valid_from <= now()
     AND e.geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)
   ORDER BY e.code) f), '')
|| coalesce((SELECT ST_AsMVT(l, 'enclave_label', 4096, 'geom', 'fid') FROM (
  SELECT gridmap_tile_fid(e.code) AS fid, e.code, e.name, e.status,
         ST_AsMVTGeom(ST_PointOnSurface(ST_Transform(e.geom, 3857)), ST_TileEnvelope($1, $2, $3), 4096, 0, true) AS geom
    FROM enclave e
   WHERE e.valid_to IS NULL AND e.valid_from <= now()
     AND e.geom && ST_Transform(ST_TileEnvelope($1, $2, $3), 4326)
     AND ST_Intersects(ST_PointOnSurface(ST_Transform(e.geom, 3857)), ST_TileEnvelope($1, $2, $3))
   ORDER BY e.code) l), '')`

// directSQL is the baseline statement for the layers drawn at zoom z, in
// the service's drawing order. The layer names come from gridmap's fixed
// registry; z, x and y are bound.
func directSQL(layers []*tiles.Layer, z int) string {
	var parts []string
	for _, l := range layers {
		if z < l.MinZoom || z > l.MaxZoom {
			continue
		}
		switch l.Name {
		case "enclave":
			parts = append(parts, directEnclave)
		case "grid":
			parts = append(parts, strings.NewReplacer("@layer@", "grid", "@levels@", "'grid', 'microgrid'").Replace(directUnit))
		default:
			parts = append(parts, strings.NewReplacer("@layer@", l.Name, "@levels@", "'"+l.Name+"'").Replace(directUnit))
		}
	}
	if len(parts) == 0 {
		return `SELECT ''::bytea`
	}
	return "SELECT " + strings.Join(parts, "\n|| ")
}
