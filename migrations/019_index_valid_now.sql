-- gridmap_index_checksums summarises the (code, version) pairs valid now,
-- as the resolver index now holds them (geo/postgres/index.go validNow,
-- the rules' own test): a version whose start is still to come is not
-- counted yet, and the one it replaces is counted until then. Migration
-- 007 counted the versions with no end, which left a unit whose next
-- version starts later out of both.
CREATE OR REPLACE FUNCTION gridmap_index_checksums()
RETURNS TABLE (class text, n bigint, x bigint, versions bigint)
LANGUAGE sql STABLE AS $$
  SELECT 'enclave', count(*), coalesce(bit_xor(('x' || substr(md5(code || '/' || version), 1, 16))::bit(64)::bigint), 0),
         coalesce(sum(version), 0)
    FROM enclave WHERE valid_from <= now() AND (valid_to IS NULL OR valid_to > now())
  UNION ALL
  SELECT level, count(*), coalesce(bit_xor(('x' || substr(md5(code || '/' || version), 1, 16))::bit(64)::bigint), 0),
         coalesce(sum(version), 0)
    FROM unit WHERE valid_from <= now() AND (valid_to IS NULL OR valid_to > now()) GROUP BY level
$$;
