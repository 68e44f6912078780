-- The audit's locks for large writes, again.
--
-- gridmap_audit_store takes one advisory lock per refreshed parent so that
-- single edits under different parents do not wait for each other. A write
-- of a whole city marks every unit dirty (each is the parent of its
-- children), and 50,000 advisory locks in one transaction overflow the lock
-- table ("out of shared memory"). Migration 007 had a bulk write take the
-- city-wide lock instead, but migration 009 redefined the function from
-- the older text and lost that rule, so `gridmap demo --scale city` failed
-- at its commit again. Here it is restored, at 32 parents (an edit touches
-- a few; a server's lock table, 64 per connection by default, is shared by
-- all); the rest is as in migration 009.

CREATE OR REPLACE FUNCTION gridmap_audit_store(parents text[])
RETURNS TABLE (kind text, parent_code text, level text, codes text[], geom geometry, area_m2 double precision)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  cfg    audit_config;
  before record;
  after  record;
BEGIN
  IF parents IS NULL OR cardinality(parents) > 32 THEN
    PERFORM pg_advisory_xact_lock(7453301562447230297); -- "gridmap audit"
  ELSE
    PERFORM pg_advisory_xact_lock_shared(7453301562447230297);
    PERFORM pg_advisory_xact_lock(hashtextextended('gridmap audit/' || p.c, 0))
       FROM (SELECT DISTINCT c FROM unnest(parents) AS c ORDER BY c) p;
  END IF;
  SELECT * INTO cfg FROM audit_config;
  SELECT * INTO before FROM gridmap_gap_summary(parents);
  DELETE FROM audit_finding f WHERE parents IS NULL OR f.parent_code IN (SELECT unnest(parents));
  RETURN QUERY
    WITH c AS MATERIALIZED (SELECT * FROM gridmap_audit_compute(parents, cfg.min_area_m2, cfg.min_width_m)),
    ins AS (
      INSERT INTO audit_finding (kind, parent_code, level, codes, geom, area_m2)
      SELECT c.kind, c.parent_code, c.level, c.codes, c.geom, c.area_m2 FROM c WHERE c.kind <> 'sliver'
    )
    SELECT c.kind, c.parent_code, c.level, c.codes, c.geom, c.area_m2 FROM c;
  SELECT * INTO after FROM gridmap_gap_summary(parents);
  IF after.digest IS DISTINCT FROM before.digest THEN
    INSERT INTO event_log (kind, codes, data) VALUES ('audit.changed',
      CASE WHEN parents IS NULL THEN ARRAY[''] ELSE gridmap_event_codes(parents) END,
      jsonb_build_object('gaps', after.n, 'area_m2', round(after.area_m2::numeric, 1),
        'gaps_before', before.n, 'area_m2_before', round(before.area_m2::numeric, 1),
        'parents', CASE WHEN parents IS NULL THEN NULL ELSE to_jsonb(parents[1:20]) END));
  END IF;
  PERFORM gridmap_bump(ARRAY['gap']);
END $$;
