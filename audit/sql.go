package audit

// Static statements of the coverage audit; the computation itself is
// gridmap_audit_findings (migration 012, after 004 and 008, with the one
// sliver rule gridmap_is_sliver), so that the triggers that keep the stored
// findings fresh, the importer, single edits and this package run the same
// SQL.

// findingsSQL reads stored findings under a unit ($1 = ” for all): those
// of the unit itself and of every unit below it. An overlap across parents
// belongs to both parents, so it is read under either.
const findingsSQL = `
SELECT id, kind, parent_code, parent_codes, level, codes, area_m2, ST_AsBinary(geom),
       ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)), computed_at
FROM audit_finding f
WHERE starts_with(f.parent_code, $1) OR EXISTS (SELECT 1 FROM unnest(f.parent_codes) pc WHERE starts_with(pc, $1))
ORDER BY CASE kind WHEN 'gap' THEN 0 WHEN 'overlap' THEN 1 ELSE 2 END, area_m2 DESC, id`

// computeSQL computes findings without storing them, for a tolerance other
// than the stored one; slivers are left out as the stored findings leave
// them out. The parents are every unit under $1, so an overlap is found
// when either unit is under it, as findingsSQL reads it.
const computeSQL = `
SELECT 0::bigint, f.kind, f.parent_code, f.parent_codes, f.level, f.codes, f.area_m2, ST_AsBinary(f.geom),
       ST_X(ST_PointOnSurface(f.geom)), ST_Y(ST_PointOnSurface(f.geom)), now()
FROM gridmap_audit_findings(
  (SELECT array_agg(u.code) FROM unit u WHERE u.valid_to IS NULL AND starts_with(u.code, $1)), $2, $3) f
WHERE f.kind <> 'sliver'
ORDER BY CASE f.kind WHEN 'gap' THEN 0 WHEN 'overlap' THEN 1 ELSE 2 END, f.area_m2 DESC`

// refreshedSQL is when the stored findings under $1 were last refreshed:
// the latest refresh of every parent, or of one under $1 (migration 018).
const refreshedSQL = `
SELECT greatest((SELECT refreshed_at FROM audit_refresh WHERE parent_code = ''),
                (SELECT max(refreshed_at) FROM audit_refresh WHERE parent_code <> '' AND starts_with(parent_code, $1)))`

// parentsSQL counts the units under $1 that have children: what was audited.
const parentsSQL = `
SELECT count(*) FROM unit p WHERE p.valid_to IS NULL AND starts_with(p.code, $1)
  AND EXISTS (SELECT 1 FROM unit c WHERE c.parent_code = p.code AND c.valid_to IS NULL)`

// orphanEnclavesSQL lists current enclaves whose managing unit has no
// current version, managed from under $1 or lying in it.
const orphanEnclavesSQL = `
SELECT e.code, e.name, e.managing_code, ST_X(ST_PointOnSurface(e.geom)), ST_Y(ST_PointOnSurface(e.geom)),
       ST_Area(e.geom::geography)
FROM enclave e
WHERE e.valid_to IS NULL
  AND NOT EXISTS (SELECT 1 FROM unit m WHERE m.code = e.managing_code AND m.valid_to IS NULL)
  AND ($1 = '' OR starts_with(e.managing_code, $1)
       OR EXISTS (SELECT 1 FROM unit u WHERE u.code = $1 AND u.valid_to IS NULL AND ST_Intersects(u.geom, e.geom)))
ORDER BY e.code`

// orphanUnitsSQL lists current units under $1 whose parent has no current version.
const orphanUnitsSQL = `
SELECT u.code, u.level, u.parent_code, ST_X(ST_PointOnSurface(u.geom)), ST_Y(ST_PointOnSurface(u.geom))
FROM unit u
WHERE u.valid_to IS NULL AND u.parent_code IS NOT NULL AND starts_with(u.code, $1)
  AND NOT EXISTS (SELECT 1 FROM unit p WHERE p.code = u.parent_code AND p.valid_to IS NULL)
ORDER BY u.code`

const unitExistsSQL = `SELECT EXISTS (SELECT 1 FROM unit WHERE code = $1 AND valid_to IS NULL)`

const toleranceSQL = `SELECT min_area_m2, min_width_m FROM audit_config`

const setToleranceSQL = `UPDATE audit_config SET min_area_m2 = $1, min_width_m = $2`

const refreshSQL = `SELECT gridmap_audit_refresh(NULL)`
