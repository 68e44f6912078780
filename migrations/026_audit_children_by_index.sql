-- An edit's audit refresh read every current unit. The children of the
-- parents refreshed (gridmap_audit_findings' CTE k) were joined to p with
-- the join left to the planner, which plans the function once for any
-- array: it takes p for every parent (the branch for many, ~2,400 at
-- 50,000 grids), and once the table's statistics are current it hashes the
-- whole unit table to find one parent's children (55,000 rows read at
-- city scale, 308,000 at province scale, where it was 200 ms of a 270 ms
-- edit). OFFSET 0 keeps the children's subquery a probe of
-- unit_parent_idx per parent, whatever the estimate. The function is
-- otherwise as in migration 012.

CREATE OR REPLACE FUNCTION gridmap_audit_findings(parents text[], min_area double precision, min_width double precision)
RETURNS SETOF gridmap_finding
LANGUAGE sql STABLE SET jit = off AS $$
WITH p AS MATERIALIZED (
  -- Every parent, or those named: many (an import) in one pass over unit,
  -- the array hashed once; a few (an edit) looked up one by one. The
  -- conditions on the array alone decide, once, which branch runs.
  SELECT u.code, u.level, u.geom FROM unit u
  WHERE (parents IS NULL OR cardinality(parents) > 64)
    AND (parents IS NULL OR u.code IN (SELECT unnest(parents))) AND u.valid_to IS NULL
    AND EXISTS (SELECT 1 FROM unit c WHERE c.parent_code = u.code AND c.valid_to IS NULL)
  UNION ALL
  SELECT u.code, u.level, u.geom FROM (SELECT DISTINCT unnest(parents) AS code) x
    CROSS JOIN LATERAL (SELECT u.code, u.level, u.geom FROM unit u WHERE u.code = x.code AND u.valid_to IS NULL) u
  WHERE cardinality(parents) <= 64
    AND EXISTS (SELECT 1 FROM unit c WHERE c.parent_code = u.code AND c.valid_to IS NULL)
), k AS MATERIALIZED (
  -- Their children, by index per parent (OFFSET 0: see above).
  SELECT c.code, c.level, c.parent_code, c.geom FROM p CROSS JOIN LATERAL (
    SELECT c.code, c.level, c.parent_code, c.geom FROM unit c WHERE c.parent_code = p.code AND c.valid_to IS NULL OFFSET 0) c
), near AS MATERIALIZED (
  -- The box around each parent's children, where units of other parents
  -- may overlap them: one probe of the spatial index per parent.
  SELECT k.parent_code AS code, k.level, ST_Envelope(ST_Collect(k.geom)) AS box FROM k GROUP BY k.parent_code, k.level
), pairs AS (
  -- Siblings, compared within their parent.
  SELECT a.code AS ac, a.parent_code AS ap, b.code AS bc, b.parent_code AS bp, a.level AS lv,
         ST_Intersection(a.geom, b.geom) AS i, a.geom AS ag, b.geom AS bg
  FROM k a JOIN k b ON b.parent_code = a.parent_code AND a.code < b.code AND a.geom && b.geom
  WHERE ST_Relate(a.geom, b.geom, '2********')
  UNION ALL
  -- Units of the same level under other parents, found through the spatial
  -- index (OFFSET 0 keeps it a plain && probe), each pair once: from the
  -- smaller code when both sides are checked (p is hashed once).
  SELECT a.code, a.parent_code, b.code, b.parent_code, a.level, ST_Intersection(a.geom, b.geom), a.geom, b.geom
  FROM near CROSS JOIN LATERAL (
         SELECT o.code, o.level, o.parent_code, o.geom FROM unit o
         WHERE o.valid_to IS NULL AND o.geom && near.box AND o.level = near.level OFFSET 0) b
       JOIN k a ON a.parent_code = near.code AND a.geom && b.geom
  WHERE b.level = a.level AND b.parent_code <> a.parent_code
    AND (a.code < b.code OR b.parent_code NOT IN (SELECT p.code FROM p))
    AND ST_Relate(a.geom, b.geom, '2********')
), pieces AS (
  SELECT 'gap' AS kind, p.code AS pc, gridmap_child_level(p.level) AS lv, ARRAY[]::text[] AS cs, ARRAY[p.code] AS pcs,
         (ST_Dump(ST_CollectionExtract(ST_Difference(p.geom, kids.geom), 3))).geom AS g
  FROM p CROSS JOIN LATERAL (SELECT ST_Union(c.geom) AS geom FROM unit c
                             WHERE c.parent_code = p.code AND c.valid_to IS NULL) kids
  UNION ALL
  SELECT 'overlap', CASE WHEN pr.ac < pr.bc THEN pr.ap ELSE pr.bp END, pr.lv,
         ARRAY[least(pr.ac, pr.bc), greatest(pr.ac, pr.bc)],
         CASE WHEN pr.ap = pr.bp THEN ARRAY[pr.ap] ELSE ARRAY[least(pr.ap, pr.bp), greatest(pr.ap, pr.bp)] END,
         (ST_Dump(ST_CollectionExtract(CASE WHEN e.g IS NULL THEN pr.i ELSE ST_Difference(pr.i, e.g) END, 3))).geom
  FROM pairs pr CROSS JOIN LATERAL (
    SELECT ST_Union(e.geom) AS g FROM enclave e
    WHERE e.valid_to IS NULL AND e.geom && pr.ag AND e.geom && pr.bg
      -- exactly one side related to the manager: where both are (two
      -- grids of the community a street's enclave lies in), the manager's
      -- boundary explains neither, and their overlap is a defect.
      AND (starts_with(pr.ac, e.managing_code) OR starts_with(e.managing_code, pr.ac))
       <> (starts_with(pr.bc, e.managing_code) OR starts_with(e.managing_code, pr.bc))) e
  UNION ALL
  SELECT 'outside', p.code, gridmap_child_level(p.level), ARRAY[c.code], ARRAY[p.code],
         (ST_Dump(ST_CollectionExtract(ST_Difference(c.geom, p.geom), 3))).geom
  FROM p JOIN k c ON c.parent_code = p.code
  WHERE NOT ST_CoveredBy(c.geom, p.geom)
), classified AS (
  SELECT m.*, gridmap_is_sliver(m.a, m.per, min_area, min_width) AS sliver
  FROM (SELECT pieces.*, ST_Area(g::geography) AS a, ST_Perimeter(g::geography) AS per FROM pieces) m
  WHERE m.a >= 0.01
), grouped AS (
  SELECT c.kind, c.pc, c.lv, c.cs, c.pcs, ST_Multi(ST_Collect(c.g)) AS g, sum(c.a) AS a
  FROM classified c WHERE c.kind <> 'gap' AND NOT c.sliver
  GROUP BY c.kind, c.pc, c.lv, c.cs, c.pcs
)
SELECT c.kind, c.pc, c.lv, c.cs, ST_Multi(c.g), c.a, c.pcs
FROM classified c WHERE c.kind = 'gap' AND NOT c.sliver
UNION ALL
SELECT gr.kind, gr.pc, gr.lv,
       CASE WHEN gr.kind = 'outside' THEN gr.cs || ARRAY(
         -- the unit of the parent's level where most of the outside part lies
         SELECT o.code FROM unit o, p
         WHERE p.code = gr.pc AND o.valid_to IS NULL AND o.level = p.level AND o.code <> p.code
           AND o.geom && gr.g AND ST_Relate(o.geom, gr.g, '2********')
         ORDER BY ST_Area(ST_Intersection(o.geom, gr.g)) DESC, o.code LIMIT 1) ELSE gr.cs END,
       gr.g, gr.a, gr.pcs
FROM grouped gr
UNION ALL
SELECT 'sliver', c.pc, c.lv, c.cs, ST_Multi(c.g), c.a, c.pcs
FROM classified c WHERE c.sliver
$$;
