-- One sliver rule, and the checks that imports and single edits share.
--
-- The coverage audit, the importer and single edits each wrote the sliver
-- rule out for themselves, and edits checked overlaps their own way. From
-- here on the rule is one function, the audit uses it, and an import and an
-- edit are checked by the same functions: gridmap_invalid_detail (is the
-- boundary valid, and if not why and where), gridmap_audit_store_dirty (what
-- the write left wrong under the parents it touched: gaps, overlaps between
-- siblings, children outside their parent) and gridmap_overlap_pairs
-- (overlaps among boundaries no parent's audit covers: districts, enclaves).

-- gridmap_is_sliver is the sliver rule. A piece of a gap or an overlap is a
-- sliver — the hairline difference that two independently drawn boundaries
-- always leave — when its geodesic area is under min_area (m²) or its mean
-- width, 2·area/perimeter, is under min_width (m). The tolerance in force is
-- audit_config's (by default 10 m² and 1 m, as geo.DefaultTolerance).
CREATE FUNCTION gridmap_is_sliver(area_m2 double precision, perimeter_m double precision,
                                  min_area double precision, min_width double precision)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT area_m2 < min_area OR (perimeter_m > 0 AND 2 * area_m2 / perimeter_m < min_width)
$$;

-- gridmap_audit_compute as migration 004 defined it, with the sliver rule
-- now called rather than written out.
CREATE OR REPLACE FUNCTION gridmap_audit_compute(parents text[], min_area double precision, min_width double precision)
RETURNS TABLE (kind text, parent_code text, level text, codes text[], geom geometry, area_m2 double precision)
LANGUAGE sql STABLE AS $$
WITH p AS MATERIALIZED (
  SELECT u.code, u.level, u.geom FROM unit u
  WHERE u.valid_to IS NULL AND (parents IS NULL OR u.code IN (SELECT unnest(parents)))
    AND EXISTS (SELECT 1 FROM unit c WHERE c.parent_code = u.code AND c.valid_to IS NULL)
), pieces AS (
  -- Children are looked up through unit_parent_idx, per parent.
  SELECT 'gap' AS kind, p.code AS parent_code, ARRAY[]::text[] AS codes,
         (ST_Dump(ST_CollectionExtract(ST_Difference(p.geom, k.geom), 3))).geom AS g
  FROM p CROSS JOIN LATERAL (SELECT ST_Union(c.geom) AS geom FROM unit c
                             WHERE c.parent_code = p.code AND c.valid_to IS NULL) k
  UNION ALL
  SELECT 'overlap', p.code, ARRAY[a.code, b.code],
         (ST_Dump(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3))).geom
  FROM p JOIN unit a ON a.parent_code = p.code AND a.valid_to IS NULL
         JOIN unit b ON b.parent_code = p.code AND b.valid_to IS NULL AND a.code < b.code AND a.geom && b.geom
  WHERE ST_Relate(a.geom, b.geom, '2********')
  UNION ALL
  SELECT 'outside', p.code, ARRAY[k.code],
         (ST_Dump(ST_CollectionExtract(ST_Difference(k.geom, p.geom), 3))).geom
  FROM p JOIN unit k ON k.parent_code = p.code AND k.valid_to IS NULL
  WHERE NOT ST_CoveredBy(k.geom, p.geom)
), measured AS (
  SELECT pieces.*, ST_Area(g::geography) AS a, ST_Perimeter(g::geography) AS per FROM pieces
), classified AS (
  SELECT m.*, gridmap_is_sliver(m.a, m.per, min_area, min_width) AS sliver
  FROM measured m WHERE m.a >= 0.01
)
SELECT c.kind, c.parent_code, gridmap_child_level(p.level), c.codes, ST_Multi(c.g), c.a
FROM classified c JOIN p ON p.code = c.parent_code WHERE c.kind = 'gap' AND NOT c.sliver
UNION ALL
SELECT c.kind, c.parent_code, gridmap_child_level(p.level), c.codes, ST_Multi(ST_Collect(c.g)), sum(c.a)
FROM classified c JOIN p ON p.code = c.parent_code WHERE c.kind <> 'gap' AND NOT c.sliver
GROUP BY c.kind, c.parent_code, p.level, c.codes
UNION ALL
SELECT 'sliver', c.parent_code, gridmap_child_level(p.level), c.codes, ST_Multi(c.g), c.a
FROM classified c JOIN p ON p.code = c.parent_code WHERE c.sliver
$$;

