-- Two fixes of code handling in SQL.
--
-- 1. The resolution rules' tie-breaks ("smallest code") follow the
-- database's collation in PostGIS, but byte order in the resolver index
-- (cmp.Compare in geo/index_polys.go and geo/index_build.go). In a database
-- created with a linguistic collation (createdb --locale-provider=icu
-- --icu-locale=en-US, say) two enclaves a1 and B1 of the same area made the
-- index answer B1 ('B' < 'a' in bytes) and gridmap_resolve, and with it
-- every question about the past, a1. Enclave codes are letters, digits, _
-- and - (^[A-Za-z0-9_-]{1,64}$), which linguistic collations order in
-- other ways than bytes; unit codes are digits only, which the usual
-- collations order as bytes, but they are compared in bytes too, so that the rule
-- reads the same for both. gridmap_resolve is migration 002's, with
-- COLLATE "C" on both tie-breaks.
CREATE OR REPLACE FUNCTION gridmap_resolve(p_lng float8, p_lat float8, p_at timestamptz DEFAULT now())
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  pt          geometry := ST_SetSRID(ST_MakePoint(p_lng, p_lat), 4326);
  finest      text;
  hits        jsonb;
  geographic  jsonb := gridmap_empty_chain();
  responsible jsonb;
  chain       jsonb := gridmap_empty_chain();
  status      text := 'outside';
  conflicts   jsonb := '[]';
  enc         record;
  enclave_ref jsonb;
  mgr         record;
BEGIN
  -- Rule 2 ignoring enclaves: the finest covering level, smallest code wins.
  SELECT u.level INTO finest
    FROM unit u
   WHERE ST_Covers(u.geom, pt) AND u.valid_from <= p_at AND (u.valid_to IS NULL OR u.valid_to > p_at)
   ORDER BY gridmap_level_rank(u.level) DESC LIMIT 1;
  IF finest IS NOT NULL THEN
    SELECT jsonb_agg(jsonb_build_object('level', u.level, 'code', u.code, 'name', u.name) ORDER BY u.code COLLATE "C")
      INTO hits
      FROM unit u
     WHERE ST_Covers(u.geom, pt) AND u.level = finest
       AND u.valid_from <= p_at AND (u.valid_to IS NULL OR u.valid_to > p_at);
    responsible := hits -> 0;
    geographic := gridmap_chain(responsible ->> 'code', p_at);
    chain := geographic;
    conflicts := hits - 0;
    status := CASE WHEN finest IN ('grid', 'microgrid') THEN 'managed' ELSE 'unmanaged' END;
  END IF;

  -- Rule 1: an enclave, the smallest by area (tie: smallest code in bytes), overrides.
  SELECT e.code, e.name, e.status, e.managing_code INTO enc
    FROM enclave e
   WHERE ST_Covers(e.geom, pt) AND e.valid_from <= p_at AND (e.valid_to IS NULL OR e.valid_to > p_at)
   ORDER BY ST_Area(e.geom::geography), e.code COLLATE "C" LIMIT 1;
  IF FOUND THEN
    status := 'enclave';
    conflicts := '[]';
    enclave_ref := jsonb_build_object('code', enc.code, 'name', enc.name, 'status', enc.status);
    SELECT u.level, u.code, u.name INTO mgr
      FROM unit u
     WHERE u.code = enc.managing_code AND u.valid_from <= p_at AND (u.valid_to IS NULL OR u.valid_to > p_at);
    IF FOUND THEN
      responsible := jsonb_build_object('level', mgr.level, 'code', mgr.code, 'name', mgr.name);
      chain := gridmap_chain(mgr.code, p_at);
    ELSE
      responsible := jsonb_build_object(
        'level', (ARRAY['district','street','community','grid','microgrid'])[(length(enc.managing_code) - 3) / 3],
        'code', enc.managing_code, 'name', '');
      chain := gridmap_empty_chain();
    END IF;
  END IF;

  RETURN jsonb_build_object(
      'status', status,
      'point', jsonb_build_array(p_lng, p_lat),
      'responsible', responsible,
      'enclave', enclave_ref,
      'geographic', geographic,
      'conflicts', conflicts,
      'index_version', (SELECT coalesce(max(version), 0) FROM data_version))
    || chain;
END $$;

-- 2. gridmap_tile_fid (migration 003) made any code of up to 15 digits its
-- own number, so the enclaves 7 and 007 (both legal enclave codes) shared
-- one feature id, and the console's feature-state (hover, selection) mixed
-- them up. Only a code without leading zeros is its own number now: two
-- such codes are equal exactly when their numbers are. Every other code,
-- 007 and 0 among them, is hashed as before into [2^50, 2^53), above every
-- 15-digit number. The ids of the national unit codes (no leading zero)
-- and of the codes with letters do not change.
CREATE OR REPLACE FUNCTION gridmap_tile_fid(code text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN code ~ '^[1-9][0-9]{0,14}$' THEN code::bigint
              ELSE 1125899906842624 + (hashtextextended(code, 0) & 9223372036854775807) % 7881299347898368 END
$$;

-- The tile rows keep the id they were drawn with: those of codes with a
-- leading zero are given the new one, and their layers a new version, so
-- that no tile cache keeps serving the old ids.
DO $$
DECLARE
  layers text[];
BEGIN
  WITH units AS (
    UPDATE tile_unit SET fid = gridmap_tile_fid(code) WHERE code ~ '^0[0-9]{0,14}$' RETURNING level
  ), enclaves AS (
    UPDATE tile_enclave SET fid = gridmap_tile_fid(code) WHERE code ~ '^0[0-9]{0,14}$' RETURNING 'enclave'::text AS level
  )
  SELECT array_agg(DISTINCT l.level) INTO layers FROM (SELECT level FROM units UNION ALL SELECT level FROM enclaves) l;
  IF layers IS NOT NULL THEN
    PERFORM gridmap_bump(layers);
  END IF;
END $$;
