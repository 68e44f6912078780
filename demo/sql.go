package demo

// The demo city is synthesised in PostGIS with static statements; values
// arrive as bound parameters (arrays for whole levels at once).

// insertDistrictSQL stores one real district, repaired with ST_MakeValid
// (polygonal parts kept), and logs the repair if one was needed.
const insertDistrictSQL = `
WITH src AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($3::text), 4326) AS raw),
fixed AS (
  SELECT raw, ST_Multi(ST_CollectionExtract(ST_MakeValid(raw), 3)) AS geom,
         ST_IsValid(raw) AS was_valid, ST_IsValidReason(raw) AS reason FROM src
), ins AS (
  INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
  SELECT $1, 'district', $2, NULL, geom, '{}', 1, $4, gridmap_actor() FROM fixed
)
INSERT INTO repair_log (source, code, reason, area_before_m2, area_after_m2)
SELECT 'demo', $1, reason, ST_Area(raw::geography), ST_Area(geom::geography) FROM fixed WHERE NOT was_valid
RETURNING reason`

// subdivideSQL splits each parent into as many children as it has, as
// Voronoi cells of seeded random points clipped to the parent, so that the
// children tile their parent. Cells are numbered north to south, then west to
// east, and matched to the children in code order. Grids get synthetic
// households, grid worker and phone, derived from their code.
const subdivideSQL = `
WITH kids AS (
  SELECT k.code, k.name, k.parent,
         row_number() OVER (PARTITION BY k.parent ORDER BY k.code) AS ord,
         count(*) OVER (PARTITION BY k.parent) AS n
  FROM unnest($1::text[], $2::text[], $3::text[]) AS k(code, name, parent)
), parents AS (
  SELECT u.code, u.geom, max(k.n)::int AS n
  FROM unit u JOIN kids k ON k.parent = u.code
  WHERE u.valid_to IS NULL
  GROUP BY u.code, u.geom
), cells AS (
  SELECT p.code AS parent, p.geom AS parent_geom, d.geom AS cell
  FROM parents p,
  LATERAL ST_Dump(CASE WHEN p.n = 1 THEN p.geom ELSE
      ST_VoronoiPolygons(ST_GeneratePoints(p.geom, p.n, (p.code::bigint % 2147483000)::int + 1), 0, ST_Envelope(p.geom))
    END) AS d
), clipped AS (
  SELECT parent, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Intersection(cell, parent_geom)), 3)) AS geom
  FROM cells
), numbered AS (
  SELECT parent, geom,
         row_number() OVER (PARTITION BY parent
           ORDER BY ST_Y(ST_PointOnSurface(geom)) DESC, ST_X(ST_PointOnSurface(geom))) AS ord
  FROM clipped WHERE NOT ST_IsEmpty(geom)
)
INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
SELECT k.code, $4, k.name, k.parent, n.geom,
  CASE WHEN $4 = 'grid' THEN jsonb_build_object(
    'households', 300 + abs(hashtext(k.code)) % 201,
    'grid_worker', (ARRAY['王','李','张','刘','陈','杨','赵','黄','周','吴','徐','孙'])[1 + abs(hashtext(k.code || 's')) % 12]
                || (ARRAY['伟','芳','娜','敏','静','丽','强','磊','洋','艳','勇','军','杰','娟','涛','超'])[1 + abs(hashtext(k.code || 'g')) % 16],
    'phone', '138' || lpad((abs(hashtext(k.code || 'p')) % 100000000)::text, 8, '0'))
  ELSE '{}'::jsonb END,
  1, $5, gridmap_actor()
FROM kids k JOIN numbered n ON n.parent = k.parent AND n.ord = k.ord`

// areasSQL returns the geodesic area of current units of the given codes.
const areasSQL = `SELECT code, ST_Area(geom::geography) FROM unit WHERE code = ANY($1) AND valid_to IS NULL ORDER BY code`

// dropGridSQL removes one grid entirely: land nobody took over (gap 1).
const dropGridSQL = `DELETE FROM unit WHERE code = $1 AND valid_to IS NULL`

// carveGapSQL cuts a round hole of radius $2 metres out of a grid around a
// point inside it, leaving an unassigned compound inside the community (gap 2).
const carveGapSQL = `
UPDATE unit SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(
    ST_Difference(geom, ST_Buffer(ST_PointOnSurface(geom)::geography, $2)::geometry)), 3))
WHERE code = $1 AND valid_to IS NULL`

// plantOverlapSQL grows grid $1 into its neighbour $2 by a disc of radius $3
// metres centred on their shared boundary, clipped to the neighbour.
const plantOverlapSQL = `
WITH a AS (SELECT geom FROM unit WHERE code = $1 AND valid_to IS NULL),
     b AS (SELECT geom FROM unit WHERE code = $2 AND valid_to IS NULL),
     p AS (SELECT ST_PointOnSurface(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom))) AS pt FROM a, b),
     blob AS (SELECT ST_Intersection(ST_Buffer(p.pt::geography, $3)::geometry, b.geom) AS g FROM p, b)
UPDATE unit SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(unit.geom, blob.g)), 3))
FROM blob WHERE unit.code = $1 AND unit.valid_to IS NULL`

// neighbourSQL finds the grid of the same community sharing the longest
// boundary with grid $1.
const neighbourSQL = `
SELECT o.code FROM unit g JOIN unit o
  ON o.parent_code = g.parent_code AND o.code <> g.code AND o.valid_to IS NULL AND ST_Intersects(o.geom, g.geom)
WHERE g.code = $1 AND g.valid_to IS NULL
ORDER BY ST_Length(ST_Intersection(ST_Boundary(o.geom), ST_Boundary(g.geom))) DESC, o.code LIMIT 1`

// insertEnclaveSQL places a square enclave of about $4 metres half-width
// inside district $5, at least $6 metres from district $7, at the spot of that
// band nearest the other district's centre: a site near their border.
const insertEnclaveSQL = `
WITH d AS (SELECT geom FROM unit WHERE code = $5 AND valid_to IS NULL),
     o AS (SELECT geom FROM unit WHERE code = $7 AND valid_to IS NULL),
     inner_band AS (SELECT ST_Difference(d.geom, ST_Buffer(o.geom::geography, $6)::geometry) AS g FROM d, o),
     c AS (SELECT ST_ClosestPoint(inner_band.g, ST_Centroid(o.geom)) AS pt FROM inner_band, o),
     sq AS (SELECT ST_Intersection(ST_Buffer(c.pt::geography, $4, 'endcap=square')::geometry, ST_Difference(d.geom, o.geom)) AS g FROM c, d, o)
INSERT INTO enclave (code, name, managing_code, status, reason, geom, properties, version, valid_from, created_by)
SELECT $1, $2, $3, 'custodial', $8, ST_Multi(ST_CollectionExtract(ST_MakeValid(g), 3)),
  jsonb_build_object('type', '不接壤插花地', 'households', 64), 1, $9, gridmap_actor()
FROM sq`

// resetSQL empties the boundary tables before a rebuild, and the recorded
// topology edits, whose answers name versions of the old ones.
const resetSQL = `TRUNCATE unit, enclave, change_log, repair_log, topology_request RESTART IDENTITY`

// countsSQL counts current units per level.
const countsSQL = `SELECT level, count(*) FROM unit WHERE valid_to IS NULL GROUP BY level`

// firstCommunitySQL returns the smallest community code of a street.
const firstCommunitySQL = `SELECT min(code) FROM unit WHERE level = 'community' AND parent_code = $1 AND valid_to IS NULL HAVING count(*) > 0`