-- gridmap_invalid_detail says why and where g is invalid (ST_IsValidDetail),
-- and returns no row when it is valid. An import repairs what it reports;
-- an edit is refused with it.
CREATE FUNCTION gridmap_invalid_detail(g geometry)
RETURNS TABLE (reason text, location geometry)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT d.reason, d.location FROM ST_IsValidDetail(g) AS d WHERE NOT d.valid
$$;

-- gridmap_audit_store_dirty refreshes the stored findings under the parents
-- this transaction has made dirty and under extra, consuming the dirty marks
-- (so the commit does not compute them again), and returns every finding,
-- slivers included, with a point inside it: one pass keeps the stored audit
-- fresh and tells the writer — an import or an edit — what its change left
-- wrong.
CREATE FUNCTION gridmap_audit_store_dirty(extra text[])
RETURNS TABLE (kind text, parent_code text, level text, codes text[], area_m2 double precision,
               x double precision, y double precision)
LANGUAGE sql AS $$
WITH gone AS (DELETE FROM audit_dirty WHERE xid = pg_current_xact_id() RETURNING codes),
all_codes AS (
  SELECT coalesce(array_agg(DISTINCT c), '{}') AS codes FROM ( -- never NULL: NULL would mean every parent
    SELECT unnest(extra) AS c UNION SELECT unnest(g.codes) FROM gone g) x
  WHERE c IS NOT NULL
)
SELECT f.kind, f.parent_code, f.level, f.codes, f.area_m2,
       ST_X(ST_PointOnSurface(f.geom)), ST_Y(ST_PointOnSurface(f.geom))
FROM all_codes, gridmap_audit_store(all_codes.codes) f
ORDER BY f.parent_code, f.kind, f.codes
$$;

-- gridmap_overlap_pairs finds the overlaps among boundaries that no parent's
-- audit checks against each other: districts (they have no parent) and
-- enclaves (they may nest). The boundaries come as parallel arrays; idx is
-- NULL for those stored and not being written, and only pairs with at least
-- one boundary being written are returned, once each (a_code < b_code), with
-- the area of the pieces that are not slivers, the area of those that are,
-- and a point in the largest piece (one that is not a sliver, if any).
-- Pieces under 0.01 m² are numerical noise of the overlay.
CREATE FUNCTION gridmap_overlap_pairs(idx int[], codes text[], geoms geometry[],
                                      min_area double precision, min_width double precision)
RETURNS TABLE (a_idx int, a_code text, b_idx int, b_code text, area_m2 double precision,
               sliver_m2 double precision, x double precision, y double precision)
LANGUAGE sql STABLE AS $$
WITH d AS (
  SELECT * FROM unnest(idx, codes, geoms) AS t(i, code, g)
), pieces AS (
  SELECT a.i AS ai, a.code AS ac, b.i AS bi, b.code AS bc,
         (ST_Dump(ST_CollectionExtract(ST_Intersection(a.g, b.g), 3))).geom AS p
  FROM d a JOIN d b ON a.code < b.code AND a.g && b.g
  WHERE (a.i IS NOT NULL OR b.i IS NOT NULL) AND ST_Relate(a.g, b.g, '2********')
), measured AS (
  SELECT pieces.*, ST_Area(p::geography) AS area, ST_Perimeter(p::geography) AS per FROM pieces
), classified AS (
  SELECT m.*, gridmap_is_sliver(m.area, m.per, min_area, min_width) AS sliver FROM measured m WHERE m.area >= 0.01
), largest AS (
  SELECT ai, ac, bi, bc, coalesce(sum(area) FILTER (WHERE NOT sliver), 0) AS real_m2,
         coalesce(sum(area) FILTER (WHERE sliver), 0) AS sliver_m2,
         ST_PointOnSurface((array_agg(p ORDER BY sliver, area DESC))[1]) AS at
  FROM classified GROUP BY ai, ac, bi, bc
)
SELECT ai, ac, bi, bc, real_m2, sliver_m2, ST_X(at), ST_Y(at) FROM largest ORDER BY ac, bc
$$;
