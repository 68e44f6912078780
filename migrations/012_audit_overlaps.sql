-- The coverage audit looks for overlaps between units of one level whatever
-- their parents, and says where a child outside its parent lies.
--
-- Overlaps were looked for among siblings only, so a grid drawn wholly inside
-- another district — its community in district A, its polygon over B's grids —
-- was reported only as sticking out of its parent, and the land it shares with
-- B's grids, where points resolve to one of them silently, not at all. Now the
-- children of every audited parent are compared with every current unit of
-- their level (a && join on the spatial index, not a loop over pairs), with
-- the same test as before (interiors meet: ST_Relate '2********'), the same
-- overlay and the same sliver rule. Districts have no parent: their overlaps
-- stay the import's and the edit's check (gridmap_overlap_pairs).
--
-- An enclave (飞地) is land inside one unit's territory that another unit
-- manages. Where the managing unit's boundary is drawn over it, the two units
-- overlap by design: the part of an overlap that lies in a current enclave
-- managed by one of the two units, one of its ancestors or one of its
-- descendants — and not the other too — is not a defect and is left out
-- (points there resolve to the enclave first).
--
-- A finding now belongs to the parents of the units it is about
-- (audit_finding.parent_codes): an overlap across parents to both, so that it
-- is refreshed when either parent is and shows in the audit of either side;
-- everything else to its parent_code, as before. An overlap's parent_code is
-- the parent of its first code.
--
-- An outside finding names, after the child, the unit of the parent's level
-- in which most of the outside part lies (none when no unit covers it).
--
-- The audit's query runs without JIT: compiling its expressions took about
-- 1 s of the 1.1 s a two-parent refresh (a single edit) took at 50,000
-- grids, and ~1 s of a whole-city audit, for nothing gained (the time is in
-- GEOS). An edit's refresh looks its parents up by index instead of reading
-- every unit: it now takes ~60 ms there.

ALTER TABLE audit_finding ADD COLUMN parent_codes text[] NOT NULL DEFAULT '{}';
UPDATE audit_finding SET parent_codes = ARRAY[parent_code];
CREATE INDEX audit_finding_parent_codes_idx ON audit_finding USING gin (parent_codes);

-- gridmap_finding is one finding of gridmap_audit_findings.
CREATE TYPE gridmap_finding AS (kind text, parent_code text, level text, codes text[], geom geometry,
                                area_m2 double precision, parent_codes text[]);

-- gridmap_audit_findings is gridmap_audit_compute with the parents each
-- finding belongs to. The children of the audited parents are the units
-- whose overlaps are looked for; each overlapping pair comes once.
CREATE FUNCTION gridmap_audit_findings(parents text[], min_area double precision, min_width double precision)
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
  -- Their children.
  SELECT c.code, c.level, c.parent_code, c.geom FROM p CROSS JOIN LATERAL (
    SELECT c.code, c.level, c.parent_code, c.geom FROM unit c WHERE c.parent_code = p.code AND c.valid_to IS NULL) c
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

-- gridmap_audit_compute keeps its columns (the importer reads them).
CREATE OR REPLACE FUNCTION gridmap_audit_compute(parents text[], min_area double precision, min_width double precision)
RETURNS TABLE (kind text, parent_code text, level text, codes text[], geom geometry, area_m2 double precision)
LANGUAGE sql STABLE AS $$
  SELECT f.kind, f.parent_code, f.level, f.codes, f.geom, f.area_m2 FROM gridmap_audit_findings(parents, min_area, min_width) f
$$;

