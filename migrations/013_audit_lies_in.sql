-- An outside finding follows the unit it says the outside part lies in.
--
-- Migration 012 made an outside finding name, after the child, the unit of
-- its parent's level in which most of the outside part lies. A finding is
-- refreshed with its parent, and a change marks the changed unit and its
-- parent: so when only that other unit changed — redrawn away from the
-- part, retired, or drawn over it — the stored finding kept naming what
-- lay there before until its own parent was next refreshed.
--
-- Now a change of a unit that can be such a unit (one with children:
-- districts, streets, communities) also marks the parents of the outside
-- findings its old or new boundary reaches, when the finding is about
-- children of that unit's level; their refresh at commit names what lies
-- there now. The outside findings are few and indexed by their geometry,
-- and grids are left out of the probe: a city-wide import probes only its
-- few thousand larger units.

-- gridmap_audit_lies_in returns the parents of the outside findings that a
-- changed unit of this level and boundary may lie under.
CREATE FUNCTION gridmap_audit_lies_in(changed_level text, changed_geom geometry) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
  SELECT f.parent_code FROM audit_finding f
  WHERE changed_level IN ('district', 'street', 'community')
    AND f.kind = 'outside' AND f.geom && changed_geom AND f.level = gridmap_child_level(changed_level)
$$;

CREATE OR REPLACE FUNCTION gridmap_audit_mark_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_dirty (codes)
    SELECT array_agg(DISTINCT c) FROM (
      SELECT v.c FROM new_rows, LATERAL (VALUES (parent_code), (code)) v(c)
      UNION ALL
      SELECT l FROM new_rows r, LATERAL gridmap_audit_lies_in(r.level, r.geom) l) m
    WHERE c IS NOT NULL HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION gridmap_audit_mark_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_dirty (codes)
    SELECT array_agg(DISTINCT c) FROM (
      SELECT v.c FROM old_rows, LATERAL (VALUES (parent_code), (code)) v(c)
      UNION ALL
      SELECT l FROM old_rows r, LATERAL gridmap_audit_lies_in(r.level, r.geom) l) m
    WHERE c IS NOT NULL HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION gridmap_audit_mark_both() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_dirty (codes)
    SELECT array_agg(DISTINCT c) FROM (
      SELECT v.c FROM (SELECT code, parent_code FROM new_rows UNION ALL SELECT code, parent_code FROM old_rows) r,
        LATERAL (VALUES (r.parent_code), (r.code)) v(c)
      UNION ALL
      SELECT l FROM (SELECT level, geom FROM new_rows UNION ALL SELECT level, geom FROM old_rows) r,
        LATERAL gridmap_audit_lies_in(r.level, r.geom) l) m
    WHERE c IS NOT NULL HAVING count(*) > 0;
  RETURN NULL;
END $$;
