-- When the stored audit was last refreshed, per parent. A refresh that finds
-- nothing left no trace of its time (the findings carry computed_at, and
-- there were none), so the audit of a unit without findings answered
-- computed_at 0001-01-01, and one that had findings kept the time of the
-- oldest that survived a later refresh. Every refresh now records its
-- parents' time here ('' for a refresh of every parent); an audit's
-- computed_at is the latest refresh of a parent under its unit.
CREATE TABLE audit_refresh (
  parent_code  text COLLATE "C" PRIMARY KEY, -- '' : every parent at once
  refreshed_at timestamptz NOT NULL
);
INSERT INTO audit_refresh (parent_code, refreshed_at)
SELECT '', coalesce((SELECT max(computed_at) FROM audit_finding), now());

-- gridmap_audit_refreshed records that the parents' findings were just
-- recomputed (NULL: every parent's).
CREATE FUNCTION gridmap_audit_refreshed(parents text[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO audit_refresh (parent_code, refreshed_at)
  SELECT DISTINCT c, now() FROM unnest(coalesce(parents, ARRAY[''])) AS c
  ON CONFLICT (parent_code) DO UPDATE SET refreshed_at = excluded.refreshed_at
$$;

-- gridmap_audit_refresh as in migration 004, recording the refresh after
-- it: gridmap_audit_store takes the parents' advisory locks, and the record
-- locks their audit_refresh rows, in that order on every path (the other
-- order, here, deadlocked against gridmap_audit_store_dirty).
CREATE OR REPLACE FUNCTION gridmap_audit_refresh(parents text[]) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  n int;
BEGIN
  SELECT count(*)::int INTO n FROM gridmap_audit_store(parents) f WHERE f.kind <> 'sliver';
  PERFORM gridmap_audit_refreshed(parents);
  RETURN n;
END $$;

-- gridmap_audit_store_dirty as in migration 008, recording the refresh.
CREATE OR REPLACE FUNCTION gridmap_audit_store_dirty(extra text[])
RETURNS TABLE (kind text, parent_code text, level text, codes text[], area_m2 double precision,
               x double precision, y double precision)
LANGUAGE sql AS $$
WITH gone AS (DELETE FROM audit_dirty WHERE xid = pg_current_xact_id() RETURNING codes),
all_codes AS (
  SELECT coalesce(array_agg(DISTINCT c), '{}') AS codes FROM ( -- never NULL: NULL would mean every parent
    SELECT unnest(extra) AS c UNION SELECT unnest(g.codes) FROM gone g) x
  WHERE c IS NOT NULL
),
refreshed AS (
  INSERT INTO audit_refresh (parent_code, refreshed_at)
  SELECT DISTINCT c, now() FROM all_codes, unnest(all_codes.codes) AS c
  ON CONFLICT (parent_code) DO UPDATE SET refreshed_at = excluded.refreshed_at
)
SELECT f.kind, f.parent_code, f.level, f.codes, f.area_m2,
       ST_X(ST_PointOnSurface(f.geom)), ST_Y(ST_PointOnSurface(f.geom))
FROM all_codes, gridmap_audit_store(all_codes.codes) f
ORDER BY f.parent_code, f.kind, f.codes
$$;
