-- Vector tiles. Tiles are drawn from side tables that hold only the
-- current boundary versions, already in Web Mercator and already generalised
-- for each zoom band, so a tile request neither reprojects nor simplifies.
-- Triggers on unit and enclave keep them in step with every write, in the
-- same transaction, so a tile never shows geometry that data_version does
-- not announce.

-- tile_band lists, per tile layer, the zooms for which a generalised copy of
-- every geometry is kept. A tile at zoom z reads the copy with the smallest
-- gen_zoom >= z; gen_zoom 32 is the full-detail copy every layer has. After a
-- change to this table, run SELECT gridmap_tile_rebuild().
CREATE TABLE tile_band (
  layer    text     NOT NULL,
  gen_zoom smallint NOT NULL CHECK (gen_zoom BETWEEN 0 AND 32),
  PRIMARY KEY (layer, gen_zoom)
);
INSERT INTO tile_band (layer, gen_zoom) VALUES
  ('district', 5), ('district', 7), ('district', 9), ('district', 11), ('district', 32),
  ('street', 10), ('street', 12), ('street', 32),
  ('community', 12), ('community', 14), ('community', 32),
  ('grid', 14), ('grid', 32),
  ('enclave', 12), ('enclave', 32);

-- gridmap_tile_generalise returns Web Mercator geometry g simplified for
-- tiles up to zoom z: the tolerance is half of one unit of a 4096-extent
-- tile at z, finer than ST_AsMVTGeom's own snapping to that grid, so the
-- simplification cannot be seen. Topology is preserved: no polygon collapses.
CREATE FUNCTION gridmap_tile_generalise(g geometry, z int) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN z >= 32 THEN ST_Multi(g)
              ELSE ST_Multi(ST_SimplifyPreserveTopology(g, 40075016.68557849 / (4096 * 2.0 ^ z) / 2)) END
$$;

