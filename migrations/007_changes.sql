-- The change record every gridmap node follows, on the primary and on hot
-- standbys alike, with commit-ordered data versions; and the coverage
-- audit refreshed per parent instead of under one city-wide lock.
--
-- Why not "rows with id > the last id seen": a sequence value is taken when
-- a row is written, not when its transaction commits, so a follower could
-- see version 42 before 41 commits and skip 41 for good. Instead every
-- transaction that changes boundaries takes its version from one row at
-- commit time (the deferred trigger below, after its slow work), holding
-- that row's lock until the commit is done: versions commit in order, and a
-- node that has read version v has every change up to v. Boundary edits
-- are rare, so queueing for a moment at commit costs little. NOTIFY stays
-- a doorbell on the primary; the rows are the truth.

-- data_head holds the latest committed data version, and how far old
-- change rows have been deleted (a node further behind rebuilds instead).
CREATE TABLE data_head (
  id             boolean PRIMARY KEY DEFAULT true CHECK (id),
  version        bigint  NOT NULL,
  pruned_through bigint  NOT NULL DEFAULT 0
);
INSERT INTO data_head (version) SELECT coalesce(max(version), 0) FROM data_version;

-- data_change is one row per changing statement: which unit or enclave
-- codes it touched, which tile layers ('layer'), or that the tables were
-- truncated ('reset'). version is NULL until the transaction commits.
CREATE TABLE data_change (
  id      bigserial   PRIMARY KEY,
  xid     xid8        NOT NULL DEFAULT pg_current_xact_id(),
  version bigint,
  entity  text        NOT NULL CHECK (entity IN ('unit', 'enclave', 'layer', 'reset')),
  codes   text[]      NOT NULL,
  at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_change_version_idx ON data_change (version);
CREATE INDEX data_change_pending_idx ON data_change (xid) WHERE version IS NULL;

-- gridmap_bump records that layers changed in this transaction; the
-- version is assigned at commit.
CREATE OR REPLACE FUNCTION gridmap_bump(layers text[]) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO data_change (entity, codes) VALUES ('layer', layers);
  RETURN NULL;
END $$;

-- gridmap_commit_changes runs once at the commit of a transaction that
-- recorded changes: it refreshes the audit of the parents the transaction
-- touched, then takes the next data version (and with it the lock that
-- orders commits), stamps the transaction's change rows, sets the versions
-- of the layers they name, and rings the doorbell.
CREATE FUNCTION gridmap_commit_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v      bigint;
  layers text[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM data_change WHERE xid = pg_current_xact_id() AND version IS NULL) THEN
    RETURN NULL; -- an earlier event of this transaction did it all
  END IF;
  PERFORM gridmap_audit_refresh_dirty();
  UPDATE data_head SET version = version + 1 RETURNING version INTO v;
  WITH stamped AS (
    UPDATE data_change SET version = v
     WHERE xid = pg_current_xact_id() AND version IS NULL
    RETURNING entity, codes
  )
  SELECT array_agg(DISTINCT l ORDER BY l) INTO layers
    FROM stamped, unnest(stamped.codes) AS l WHERE stamped.entity = 'layer';
  INSERT INTO data_version (layer, version) SELECT l, v FROM unnest(layers) AS l
    ON CONFLICT (layer) DO UPDATE SET version = EXCLUDED.version;
  PERFORM pg_notify('gridmap_changes', json_build_object('layers', coalesce(layers, '{}'), 'version', v)::text);
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER data_change_commit AFTER INSERT ON data_change
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION gridmap_commit_changes();

-- The audit is refreshed by gridmap_commit_changes now, before the version
-- is taken, so that the slow part does not hold the version lock.
DROP TRIGGER audit_dirty_commit ON audit_dirty;

-- The change-log triggers record the codes each statement touched.
CREATE OR REPLACE FUNCTION gridmap_unit_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_log (actor, entity, code, version, action)
    SELECT gridmap_actor(), 'unit', code, version, CASE WHEN version = 1 THEN 'create' ELSE 'update' END
    FROM new_rows;
  INSERT INTO data_change (entity, codes) SELECT 'unit', array_agg(DISTINCT code) FROM new_rows HAVING count(*) > 0;
  PERFORM gridmap_bump(array_agg(DISTINCT level)) FROM new_rows HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION gridmap_unit_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_log (actor, entity, code, version, action)
    SELECT gridmap_actor(), 'unit', n.code, n.version, 'close'
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE o.valid_to IS NULL AND n.valid_to IS NOT NULL;
  INSERT INTO data_change (entity, codes)
    SELECT 'unit', array_agg(DISTINCT code) FROM (SELECT code FROM new_rows UNION SELECT code FROM old_rows) c
    HAVING count(*) > 0;
  PERFORM gridmap_bump(array_agg(DISTINCT level)) FROM new_rows HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION gridmap_unit_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO data_change (entity, codes) SELECT 'unit', array_agg(DISTINCT code) FROM old_rows HAVING count(*) > 0;
  PERFORM gridmap_bump(array_agg(DISTINCT level)) FROM old_rows HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION gridmap_enclave_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_log (actor, entity, code, version, action)
    SELECT gridmap_actor(), 'enclave', code, version, CASE WHEN version = 1 THEN 'create' ELSE 'update' END
    FROM new_rows;
  INSERT INTO data_change (entity, codes) SELECT 'enclave', array_agg(DISTINCT code) FROM new_rows HAVING count(*) > 0;
  PERFORM gridmap_bump(ARRAY['enclave']) FROM new_rows HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION gridmap_enclave_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_log (actor, entity, code, version, action)
    SELECT gridmap_actor(), 'enclave', n.code, n.version, 'close'
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE o.valid_to IS NULL AND n.valid_to IS NOT NULL;
  INSERT INTO data_change (entity, codes)
    SELECT 'enclave', array_agg(DISTINCT code) FROM (SELECT code FROM new_rows UNION SELECT code FROM old_rows) c
    HAVING count(*) > 0;
  PERFORM gridmap_bump(ARRAY['enclave']) FROM new_rows HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION gridmap_enclave_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO data_change (entity, codes) SELECT 'enclave', array_agg(DISTINCT code) FROM old_rows HAVING count(*) > 0;
  PERFORM gridmap_bump(ARRAY['enclave']) FROM old_rows HAVING count(*) > 0;
  RETURN NULL;
END $$;

-- TRUNCATE names no rows: followers must rebuild.
CREATE FUNCTION gridmap_changes_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO data_change (entity, codes) VALUES ('reset', ARRAY[TG_TABLE_NAME::text]);
  RETURN NULL;
END $$;
CREATE TRIGGER unit_changes_truncated AFTER TRUNCATE ON unit
  FOR EACH STATEMENT EXECUTE FUNCTION gridmap_changes_reset();
CREATE TRIGGER enclave_changes_truncated AFTER TRUNCATE ON enclave
  FOR EACH STATEMENT EXECUTE FUNCTION gridmap_changes_reset();

-- gridmap_audit_store without the city-wide lock: a refresh of some
-- parents locks just those (in code order, so two refreshes cannot wait
-- for each other), sharing the city-wide lock that a whole-city refresh
-- (parents NULL) or a bulk one takes alone. Unrelated edits no longer queue behind each
-- other; two edits under one parent still take turns, so the second one
-- computes with the first one's committed boundaries.
CREATE OR REPLACE FUNCTION gridmap_audit_store(parents text[])
RETURNS TABLE (kind text, parent_code text, level text, codes text[], geom geometry, area_m2 double precision)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  cfg audit_config;
BEGIN
  IF parents IS NULL OR cardinality(parents) > 256 THEN
    -- The whole city, or a bulk write (an import, the demo build) touching
    -- so many parents that one lock each would fill the lock table.
    PERFORM pg_advisory_xact_lock(7453301562447230297); -- "gridmap audit"
  ELSE
    PERFORM pg_advisory_xact_lock_shared(7453301562447230297);
    PERFORM pg_advisory_xact_lock(hashtextextended('gridmap audit/' || p.c, 0))
       FROM (SELECT DISTINCT c FROM unnest(parents) AS c ORDER BY c) p;
  END IF;
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

-- gridmap_index_checksums summarises the current (code, version) pairs per
-- class, as the resolver index keeps them (geo.Checksums): a node compares
-- the two now and then and rebuilds if they differ.
CREATE FUNCTION gridmap_index_checksums()
RETURNS TABLE (class text, n bigint, x bigint, versions bigint)
LANGUAGE sql STABLE AS $$
  SELECT 'enclave', count(*), coalesce(bit_xor(('x' || substr(md5(code || '/' || version), 1, 16))::bit(64)::bigint), 0),
         coalesce(sum(version), 0)
    FROM enclave WHERE valid_to IS NULL AND valid_from <= now()
  UNION ALL
  SELECT level, count(*), coalesce(bit_xor(('x' || substr(md5(code || '/' || version), 1, 16))::bit(64)::bigint), 0),
         coalesce(sum(version), 0)
    FROM unit WHERE valid_to IS NULL AND valid_from <= now() GROUP BY level
$$;
