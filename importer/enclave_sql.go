package importer

import "strings"

// The checks and the versioned commit of an enclave import, as static
// statements over the staging table (stage.go). The staged enclave's
// managing unit is "managing" as the file gives it and "managing_code" as
// found among the current units; its reason is "note" ("reason" holds why
// its geometry is invalid, as for units).

// bareName strips the committee's or office's suffix from a unit's name
// ($$n$$ stands for the name): enclave lists write 百合春天社区 for
// 百合春天社区居民委员会, and grid files 新华路街道 for 新华路街道办事处.
const bareName = `regexp_replace($$n$$, '(居民委员会|居委会|村民委员会|村委会|办事处|人民政府)$', '')`

// bare is bareName of the expression e.
func bare(e string) string { return strings.ReplaceAll(bareName, "$$n$$", e) }

// findManagingSQL looks the managing units up: a code stands for itself, a
// name for the one current unit of that name, committee suffixes aside
// (none when several share it).
var findManagingSQL = `
WITH names AS (
  SELECT DISTINCT managing, ` + bare("managing") + ` AS bare FROM import_stage WHERE ok AND managing !~ '^[0-9]+$'
), found AS (
  SELECT n.managing, min(u.code) AS code, count(*) AS n
  FROM names n JOIN unit u ON u.valid_to IS NULL AND ` + bare("u.name") + ` = n.bare
  GROUP BY n.managing
)
UPDATE import_stage s SET managing_code = CASE
    WHEN s.managing ~ '^[0-9]+$' THEN s.managing
    ELSE (SELECT f.code FROM found f WHERE f.managing = s.managing AND f.n = 1) END
WHERE s.ok`

// holdManagingSQL holds the managing units found until the import commits,
// as holdParentsSQL holds parents: their retirement waits, then sees the
// enclaves and is refused.
const holdManagingSQL = `
SELECT 1 FROM unit u
WHERE u.valid_to IS NULL AND u.code IN (SELECT managing_code FROM import_stage WHERE ok AND managing_code IS NOT NULL)
FOR SHARE OF u`

// unknownManagingSQL lists the enclaves whose managing unit is not a
// current unit, with how many current units carry the name given.
var unknownManagingSQL = `
SELECT s.idx, s.code, s.managing, s.managing ~ '^[0-9]+$',
       (SELECT count(*) FROM unit u WHERE u.valid_to IS NULL AND ` + bare("u.name") + ` = ` + bare("s.managing") + `),
       ST_X(ST_PointOnSurface(s.fixed)), ST_Y(ST_PointOnSurface(s.fixed))
FROM import_stage s
WHERE s.ok AND NOT EXISTS (SELECT 1 FROM unit u WHERE u.code = s.managing_code AND u.valid_to IS NULL)
ORDER BY s.idx`

// enclaveScopeSQL lists the enclaves an uploader scoped to $1 may not
// write: managed outside the scope, or replacing a stored enclave that is.
const enclaveScopeSQL = `
SELECT s.idx, s.code, CASE WHEN starts_with(s.managing_code, $1) THEN e.managing_code ELSE s.managing_code END
FROM import_stage s LEFT JOIN enclave e ON e.code = s.code AND e.valid_to IS NULL
WHERE s.ok AND (NOT starts_with(s.managing_code, $1) OR NOT starts_with(coalesce(e.managing_code, $1), $1))
ORDER BY s.idx`

// outsideDistrictsSQL finds the enclaves that lie outside every current
// district (wholly), or stick out of them by more than a sliver ($1, $2 the
// tolerance), with the area outside and a point there. Most enclaves lie
// within one district: ST_Covers settles them first, because cutting each
// out of the union of the districts its box touches took 34 ms an enclave
// (the CTEs are materialised so that the planner neither runs the union
// before the cheap test nor repeats it for every use).
const outsideDistrictsSQL = `
WITH covered AS MATERIALIZED (
  SELECT DISTINCT s.idx FROM unit u JOIN import_stage s ON s.ok AND u.geom && s.fixed AND ST_Covers(u.geom, s.fixed)
  WHERE u.valid_to IS NULL AND u.level = 'district'
), o AS MATERIALIZED (
  SELECT s.idx, s.code, s.fixed,
         (SELECT ST_Union(u.geom) FROM unit u WHERE u.valid_to IS NULL AND u.level = 'district' AND u.geom && s.fixed) AS d
  FROM import_stage s WHERE s.ok AND NOT EXISTS (SELECT 1 FROM covered c WHERE c.idx = s.idx)
), p AS (
  SELECT idx, code, fixed, d IS NULL OR NOT ST_Intersects(d, fixed) AS wholly,
         CASE WHEN d IS NOT NULL THEN ST_CollectionExtract(ST_Difference(fixed, d), 3) END AS outside
  FROM o
)
SELECT idx, code, wholly, coalesce(ST_Area(outside::geography), 0),
       ST_X(ST_PointOnSurface(CASE WHEN wholly THEN fixed ELSE outside END)),
       ST_Y(ST_PointOnSurface(CASE WHEN wholly THEN fixed ELSE outside END))
FROM p
WHERE wholly OR (NOT ST_IsEmpty(outside)
                 AND NOT gridmap_is_sliver(ST_Area(outside::geography), ST_Perimeter(outside::geography), $1, $2))
ORDER BY idx`

