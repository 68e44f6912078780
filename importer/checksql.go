package importer

// The checks that need PostGIS, as static statements over the staging
// table. $-parameters carry every value; nothing is spliced in.

// transformSQL reprojects to WGS-84 (SRID 4326) in one statement.
// CGCS2000 (4490) was mapped to 4326 before: they differ by centimetres.
const transformSQL = `
UPDATE import_stage SET geom = CASE
    WHEN $1::int = 4326 THEN ST_GeomFromWKB(wkb, 4326)
    WHEN $1::int > 0 THEN ST_Transform(ST_GeomFromWKB(wkb, $1::int), 4326)
    ELSE ST_Transform(ST_GeomFromWKB(wkb), $2::text, 4326) END
WHERE ok`

// safeTransformSQL is transformSQL feature by feature, for when PROJ
// refused some feature: those get NULL, reported below, instead of
// aborting the import. It is slower (a subtransaction per feature).
const safeTransformSQL = `
UPDATE import_stage SET geom = CASE
    WHEN $1::int = 4326 THEN ST_GeomFromWKB(wkb, 4326)
    WHEN $1::int > 0 THEN gridmap_try_transform(ST_GeomFromWKB(wkb, $1::int), 4326)
    ELSE gridmap_try_transform_proj(ST_GeomFromWKB(wkb), $2::text, 4326) END
WHERE ok`

// misplacedSQL finds features PROJ could not transform, or that land
// outside China (the GCJ-02 box of geo/crs.go): a wrong CRS.
const misplacedSQL = `
SELECT idx, code, geom IS NULL, coalesce(ST_XMin(geom), 0), coalesce(ST_YMin(geom), 0) FROM import_stage
WHERE ok AND (geom IS NULL OR NOT (ST_XMin(geom) >= 72 AND ST_XMax(geom) <= 138 AND ST_YMin(geom) >= 0.8 AND ST_YMax(geom) <= 56))
ORDER BY idx`

// invalidSQL records why and where each invalid geometry is invalid, as
// an edit is told (gridmap_invalid_detail, migration 008).
const invalidSQL = `
UPDATE import_stage s SET reason = d.reason, loc = d.location
FROM import_stage t CROSS JOIN LATERAL gridmap_invalid_detail(t.geom) d
WHERE t.ok AND s.idx = t.idx`

// repairSQL keeps valid geometry as it is and repairs the rest with
// ST_MakeValid, keeping only the polygonal parts.
const repairSQL = `
UPDATE import_stage SET fixed = ST_Multi(CASE WHEN reason IS NULL THEN geom
    ELSE ST_CollectionExtract(ST_MakeValid(geom), 3) END)
WHERE ok`

// repairsSQL lists the repairs with the areas before and after.
const repairsSQL = `
SELECT idx, code, reason, ST_X(loc), ST_Y(loc), ST_Area(geom::geography), coalesce(ST_Area(fixed::geography), 0),
       fixed IS NULL OR ST_IsEmpty(fixed)
FROM import_stage WHERE ok AND reason IS NOT NULL ORDER BY idx`

// markBadSQL takes features with errors out of the later checks.
const markBadSQL = `UPDATE import_stage SET ok = false WHERE idx = ANY($1)`

// retiredSQL is the condition under which --retire-missing closes a
// current unit u: its level is imported, it is under the scope, and the
// file does not have it. $1 retire, $2 levels, $3 scope (” for all).
const retiredSQL = `($1::boolean AND u.level = ANY($2::text[]) AND starts_with(u.code, $3::text)
    AND NOT EXISTS (SELECT 1 FROM import_stage x WHERE x.code = u.code))`

// holdParentsSQL holds the stored parents the file's units name until the
// import commits: a retirement of one (geo/postgres retireVersion) waits
// for it, then sees the children and is refused. Checked without a hold, a
// parent retired at the same moment was retired under the new children.
// Row locks, not a code's advisory lock: a file names thousands of parents.
const holdParentsSQL = `
SELECT 1 FROM unit u
WHERE u.valid_to IS NULL AND u.code IN (SELECT parent_code FROM import_stage WHERE parent_code IS NOT NULL)
FOR SHARE OF u`

