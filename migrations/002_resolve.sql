-- The resolution rules of docs/design.md, evaluated in PostGIS. The service
-- answers current questions from its in-memory index; this function answers
-- questions about the past (versions valid at p_at) and is the reference the
-- index is tested and benchmarked against. It returns the same JSON shape as
-- the API.

-- gridmap_chain walks parent_code links from p_code among the versions valid
-- at p_at and returns one JSON slot per level. A missing parent ends the walk.
CREATE FUNCTION gridmap_chain(p_code text, p_at timestamptz) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  WITH RECURSIVE c AS (
    SELECT u.level, u.code, u.name, u.parent_code, 0 AS depth
      FROM unit u
     WHERE u.code = p_code AND u.valid_from <= p_at AND (u.valid_to IS NULL OR u.valid_to > p_at)
    UNION ALL
    SELECT u.level, u.code, u.name, u.parent_code, c.depth + 1
      FROM c JOIN unit u ON u.code = c.parent_code
     WHERE u.valid_from <= p_at AND (u.valid_to IS NULL OR u.valid_to > p_at) AND c.depth < 5
  ), slot AS (
    SELECT DISTINCT ON (level) level, jsonb_build_object('code', code, 'name', name) AS ref
      FROM c ORDER BY level, depth
  )
  SELECT jsonb_build_object(
    'microgrid', (SELECT ref FROM slot WHERE level = 'microgrid'),
    'grid',      (SELECT ref FROM slot WHERE level = 'grid'),
    'community', (SELECT ref FROM slot WHERE level = 'community'),
    'street',    (SELECT ref FROM slot WHERE level = 'street'),
    'district',  (SELECT ref FROM slot WHERE level = 'district'))
$$;

CREATE FUNCTION gridmap_empty_chain() RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('microgrid', NULL, 'grid', NULL, 'community', NULL, 'street', NULL, 'district', NULL)
$$;

CREATE FUNCTION gridmap_resolve(p_lng float8, p_lat float8, p_at timestamptz DEFAULT now())
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
    SELECT jsonb_agg(jsonb_build_object('level', u.level, 'code', u.code, 'name', u.name) ORDER BY u.code)
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

  -- Rule 1: an enclave, the smallest by area (tie: smallest code), overrides.
  SELECT e.code, e.name, e.status, e.managing_code INTO enc
    FROM enclave e
   WHERE ST_Covers(e.geom, pt) AND e.valid_from <= p_at AND (e.valid_to IS NULL OR e.valid_to > p_at)
   ORDER BY ST_Area(e.geom::geography), e.code LIMIT 1;
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
