-- Units and enclaves, one row per version, with a change log and change
-- notifications. See docs/design.md, "Data model".

CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- gridmap_level_rank orders levels from coarse (0) to fine (4).
CREATE FUNCTION gridmap_level_rank(level text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE level WHEN 'district' THEN 0 WHEN 'street' THEN 1 WHEN 'community' THEN 2
                    WHEN 'grid' THEN 3 WHEN 'microgrid' THEN 4 END
$$;

CREATE TABLE unit (
  id          bigserial PRIMARY KEY,
  code        text        NOT NULL CHECK (code ~ '^[0-9]+$'),
  level       text        NOT NULL CHECK (gridmap_level_rank(level) IS NOT NULL),
  name        text        NOT NULL CHECK (name <> ''),
  parent_code text,
  geom        geometry(MultiPolygon, 4326) NOT NULL CHECK (NOT ST_IsEmpty(geom) AND ST_IsValid(geom)),
  properties  jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(properties) = 'object'),
  version     int         NOT NULL CHECK (version > 0),
  valid_from  timestamptz NOT NULL,
  valid_to    timestamptz CHECK (valid_to > valid_from),
  created_by  text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (length(code) = 6 + 3 * gridmap_level_rank(level)),
  CHECK ((level = 'district') = (parent_code IS NULL)),
  UNIQUE (code, version),
  -- Versions of one code never overlap in time, so "the version valid at t" is unique.
  EXCLUDE USING gist (code WITH =, tstzrange(valid_from, valid_to) WITH &&)
);
-- At most one current version per code.
CREATE UNIQUE INDEX unit_one_current ON unit (code) WHERE valid_to IS NULL;
CREATE INDEX unit_geom_idx ON unit USING gist (geom);
CREATE INDEX unit_current_geom_idx ON unit USING gist (geom) WHERE valid_to IS NULL;
CREATE INDEX unit_parent_idx ON unit (parent_code, level) WHERE valid_to IS NULL;
CREATE INDEX unit_level_code_idx ON unit (level, code) WHERE valid_to IS NULL;

CREATE TABLE enclave (
  id            bigserial PRIMARY KEY,
  code          text        NOT NULL CHECK (code <> ''),
  name          text        NOT NULL CHECK (name <> ''),
  managing_code text        NOT NULL CHECK (managing_code ~ '^[0-9]{6}([0-9]{3}){0,4}$'),
  status        text        NOT NULL CHECK (status IN ('unmanaged', 'custodial', 'transferred')),
  reason        text        NOT NULL DEFAULT '',
  geom          geometry(MultiPolygon, 4326) NOT NULL CHECK (NOT ST_IsEmpty(geom) AND ST_IsValid(geom)),
  properties    jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(properties) = 'object'),
  version       int         NOT NULL CHECK (version > 0),
  valid_from    timestamptz NOT NULL,
  valid_to      timestamptz CHECK (valid_to > valid_from),
  created_by    text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (code, version),
  EXCLUDE USING gist (code WITH =, tstzrange(valid_from, valid_to) WITH &&)
);
CREATE UNIQUE INDEX enclave_one_current ON enclave (code) WHERE valid_to IS NULL;
CREATE INDEX enclave_geom_idx ON enclave USING gist (geom);

-- Who changed what and when. Filled by triggers so that no write path can
-- forget it; the actor comes from the transaction setting gridmap.actor.
CREATE TABLE change_log (
  id      bigserial PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  actor   text        NOT NULL,
  entity  text        NOT NULL CHECK (entity IN ('unit', 'enclave')),
  code    text        NOT NULL,
  version int         NOT NULL,
  action  text        NOT NULL CHECK (action IN ('create', 'update', 'close')),
  detail  jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX change_log_code_idx ON change_log (entity, code, at);

-- data_version holds, per tile layer, the version of its data. Every change
-- takes a new number from one sequence, so the largest value is the version
-- of all data, and the resolver index and tile caches key on it.
CREATE SEQUENCE data_version_seq;
CREATE TABLE data_version (
  layer   text PRIMARY KEY,
  version bigint NOT NULL
);

CREATE FUNCTION gridmap_actor() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('gridmap.actor', true), ''), current_user)
$$;

-- gridmap_bump gives the layers a new data version and announces it. NOTIFY
-- is delivered at commit, so listeners never see uncommitted data.
CREATE FUNCTION gridmap_bump(layers text[]) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE v bigint := nextval('data_version_seq');
BEGIN
  INSERT INTO data_version (layer, version)
    SELECT l, v FROM unnest(layers) AS l
    ON CONFLICT (layer) DO UPDATE SET version = EXCLUDED.version;
  PERFORM pg_notify('gridmap_changes', json_build_object('layers', layers, 'version', v)::text);
  RETURN v;
END $$;

CREATE FUNCTION gridmap_unit_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_log (actor, entity, code, version, action)
    SELECT gridmap_actor(), 'unit', code, version, CASE WHEN version = 1 THEN 'create' ELSE 'update' END
    FROM new_rows;
  PERFORM gridmap_bump(array_agg(DISTINCT level)) FROM new_rows HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE FUNCTION gridmap_unit_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_log (actor, entity, code, version, action)
    SELECT gridmap_actor(), 'unit', n.code, n.version, 'close'
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE o.valid_to IS NULL AND n.valid_to IS NOT NULL;
  PERFORM gridmap_bump(array_agg(DISTINCT level)) FROM new_rows HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE FUNCTION gridmap_unit_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM gridmap_bump(array_agg(DISTINCT level)) FROM old_rows HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE TRIGGER unit_inserted AFTER INSERT ON unit
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_unit_inserted();
CREATE TRIGGER unit_updated AFTER UPDATE ON unit
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_unit_updated();
CREATE TRIGGER unit_deleted AFTER DELETE ON unit
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_unit_deleted();

CREATE FUNCTION gridmap_enclave_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_log (actor, entity, code, version, action)
    SELECT gridmap_actor(), 'enclave', code, version, CASE WHEN version = 1 THEN 'create' ELSE 'update' END
    FROM new_rows;
  PERFORM gridmap_bump(ARRAY['enclave']) FROM new_rows HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE FUNCTION gridmap_enclave_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_log (actor, entity, code, version, action)
    SELECT gridmap_actor(), 'enclave', n.code, n.version, 'close'
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE o.valid_to IS NULL AND n.valid_to IS NOT NULL;
  PERFORM gridmap_bump(ARRAY['enclave']) FROM new_rows HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE FUNCTION gridmap_enclave_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM gridmap_bump(ARRAY['enclave']) FROM old_rows HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE TRIGGER enclave_inserted AFTER INSERT ON enclave
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_enclave_inserted();
CREATE TRIGGER enclave_updated AFTER UPDATE ON enclave
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_enclave_updated();
CREATE TRIGGER enclave_deleted AFTER DELETE ON enclave
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_enclave_deleted();

-- repair_log records what loading repaired (ST_MakeValid) so the fix is never silent.
CREATE TABLE repair_log (
  id     bigserial PRIMARY KEY,
  at     timestamptz NOT NULL DEFAULT now(),
  source text NOT NULL,
  code   text NOT NULL,
  reason text NOT NULL,
  area_before_m2 double precision,
  area_after_m2  double precision
);