// unknownParentSQL finds features whose parent is neither in the file nor
// a current unit that stays current.
const unknownParentSQL = `
SELECT s.idx, s.code, s.parent_code FROM import_stage s
WHERE s.parent_code IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM import_stage p WHERE p.code = s.parent_code)
  AND NOT EXISTS (SELECT 1 FROM unit u WHERE u.code = s.parent_code AND u.valid_to IS NULL AND NOT ` + retiredSQL + `)
ORDER BY s.idx`

// parentNameSQL finds features whose file names a parent (所属社区) other
// than the unit their code's prefix is: in the file, or stored and staying
// current. Committee suffixes aside; a parent found nowhere is told by
// unknownParentSQL.
var parentNameSQL = `
SELECT s.idx, s.code, s.parent_name, s.parent_code, p.name FROM import_stage s
CROSS JOIN LATERAL (
  SELECT x.name FROM import_stage x WHERE x.code = s.parent_code
  UNION ALL
  SELECT u.name FROM unit u WHERE u.code = s.parent_code AND u.valid_to IS NULL
    AND NOT EXISTS (SELECT 1 FROM import_stage y WHERE y.code = u.code)
  LIMIT 1) p
WHERE s.ok AND s.parent_name IS NOT NULL AND ` + bare("s.parent_name") + ` <> ` + bare("p.name") + `
ORDER BY s.idx`

// districtOverlapSQL checks districts, which have no parent for the audit
// to check them under, against each other: the file's and the stored ones
// that stay, with the function an edit of a district or an enclave uses
// (gridmap_overlap_pairs, migration 008). One row per overlapping pair.
// $4, $5 are the tolerance.
const districtOverlapSQL = `
WITH d AS (
  SELECT idx, code, fixed AS g FROM import_stage WHERE ok AND level = 'district'
  UNION ALL
  SELECT NULL::int, u.code, u.geom FROM unit u
  WHERE u.valid_to IS NULL AND u.level = 'district' AND NOT EXISTS (SELECT 1 FROM import_stage x WHERE x.code = u.code)
    AND NOT ` + retiredSQL + `
), arrays AS (
  SELECT array_agg(idx ORDER BY code) AS i, array_agg(code ORDER BY code) AS c, array_agg(g ORDER BY code) AS g FROM d
)
SELECT o.a_idx, o.a_code, o.b_idx, o.b_code, o.area_m2, o.sliver_m2, o.x, o.y
FROM arrays, gridmap_overlap_pairs(arrays.i, arrays.c, arrays.g, $4, $5) o`

// outsideScopeSQL measures, for an uploader scoped to unit $1, what of each
// staged feature lies outside that unit and its current descendants, as
// single edits are held (gridmap_outside, migration 015): pieces thinner
// than $2 metres on average (a shared edge drawn twice) are not counted,
// nor a feature's specks under $3 square metres in all.
// Features the unit covers are settled first (ST_CoveredBy, the unit's
// outline read once), so an import inside its scope pays for no
// differences.
const outsideScopeSQL = `
SELECT s.idx, s.code, sum(o.area_m2), ST_X(ST_PointOnSurface(ST_Collect(o.geom))), ST_Y(ST_PointOnSurface(ST_Collect(o.geom)))
FROM import_stage s, LATERAL gridmap_outside(s.fixed, $1, true, $2) o
WHERE s.ok AND s.fixed IS NOT NULL
  AND NOT ST_CoveredBy(s.fixed, coalesce((SELECT geom FROM unit WHERE code = $1 AND valid_to IS NULL), 'SRID=4326;MULTIPOLYGON EMPTY'::geometry))
GROUP BY s.idx, s.code HAVING sum(o.area_m2) >= $3 ORDER BY s.idx`
