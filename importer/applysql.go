package importer

// The versioned commit, as static statements over the staging table. $1 is
// the instant that closes old versions and starts new ones.

// movedSQL marks the features whose geometry differs from their current
// version's (createActionSQL marks every feature moved first: a new unit
// is all new ground). Geometry counts as unchanged when it is
// bit-identical, or has the same vertices within 1e-9° (0.1 mm): a file
// that went through a projected CRS and back must not make a new version
// of every unit.
const movedSQL = `
UPDATE import_stage s
SET moved = NOT (u.geom = s.fixed OR (ST_NPoints(u.geom) = ST_NPoints(s.fixed) AND ST_HausdorffDistance(u.geom, s.fixed) < 1e-9))
FROM unit u WHERE u.code = s.code AND u.valid_to IS NULL AND s.ok`

// classifySQL marks each feature with a current version keep (nothing
// changed) or change.
const classifySQL = `
UPDATE import_stage s SET action = CASE
    WHEN u.name = s.name AND u.parent_code IS NOT DISTINCT FROM s.parent_code AND u.level = s.level
     AND u.properties = s.props AND NOT s.moved
    THEN 'keep' ELSE 'change' END
FROM unit u WHERE u.code = s.code AND u.valid_to IS NULL AND s.ok`

const createActionSQL = `UPDATE import_stage SET action = 'create', moved = true WHERE ok`

// keptPropsSQL lists the properties stored units have and the file has no
// column for, with how many units have each; mergePropsSQL then keeps them:
// a file of boundaries alone must not wipe households and phones. A column
// the file has replaces the value, an empty one included.
const keptPropsSQL = `
SELECT k, count(*) FROM import_stage s JOIN unit u ON u.code = s.code AND u.valid_to IS NULL,
       jsonb_object_keys(u.properties) AS k
WHERE s.ok AND NOT s.props ? k GROUP BY k ORDER BY k`

const mergePropsSQL = `
UPDATE import_stage s SET props = u.properties || s.props
FROM unit u WHERE u.code = s.code AND u.valid_to IS NULL AND s.ok AND u.properties <> '{}'`

const countActionsSQL = `SELECT action, count(*) FROM import_stage WHERE ok GROUP BY action`

// closeChangedSQL closes the current version of every changed code.
const closeChangedSQL = `
UPDATE unit u SET valid_to = $1 FROM import_stage s
WHERE s.ok AND s.action = 'change' AND u.code = s.code AND u.valid_to IS NULL`

// lockClosedSQL locks the current versions the import may close: those of
// the file's codes and those retireSQL retires ($1-$3 as retiredSQL's),
// and counts them. Those of every code in the file, changed or not: the
// file is compared with them, and the properties it has no column for
// copied from them, once they are locked; compared before, an edit
// committed in between was answered 200 and then undone by the import's
// version of the copy read before it (an attacker, 5 runs of 6). Locked in
// the order of their codes, a parent's before its children's, as a single
// edit holds a parent before it writes a child; each set is an index's to
// find (asked for in one condition joined by OR, they were found by
// reading every unit: 100 ms of a one-feature import at province scale).
const lockClosedSQL = `
SELECT count(*) FROM (
  SELECT 1 FROM unit u
  WHERE u.valid_to IS NULL AND u.code IN (
    SELECT s.code FROM import_stage s WHERE s.ok
    UNION ALL
    SELECT u.code FROM unit u WHERE u.valid_to IS NULL AND ` + retiredSQL + `)
  ORDER BY u.code COLLATE "C"
  FOR UPDATE OF u) locked`

// retireSQL closes the current units the file no longer has.
const retireSQL = `
UPDATE unit u SET valid_to = $4 WHERE u.valid_to IS NULL AND ` + retiredSQL + `
RETURNING u.code, coalesce(u.parent_code, ''), u.name, u.level`

// insertSQL adds the next version of every created or changed code.
const insertSQL = `
INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
SELECT s.code, s.level, s.name, s.parent_code, s.fixed, s.props,
       coalesce((SELECT max(v.version) FROM unit v WHERE v.code = s.code), 0) + 1, $1, gridmap_actor()
FROM import_stage s WHERE s.ok AND s.action IN ('create', 'change') ORDER BY s.code`

// repairLogSQL records the repairs that were committed.
const repairLogSQL = `
INSERT INTO repair_log (source, code, reason, area_before_m2, area_after_m2)
SELECT $1, code, reason, ST_Area(geom::geography), ST_Area(fixed::geography)
FROM import_stage WHERE ok AND reason IS NOT NULL AND action IN ('create', 'change')`

// affectedSQL lists the parents the file touches: the parents of its
// features, its features as parents, and the retired units and their
// parents ($1).
const affectedSQL = `
SELECT coalesce(array_agg(DISTINCT c), '{}') FROM (
  SELECT parent_code AS c FROM import_stage WHERE ok
  UNION SELECT code FROM import_stage WHERE ok
  UNION SELECT unnest($1::text[])) x
WHERE c IS NOT NULL`

// whereOutsideSQL is the area of current unit $1 and the finest other
// current unit (not one of its own descendants) at a point of it.
const whereOutsideSQL = `
SELECT ST_Area(u.geom::geography), w.code, w.name
FROM unit u LEFT JOIN LATERAL (
  SELECT c.code, c.name FROM unit c
  WHERE c.valid_to IS NULL AND c.code <> u.code AND NOT starts_with(c.code, u.code)
    AND c.geom && u.geom AND ST_Covers(c.geom, ST_PointOnSurface(u.geom))
  ORDER BY length(c.code) DESC, c.code LIMIT 1) w ON true
WHERE u.code = $1 AND u.valid_to IS NULL`

// auditAffectedSQL computes the findings under the affected parents ($1)
// with the import's tolerance ($2, $3), for the report only.
const auditAffectedSQL = `
SELECT f.kind, f.parent_code, f.level, f.codes, f.area_m2,
       ST_X(ST_PointOnSurface(f.geom)), ST_Y(ST_PointOnSurface(f.geom))
FROM gridmap_audit_compute($1::text[], $2, $3) f
ORDER BY f.parent_code, f.kind, f.codes`

// storeAffectedSQL refreshes the stored findings under the affected
// parents and under every parent this transaction made dirty and returns
// them for the report: one pass serves both, when the import uses the
// stored tolerance. An edit is checked by the same function.
const storeAffectedSQL = `
SELECT kind, parent_code, level, codes, area_m2, x, y FROM gridmap_audit_store_dirty($1::text[])`

// storedToleranceSQL is the tolerance the stored findings use.
const storedToleranceSQL = `SELECT min_area_m2, min_width_m FROM audit_config`

// orphansSQL counts the current children left under retired units,
// naming the first by code.
const orphansSQL = `
SELECT parent_code, count(*), min(code COLLATE "C") FROM unit
WHERE valid_to IS NULL AND parent_code = ANY($1::text[]) GROUP BY parent_code ORDER BY parent_code`

// unmanagedSQL counts the current enclaves whose managing unit was retired,
// naming the first by code in byte order (as Go orders codes).
const unmanagedSQL = `
SELECT managing_code, count(*), min(code COLLATE "C") FROM enclave
WHERE valid_to IS NULL AND managing_code = ANY($1::text[]) GROUP BY managing_code ORDER BY managing_code`
