-- The audit's refresh no longer waits for a parent's lock out of order.
--
-- gridmap_audit_store (migration 012) locks the parents it refreshes and
-- those on the other side of every overlap it foresees, in one sorted pass,
-- then computes. An overlap it had not foreseen (one committed while it
-- waited for its locks: a grid created under a community, a neighbour's
-- enclave moved) named a parent it then locked after the others, waiting
-- for it: a refresh of that parent, holding it and waiting for one of this
-- refresh's parents, deadlocked with it. The stress test counted one
-- deadlock in 90 s to a few minutes of writing (in a run of 90 s, between
-- an edit of the communities it creates and one of the community they lie
-- in); the database broke each after a second and the edit ran again.
--
-- The foresight now judges an overlap as the findings do: each piece, less
-- the enclaves that explain it (it judged the whole intersection, which a
-- long thin piece, or one an enclave cuts off, can make a sliver while the
-- findings' piece is not). In a database no one else writes to, it now
-- foresees every overlap the findings report. A parent still unforeseen
-- (the overlap committed meanwhile) is only tried: when another
-- transaction holds its lock, the refresh fails at once as a serialization
-- failure (40001), which edits and imports run again (pgerr.LostRace; an
-- import's commit work in a savepoint), and the next run foresees the
-- overlap and waits for its lock in order. A refresh of every parent (the
-- whole audit's lock) foresees nothing and is unchanged.

CREATE OR REPLACE FUNCTION gridmap_audit_store(parents text[])
RETURNS TABLE (kind text, parent_code text, level text, codes text[], geom geometry, area_m2 double precision)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  ps     text[] := gridmap_audit_store.parents;
  cfg    audit_config;
  before record;
  after  record;
  locked text[];
  more   text[];
  one    text;
  found  gridmap_finding[];
BEGIN
  SELECT * INTO cfg FROM audit_config;
  IF ps IS NOT NULL AND cardinality(ps) <= 32 THEN
    -- The parents on the other side of every overlap this refresh will
    -- find (same-level units whose interiors meet the children's by more
    -- than a sliver: not mere neighbours, whose refreshes need not wait for
    -- this one), locked with its own in one sorted pass: taking them after
    -- its own, as found, let two refreshes of the two sides of one overlap
    -- wait for each other.
    locked := ARRAY(SELECT DISTINCT c FROM (
        SELECT unnest(ps) AS c
        UNION ALL
        -- An overlap the findings would report: a piece of the two units'
        -- intersection, less the enclaves that explain it, that is no
        -- sliver, judged as gridmap_audit_findings (migration 026) judges
        -- it. (The whole intersection judged at once could be a sliver
        -- beside a long thin piece, or before an enclave cut that piece
        -- off, while the findings' piece was not: an overlap not foreseen.)
        -- (level compared as a filter: as an index condition the planner
        -- scanned every unit of the level per child, 3x slower at 50k)
        SELECT o.parent_code FROM unit k JOIN unit o ON o.geom && k.geom AND (o.level = k.level) IS TRUE
         WHERE k.parent_code = ANY(ps) AND k.valid_to IS NULL AND o.valid_to IS NULL
           AND o.parent_code IS NOT NULL AND o.parent_code <> k.parent_code
           AND ST_Relate(o.geom, k.geom, '2********')
           AND EXISTS (
             SELECT 1 FROM (
               SELECT ST_Intersection(k.geom, o.geom) AS i, (
                 SELECT ST_Union(e.geom) FROM enclave e
                  WHERE e.valid_to IS NULL AND e.geom && k.geom AND e.geom && o.geom
                    AND (starts_with(k.code, e.managing_code) OR starts_with(e.managing_code, k.code))
                     <> (starts_with(o.code, e.managing_code) OR starts_with(e.managing_code, o.code))) AS explained
             ) x CROSS JOIN LATERAL ST_Dump(ST_CollectionExtract(
                   CASE WHEN x.explained IS NULL THEN x.i ELSE ST_Difference(x.i, x.explained) END, 3)) d
             CROSS JOIN LATERAL (SELECT ST_Area(d.geom::geography) AS a, ST_Perimeter(d.geom::geography) AS per) m
             WHERE m.a >= 0.01 AND NOT gridmap_is_sliver(m.a, m.per, cfg.min_area_m2, cfg.min_width_m))) x ORDER BY c);
  END IF;
  IF locked IS NULL OR cardinality(locked) > 32 THEN
    PERFORM pg_advisory_xact_lock(7453301562447230297); -- "gridmap audit"
    locked := NULL;
  ELSE
    PERFORM pg_advisory_xact_lock_shared(7453301562447230297);
    PERFORM pg_advisory_xact_lock(hashtextextended('gridmap audit/' || l.c, 0))
       FROM (SELECT c FROM unnest(locked) AS c ORDER BY c) l;
  END IF;
  LOOP
    found := ARRAY(SELECT f FROM gridmap_audit_findings(ps, cfg.min_area_m2, cfg.min_width_m) f);
    EXIT WHEN locked IS NULL;
    more := ARRAY(SELECT DISTINCT c FROM unnest(found) f, unnest(f.parent_codes) c
                  WHERE f.kind = 'overlap' AND c <> ALL (locked) ORDER BY c);
    EXIT WHEN cardinality(more) = 0;
    -- Taken out of order: never waited for (see above).
    FOREACH one IN ARRAY more LOOP
      IF NOT pg_try_advisory_xact_lock(hashtextextended('gridmap audit/' || one, 0)) THEN
        RAISE EXCEPTION 'the audit of %: an overlap across parent % appeared while this refresh waited for its locks, and another writer holds that parent''s audit; run it again', ps[1], one
          USING ERRCODE = 'serialization_failure';
      END IF;
    END LOOP;
    locked := locked || more;
  END LOOP;
  SELECT * INTO before FROM gridmap_gap_summary(ps);
  DELETE FROM audit_finding f WHERE ps IS NULL OR f.parent_codes && ps;
  INSERT INTO audit_finding (kind, parent_code, level, codes, geom, area_m2, parent_codes)
    SELECT f.kind, f.parent_code, f.level, f.codes, f.geom, f.area_m2, f.parent_codes
    FROM unnest(found) f WHERE f.kind <> 'sliver';
  RETURN QUERY SELECT f.kind, f.parent_code, f.level, f.codes, f.geom, f.area_m2 FROM unnest(found) f;
  SELECT * INTO after FROM gridmap_gap_summary(ps);
  IF after.digest IS DISTINCT FROM before.digest THEN
    INSERT INTO event_log (kind, codes, data) VALUES ('audit.changed',
      CASE WHEN ps IS NULL THEN ARRAY[''] ELSE gridmap_event_codes(ps) END,
      jsonb_build_object('gaps', after.n, 'area_m2', round(after.area_m2::numeric, 1),
        'gaps_before', before.n, 'area_m2_before', round(before.area_m2::numeric, 1),
        'parents', CASE WHEN ps IS NULL THEN NULL ELSE to_jsonb(ps[1:20]) END));
  END IF;
  PERFORM gridmap_bump(ARRAY['gap']);
END $$;