-- gridmap_audit_store as in migration 011, but an overlap across parents is
-- written by a refresh of either parent. A refresh of some parents locks
-- them and the parents on the other side of every overlap it may find
-- (more than 32: the whole audit's lock), so that a refresh of that other
-- parent running at the same time cannot write the same finding; an
-- overlap found across a parent it did not foresee (drawn there meanwhile)
-- is locked too and computed again. (Two refreshes that each see their own
-- side only — both units redrawn into each other at the same instant — can
-- still miss it until the next refresh.)
CREATE OR REPLACE FUNCTION gridmap_audit_store(parents text[])
RETURNS TABLE (kind text, parent_code text, level text, codes text[], geom geometry, area_m2 double precision)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  ps     text[] := gridmap_audit_store.parents;
  cfg    audit_config;
  before record;
  after  record;
  locked text[];
  more   text[];
  found  gridmap_finding[];
BEGIN
  SELECT * INTO cfg FROM audit_config;
  IF ps IS NOT NULL AND cardinality(ps) <= 32 THEN
    -- The parents on the other side of every overlap this refresh will
    -- find (same-level units whose interiors meet the children's by more
    -- than a sliver: not mere neighbours, whose refreshes need not wait for
    -- this one), locked with its own in one sorted pass: taking them after
    -- its own, as found, let two refreshes of the two sides of one overlap
    -- wait for each other.
    locked := ARRAY(SELECT DISTINCT c FROM (
        SELECT unnest(ps) AS c
        UNION ALL
        -- (level compared as a filter: as an index condition the planner
        -- scanned every unit of the level per child, 3x slower at 50k)
        SELECT o.parent_code FROM unit k JOIN unit o ON o.geom && k.geom AND (o.level = k.level) IS TRUE
          CROSS JOIN LATERAL (SELECT ST_Intersection(o.geom, k.geom)::geography AS g) i
         WHERE k.parent_code = ANY(ps) AND k.valid_to IS NULL AND o.valid_to IS NULL
           AND o.parent_code IS NOT NULL AND o.parent_code <> k.parent_code
           AND ST_Relate(o.geom, k.geom, '2********')
           AND NOT gridmap_is_sliver(ST_Area(i.g), ST_Perimeter(i.g), cfg.min_area_m2, cfg.min_width_m)) x ORDER BY c);
  END IF;
  IF locked IS NULL OR cardinality(locked) > 32 THEN
    PERFORM pg_advisory_xact_lock(7453301562447230297); -- "gridmap audit"
    locked := NULL;
  ELSE
    PERFORM pg_advisory_xact_lock_shared(7453301562447230297);
    PERFORM pg_advisory_xact_lock(hashtextextended('gridmap audit/' || l.c, 0))
       FROM (SELECT c FROM unnest(locked) AS c ORDER BY c) l;
  END IF;
  LOOP
    found := ARRAY(SELECT f FROM gridmap_audit_findings(ps, cfg.min_area_m2, cfg.min_width_m) f);
    EXIT WHEN locked IS NULL;
    more := ARRAY(SELECT DISTINCT c FROM unnest(found) f, unnest(f.parent_codes) c
                  WHERE f.kind = 'overlap' AND c <> ALL (locked) ORDER BY c);
    EXIT WHEN cardinality(more) = 0;
    PERFORM pg_advisory_xact_lock(hashtextextended('gridmap audit/' || l.c, 0))
       FROM (SELECT c FROM unnest(more) AS c ORDER BY c) l;
    locked := locked || more;
  END LOOP;
  SELECT * INTO before FROM gridmap_gap_summary(ps);
  DELETE FROM audit_finding f WHERE ps IS NULL OR f.parent_codes && ps;
  INSERT INTO audit_finding (kind, parent_code, level, codes, geom, area_m2, parent_codes)
    SELECT f.kind, f.parent_code, f.level, f.codes, f.geom, f.area_m2, f.parent_codes
    FROM unnest(found) f WHERE f.kind <> 'sliver';
  RETURN QUERY SELECT f.kind, f.parent_code, f.level, f.codes, f.geom, f.area_m2 FROM unnest(found) f;
  SELECT * INTO after FROM gridmap_gap_summary(ps);
  IF after.digest IS DISTINCT FROM before.digest THEN
    INSERT INTO event_log (kind, codes, data) VALUES ('audit.changed',
      CASE WHEN ps IS NULL THEN ARRAY[''] ELSE gridmap_event_codes(ps) END,
      jsonb_build_object('gaps', after.n, 'area_m2', round(after.area_m2::numeric, 1),
        'gaps_before', before.n, 'area_m2_before', round(before.area_m2::numeric, 1),
        'parents', CASE WHEN ps IS NULL THEN NULL ELSE to_jsonb(ps[1:20]) END));
  END IF;
  PERFORM gridmap_bump(ARRAY['gap']);
END $$;

-- An enclave's change changes what is an overlap where it lies: the
-- parents of the units its old and new boundaries reach are refreshed at
-- commit, as a unit's change refreshes its parent.
CREATE FUNCTION gridmap_audit_mark_area(area geometry[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO audit_dirty (codes)
    SELECT array_agg(DISTINCT u.parent_code) FROM unnest(area) AS e(geom)
      JOIN unit u ON u.valid_to IS NULL AND u.geom && e.geom AND u.parent_code IS NOT NULL
    HAVING count(*) > 0
$$;

CREATE FUNCTION gridmap_audit_enclave_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM gridmap_audit_mark_area(ARRAY(SELECT geom FROM new_rows));
  RETURN NULL;
END $$;

CREATE FUNCTION gridmap_audit_enclave_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM gridmap_audit_mark_area(ARRAY(SELECT geom FROM old_rows));
  RETURN NULL;
END $$;

CREATE FUNCTION gridmap_audit_enclave_both() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM gridmap_audit_mark_area(ARRAY(SELECT geom FROM new_rows UNION ALL SELECT geom FROM old_rows));
  RETURN NULL;
END $$;

CREATE TRIGGER enclave_audit_inserted AFTER INSERT ON enclave
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_audit_enclave_new();
CREATE TRIGGER enclave_audit_updated AFTER UPDATE ON enclave
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_audit_enclave_both();
CREATE TRIGGER enclave_audit_deleted AFTER DELETE ON enclave
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_audit_enclave_old();

-- The stored findings follow the new rules at once.
SELECT gridmap_audit_refresh(NULL);