// ownChainSQL measures how much of each enclave its managing unit covers:
// a unit that covers most of it is one of the units it lies in.
const ownChainSQL = `
SELECT s.idx, s.code, m.code, m.level,
       coalesce(ST_Area(ST_Intersection(m.geom, s.fixed)::geography) / nullif(ST_Area(s.fixed::geography), 0), 0),
       ST_X(ST_PointOnSurface(s.fixed)), ST_Y(ST_PointOnSurface(s.fixed))
FROM import_stage s JOIN unit m ON m.code = s.managing_code AND m.valid_to IS NULL
WHERE s.ok AND m.geom && s.fixed AND ST_Intersects(m.geom, s.fixed)
ORDER BY s.idx`

// retiredEnclaveSQL is the condition under which --retire-missing closes a
// current enclave e: managed under the scope, and missing from the file.
// $1 retire, $2 scope (” for all).
const retiredEnclaveSQL = `($1::boolean AND starts_with(e.managing_code, $2::text)
    AND NOT EXISTS (SELECT 1 FROM import_stage x WHERE x.code = e.code))`

// enclaveOverlapSQL checks the file's enclaves against each other and
// against the stored ones that stay, with the function an edit of an
// enclave uses (gridmap_overlap_pairs, migration 008); $3, $4 are the
// tolerance. Nested enclaves are legitimate (the smallest wins), so every
// overlap is a warning to look at, not an error.
const enclaveOverlapSQL = `
WITH d AS (
  SELECT idx, code, fixed AS g FROM import_stage WHERE ok
  UNION ALL
  SELECT NULL::int, e.code, e.geom FROM enclave e
  WHERE e.valid_to IS NULL AND NOT EXISTS (SELECT 1 FROM import_stage x WHERE x.code = e.code)
    AND NOT ` + retiredEnclaveSQL + `
    AND EXISTS (SELECT 1 FROM import_stage y WHERE y.ok AND y.fixed && e.geom)
), arrays AS (
  SELECT array_agg(idx ORDER BY code) AS i, array_agg(code ORDER BY code) AS c, array_agg(g ORDER BY code) AS g FROM d
)
SELECT o.a_idx, o.a_code, o.b_idx, o.b_code, o.area_m2, o.sliver_m2, o.x, o.y
FROM arrays, gridmap_overlap_pairs(arrays.i, arrays.c, arrays.g, $3, $4) o`

// classifyEnclavesSQL marks each enclave create, keep or change, with the
// rule of classifySQL for geometry.
const classifyEnclavesSQL = `
UPDATE import_stage s SET action = CASE
    WHEN e.name = s.name AND e.managing_code = s.managing_code AND e.status = s.status AND e.reason = s.note
     AND e.properties = s.props
     AND (e.geom = s.fixed OR (ST_NPoints(e.geom) = ST_NPoints(s.fixed) AND ST_HausdorffDistance(e.geom, s.fixed) < 1e-9))
    THEN 'keep' ELSE 'change' END
FROM enclave e WHERE e.code = s.code AND e.valid_to IS NULL AND s.ok`

// closeChangedEnclavesSQL closes the current version of every changed enclave at $1.
const closeChangedEnclavesSQL = `
UPDATE enclave e SET valid_to = $1 FROM import_stage s
WHERE s.ok AND s.action = 'change' AND e.code = s.code AND e.valid_to IS NULL`

// lockClosedEnclavesSQL locks the current enclaves the import closes, as
// lockClosedSQL does units ($1 retire, $2 scope), and counts them.
const lockClosedEnclavesSQL = `
SELECT count(*) FROM (
  SELECT 1 FROM enclave e
  WHERE e.valid_to IS NULL AND e.code IN (
    SELECT s.code FROM import_stage s WHERE s.ok
    UNION ALL
    SELECT e.code FROM enclave e WHERE e.valid_to IS NULL AND ` + retiredEnclaveSQL + `)
  ORDER BY e.code COLLATE "C"
  FOR UPDATE OF e) locked`

// retireEnclavesSQL closes the current enclaves the file no longer has, at $3.
const retireEnclavesSQL = `
UPDATE enclave e SET valid_to = $3 WHERE e.valid_to IS NULL AND ` + retiredEnclaveSQL + `
RETURNING e.code, e.name`

// insertEnclavesSQL adds the next version of every created or changed enclave.
const insertEnclavesSQL = `
INSERT INTO enclave (code, name, managing_code, status, reason, geom, properties, version, valid_from, created_by)
SELECT s.code, s.name, s.managing_code, s.status, s.note, s.fixed, s.props,
       coalesce((SELECT max(v.version) FROM enclave v WHERE v.code = s.code), 0) + 1, $1, gridmap_actor()
FROM import_stage s WHERE s.ok AND s.action IN ('create', 'change') ORDER BY s.code`