-- gridmap_tile_fid is a feature's MVT id, stable across versions so that
-- MapLibre feature-state survives an edit: the code itself where it is a
-- number below 2^50 (every unit code up to grids), otherwise a hash of the
-- code in [2^50, 2^53), so that ids stay exact as JavaScript numbers.
CREATE FUNCTION gridmap_tile_fid(code text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN code ~ '^[0-9]{1,15}$' THEN code::bigint
              ELSE 1125899906842624 + (hashtextextended(code, 0) & 9223372036854775807) % 7881299347898368 END
$$;

-- gridmap_tile_layer is the tile layer of a unit level: micro-grids are drawn
-- with the grids (their level tells them apart).
CREATE FUNCTION gridmap_tile_layer(level text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE level WHEN 'microgrid' THEN 'grid' ELSE level END
$$;

-- tile_unit: one row per current unit version and generalisation band.
-- label is a point inside the full geometry, drawn once per feature rather
-- than once per tile the polygon touches.
CREATE TABLE tile_unit (
  unit_id     bigint      NOT NULL,
  gen_zoom    smallint    NOT NULL,
  layer       text        NOT NULL,
  fid         bigint      NOT NULL,
  code        text        NOT NULL,
  name        text        NOT NULL,
  level       text        NOT NULL,
  parent_code text,
  households  int,
  valid_from  timestamptz NOT NULL,
  geom        geometry(MultiPolygon, 3857) NOT NULL,
  label       geometry(Point, 3857) NOT NULL,
  PRIMARY KEY (unit_id, gen_zoom)
);
-- One index per layer, with the band first, so the bbox filter of a tile
-- reads only the features of one layer and one band. The layer is a literal
-- in each layer's statement, which lets the planner pick its partial index.
CREATE INDEX tile_unit_district_idx ON tile_unit USING gist (gen_zoom, geom) WHERE layer = 'district';
CREATE INDEX tile_unit_street_idx ON tile_unit USING gist (gen_zoom, geom) WHERE layer = 'street';
CREATE INDEX tile_unit_community_idx ON tile_unit USING gist (gen_zoom, geom) WHERE layer = 'community';
CREATE INDEX tile_unit_grid_idx ON tile_unit USING gist (gen_zoom, geom) WHERE layer = 'grid';
CREATE INDEX tile_unit_district_label_idx ON tile_unit USING gist (label) WHERE layer = 'district' AND gen_zoom = 32;
CREATE INDEX tile_unit_street_label_idx ON tile_unit USING gist (label) WHERE layer = 'street' AND gen_zoom = 32;
CREATE INDEX tile_unit_community_label_idx ON tile_unit USING gist (label) WHERE layer = 'community' AND gen_zoom = 32;
CREATE INDEX tile_unit_grid_label_idx ON tile_unit USING gist (label) WHERE layer = 'grid' AND gen_zoom = 32;
-- For the tile statements' probe of versions dated in the future.
CREATE INDEX tile_unit_valid_from_idx ON tile_unit (layer, valid_from);

CREATE TABLE tile_enclave (
  enclave_id    bigint      NOT NULL,
  gen_zoom      smallint    NOT NULL,
  fid           bigint      NOT NULL,
  code          text        NOT NULL,
  name          text        NOT NULL,
  status        text        NOT NULL,
  managing_code text        NOT NULL,
  valid_from    timestamptz NOT NULL,
  geom          geometry(MultiPolygon, 3857) NOT NULL,
  label         geometry(Point, 3857) NOT NULL,
  PRIMARY KEY (enclave_id, gen_zoom)
);
CREATE INDEX tile_enclave_geom_idx ON tile_enclave USING gist (gen_zoom, geom);
CREATE INDEX tile_enclave_label_idx ON tile_enclave USING gist (label) WHERE gen_zoom = 32;
CREATE INDEX tile_enclave_valid_from_idx ON tile_enclave (valid_from);

-- gridmap_tile_sync_units recomputes the tile rows of the given unit rows:
-- rows that are no longer current lose theirs, current rows get one per band.
CREATE FUNCTION gridmap_tile_sync_units(ids bigint[]) RETURNS void LANGUAGE sql AS $$
  DELETE FROM tile_unit WHERE unit_id = ANY(ids);
  INSERT INTO tile_unit (unit_id, gen_zoom, layer, fid, code, name, level, parent_code, households, valid_from, geom, label)
  SELECT u.id, b.gen_zoom, u.layer, gridmap_tile_fid(u.code), u.code, u.name, u.level, u.parent_code,
         CASE WHEN jsonb_typeof(u.properties -> 'households') = 'number'
              THEN round((u.properties ->> 'households')::numeric)::int END,
         u.valid_from, gridmap_tile_generalise(u.merc, b.gen_zoom), ST_PointOnSurface(u.merc)
  FROM (SELECT unit.*, gridmap_tile_layer(level) AS layer, ST_Transform(geom, 3857) AS merc
          FROM unit WHERE id = ANY(ids) AND valid_to IS NULL) u
  JOIN tile_band b ON b.layer = u.layer;
$$;

CREATE FUNCTION gridmap_tile_sync_enclaves(ids bigint[]) RETURNS void LANGUAGE sql AS $$
  DELETE FROM tile_enclave WHERE enclave_id = ANY(ids);
  INSERT INTO tile_enclave (enclave_id, gen_zoom, fid, code, name, status, managing_code, valid_from, geom, label)
  SELECT e.id, b.gen_zoom, gridmap_tile_fid(e.code), e.code, e.name, e.status, e.managing_code, e.valid_from,
         gridmap_tile_generalise(e.merc, b.gen_zoom), ST_PointOnSurface(e.merc)
  FROM (SELECT enclave.*, ST_Transform(geom, 3857) AS merc FROM enclave WHERE id = ANY(ids) AND valid_to IS NULL) e
  JOIN tile_band b ON b.layer = 'enclave';
$$;

-- The triggers are per statement, like the change-log triggers, so a bulk
-- import is one pass. Each trigger references only the transition tables
-- its event has.
CREATE FUNCTION gridmap_tile_units_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM gridmap_tile_sync_units(ARRAY(SELECT id FROM new_rows));
  ELSE
    PERFORM gridmap_tile_sync_units(ARRAY(SELECT id FROM new_rows UNION SELECT id FROM old_rows));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION gridmap_tile_units_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM tile_unit WHERE unit_id IN (SELECT id FROM old_rows);
  RETURN NULL;
END $$;

-- TRUNCATE fires no row triggers and the change-log triggers do not see it,
-- so this one also bumps the versions: caches keyed on them must not keep
-- serving boundaries that no longer exist.
CREATE FUNCTION gridmap_tile_units_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM tile_unit;
  PERFORM gridmap_bump(ARRAY['district', 'street', 'community', 'grid', 'microgrid']);
  RETURN NULL;
END $$;

CREATE TRIGGER unit_tiles_inserted AFTER INSERT ON unit
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_tile_units_written();
CREATE TRIGGER unit_tiles_updated AFTER UPDATE ON unit
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_tile_units_written();
CREATE TRIGGER unit_tiles_deleted AFTER DELETE ON unit
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_tile_units_deleted();
CREATE TRIGGER unit_tiles_truncated AFTER TRUNCATE ON unit
  FOR EACH STATEMENT EXECUTE FUNCTION gridmap_tile_units_truncated();

CREATE FUNCTION gridmap_tile_enclaves_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM gridmap_tile_sync_enclaves(ARRAY(SELECT id FROM new_rows));
  ELSE
    PERFORM gridmap_tile_sync_enclaves(ARRAY(SELECT id FROM new_rows UNION SELECT id FROM old_rows));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION gridmap_tile_enclaves_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM tile_enclave WHERE enclave_id IN (SELECT id FROM old_rows);
  RETURN NULL;
END $$;

CREATE FUNCTION gridmap_tile_enclaves_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM tile_enclave;
  PERFORM gridmap_bump(ARRAY['enclave']);
  RETURN NULL;
END $$;

CREATE TRIGGER enclave_tiles_inserted AFTER INSERT ON enclave
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_tile_enclaves_written();
CREATE TRIGGER enclave_tiles_updated AFTER UPDATE ON enclave
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_tile_enclaves_written();
CREATE TRIGGER enclave_tiles_deleted AFTER DELETE ON enclave
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_tile_enclaves_deleted();
CREATE TRIGGER enclave_tiles_truncated AFTER TRUNCATE ON enclave
  FOR EACH STATEMENT EXECUTE FUNCTION gridmap_tile_enclaves_truncated();

-- gridmap_tile_rebuild recomputes every tile row from the current versions
-- (after a change to tile_band, or to repair).
CREATE FUNCTION gridmap_tile_rebuild() RETURNS void LANGUAGE sql AS $$
  DELETE FROM tile_unit;
  DELETE FROM tile_enclave;
  SELECT gridmap_tile_sync_units(ARRAY(SELECT id FROM unit WHERE valid_to IS NULL));
  SELECT gridmap_tile_sync_enclaves(ARRAY(SELECT id FROM enclave WHERE valid_to IS NULL));
  SELECT gridmap_bump(ARRAY['district', 'street', 'community', 'grid', 'microgrid', 'enclave']);
$$;

SELECT gridmap_tile_sync_units(ARRAY(SELECT id FROM unit WHERE valid_to IS NULL));
SELECT gridmap_tile_sync_enclaves(ARRAY(SELECT id FROM enclave WHERE valid_to IS NULL));
