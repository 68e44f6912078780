-- Imports and the coverage audit.

-- import_job is one import, from the command line or the HTTP API. The
-- import itself is one transaction; this row is written outside it, so its
-- progress is visible while the import runs and its outcome survives a
-- rollback. A job whose process died stays "running" with an old
-- updated_at (the heartbeat); readers report it as interrupted.
CREATE TABLE import_job (
  id          bigserial PRIMARY KEY,
  status      text        NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'dry_run', 'rejected', 'failed')),
  actor       text        NOT NULL,
  source      text        NOT NULL,
  options     jsonb       NOT NULL DEFAULT '{}',
  phase       text        NOT NULL DEFAULT '',
  done        bigint      NOT NULL DEFAULT 0,
  total       bigint      NOT NULL DEFAULT 0,
  report      jsonb,
  error       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX import_job_created_idx ON import_job (created_at DESC);

-- gridmap_try_transform reprojects g to srid, or returns NULL when PROJ
-- cannot (coordinates outside the projection's domain): one hostile
-- feature must become a per-feature error, not abort the whole import.
CREATE FUNCTION gridmap_try_transform(g geometry, srid int) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  RETURN ST_Transform(g, srid);
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END $$;

-- gridmap_try_transform_proj is the same for a CRS known only by its WKT or
-- PROJ definition (a .prj that names no EPSG code).
CREATE FUNCTION gridmap_try_transform_proj(g geometry, from_proj text, srid int) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  RETURN ST_Transform(g, from_proj, srid);
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END $$;

-- gridmap_proj_ok reports whether PROJ understands a definition at all, so a
-- wrong .prj is refused once, before any feature is read into staging.
CREATE FUNCTION gridmap_proj_ok(from_proj text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  PERFORM ST_Transform(ST_SetSRID(ST_MakePoint(0, 0), 0), from_proj, 4326);
  RETURN true;
EXCEPTION WHEN OTHERS THEN
  RETURN false;
END $$;

-- The coverage audit. For every current unit that has current children:
-- gaps (the parent minus the union of its children), overlaps between
-- siblings and children outside their parent, as polygons with geodesic
-- areas. A piece is a sliver when its area is under min_area or its mean
-- width (2·area/perimeter) under min_width; pieces under 0.01 m² are
-- numerical noise of the overlay and dropped.

-- audit_config holds the tolerance the stored findings are computed with.
CREATE TABLE audit_config (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  min_area_m2 double precision NOT NULL DEFAULT 10 CHECK (min_area_m2 >= 0),
  min_width_m double precision NOT NULL DEFAULT 1 CHECK (min_width_m >= 0)
);
INSERT INTO audit_config DEFAULT VALUES;

-- gridmap_child_level is the level just below level.
CREATE FUNCTION gridmap_child_level(level text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (ARRAY['street', 'community', 'grid', 'microgrid'])[gridmap_level_rank(level) + 1]
$$;

-- gridmap_audit_compute returns the findings under the given parents (NULL:
-- every parent). The array is joined as a set (IN (SELECT unnest)), never
-- scanned per row with = ANY: an import passes some 50,000 codes. Gaps are
-- one row per polygon (each is one unmanaged area);
-- overlaps one row per pair of siblings, outside parts one row per child,
-- each with the union of its non-sliver pieces. Slivers come back as kind
-- 'sliver', one row per piece, so callers can count or show them.
CREATE FUNCTION gridmap_audit_compute(parents text[], min_area double precision, min_width double precision)
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
  SELECT m.*, (m.a < min_area OR (m.per > 0 AND 2 * m.a / m.per < min_width)) AS sliver
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

-- audit_finding holds the findings of the current boundaries, refreshed in
-- the same transaction as every boundary change (see below), so the map's
-- gap layer and GET /v1/audit are never stale.
CREATE TABLE audit_finding (
  id          bigserial PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('gap', 'overlap', 'outside')),
  parent_code text NOT NULL,
  level       text NOT NULL,
  codes       text[] NOT NULL DEFAULT '{}',
  geom        geometry(MultiPolygon, 4326) NOT NULL,
  area_m2     double precision NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_finding_parent_idx ON audit_finding (parent_code text_pattern_ops);
CREATE INDEX audit_finding_geom_idx ON audit_finding USING gist (geom);

-- gap is what the tile layer "gap" draws: the unmanaged areas (失管).
CREATE VIEW gap AS
  SELECT id, parent_code, level, geom, area_m2, computed_at FROM audit_finding WHERE kind = 'gap';

-- gridmap_audit_store recomputes the stored findings under the given
-- parents (NULL: all) with the stored tolerance, and returns everything it
-- computed, slivers included: the importer reports them from the same pass.
-- Refreshes take turns on an advisory lock, so two writers touching the same
-- parent cannot interleave their deletes and inserts; each statement sees
-- everything committed before it.
CREATE FUNCTION gridmap_audit_store(parents text[])
RETURNS TABLE (kind text, parent_code text, level text, codes text[], geom geometry, area_m2 double precision)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  cfg audit_config;
BEGIN
  PERFORM pg_advisory_xact_lock(7453301562447230297); -- "gridmap audit"
  SELECT * INTO cfg FROM audit_config;
  DELETE FROM audit_finding f WHERE parents IS NULL OR f.parent_code IN (SELECT unnest(parents));
  RETURN QUERY
    WITH c AS MATERIALIZED (SELECT * FROM gridmap_audit_compute(parents, cfg.min_area_m2, cfg.min_width_m)),
    ins AS (
      INSERT INTO audit_finding (kind, parent_code, level, codes, geom, area_m2)
      SELECT c.kind, c.parent_code, c.level, c.codes, c.geom, c.area_m2 FROM c WHERE c.kind <> 'sliver'
    )
    SELECT c.kind, c.parent_code, c.level, c.codes, c.geom, c.area_m2 FROM c;
  PERFORM gridmap_bump(ARRAY['gap']);
END $$;

-- gridmap_audit_refresh recomputes the stored findings under the given
-- parents (NULL: all) and returns how many there are.
CREATE FUNCTION gridmap_audit_refresh(parents text[]) RETURNS int
LANGUAGE sql AS $$
  SELECT count(*)::int FROM gridmap_audit_store(parents) f WHERE f.kind <> 'sliver'
$$;

-- audit_dirty collects, per transaction, the parents whose findings a
-- boundary change may have changed: the parent of every changed unit, and
-- the unit itself (its children may now stick out or leave gaps). One row
-- per statement (an array of codes), so that the deferred trigger that
-- refreshes them once at commit fires once per statement, not per unit,
-- whoever wrote: the importer, a single edit, the demo builder.
CREATE TABLE audit_dirty (
  codes text[] NOT NULL,
  xid   xid8   NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX audit_dirty_xid_idx ON audit_dirty (xid);

-- gridmap_audit_refresh_dirty refreshes this transaction's dirty parents.
-- It is cheap when there are none, so every deferred trigger event may call it.
CREATE FUNCTION gridmap_audit_refresh_dirty() RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  dirty text[];
BEGIN
  WITH gone AS (DELETE FROM audit_dirty WHERE xid = pg_current_xact_id() RETURNING codes)
  SELECT array_agg(DISTINCT c) INTO dirty FROM gone, unnest(gone.codes) AS c;
  IF dirty IS NULL THEN
    RETURN 0;
  END IF;
  RETURN gridmap_audit_refresh(dirty);
END $$;

CREATE FUNCTION gridmap_audit_mark_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_dirty (codes)
    SELECT array_agg(DISTINCT c) FROM new_rows, LATERAL (VALUES (parent_code), (code)) v(c)
    WHERE c IS NOT NULL HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE FUNCTION gridmap_audit_mark_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_dirty (codes)
    SELECT array_agg(DISTINCT c) FROM old_rows, LATERAL (VALUES (parent_code), (code)) v(c)
    WHERE c IS NOT NULL HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE FUNCTION gridmap_audit_mark_both() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_dirty (codes)
    SELECT array_agg(DISTINCT c) FROM (SELECT code, parent_code FROM new_rows UNION ALL SELECT code, parent_code FROM old_rows) r,
      LATERAL (VALUES (r.parent_code), (r.code)) v(c) WHERE c IS NOT NULL HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE FUNCTION gridmap_audit_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM audit_finding;
  PERFORM gridmap_bump(ARRAY['gap']);
  RETURN NULL;
END $$;

CREATE FUNCTION gridmap_audit_dirty_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM gridmap_audit_refresh_dirty();
  RETURN NULL;
END $$;

CREATE TRIGGER unit_audit_inserted AFTER INSERT ON unit
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_audit_mark_new();
CREATE TRIGGER unit_audit_updated AFTER UPDATE ON unit
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_audit_mark_both();
CREATE TRIGGER unit_audit_deleted AFTER DELETE ON unit
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_audit_mark_old();
CREATE TRIGGER unit_audit_truncated AFTER TRUNCATE ON unit
  FOR EACH STATEMENT EXECUTE FUNCTION gridmap_audit_truncated();
CREATE CONSTRAINT TRIGGER audit_dirty_commit AFTER INSERT ON audit_dirty
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION gridmap_audit_dirty_commit();
