-- The event record behind GET /v1/events (Server-Sent Events): what
-- happened — a report created or moved through the workflow, a case
-- escalated or overdue, a unit or enclave changed, an import finished, the
-- audit's gaps changed — written by triggers in the transaction of the
-- change itself, so an event exists exactly when its change committed.
--
-- Order without a lock. Reports arrive by the thousand per second, so
-- their commits must not queue on one row (as boundary edits do on
-- data_head). Each row carries the id of its transaction instead; a reader
-- remembers the snapshot of its last read and next reads exactly the rows
-- of the transactions that snapshot did not see (xid >= its xmax, or one of
-- its in-progress xids): a transaction that took its row id early and
-- commits late is read when it commits, never skipped. Every xid below a
-- snapshot's xmin has finished, so "every event with xid >= xmin" is a
-- resume point that misses nothing (see geo/events.go).
--
-- No NOTIFY: a notifying transaction takes a database-wide lock at commit,
-- which would serialise the report commits this design keeps apart. Nodes
-- poll the record, on the primary and on standbys alike (an indexed read).

CREATE TABLE event_log (
  id    bigserial   PRIMARY KEY,
  xid   xid8        NOT NULL DEFAULT pg_current_xact_id(),
  at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  kind  text        NOT NULL,
  -- codes place the event for scope checks: a report's responsible and
  -- handling units, the units changed, an enclave's managing unit.
  codes text[]      NOT NULL,
  data  jsonb       NOT NULL
);
CREATE INDEX event_log_xid_idx ON event_log (xid, id);
CREATE INDEX event_log_at_idx ON event_log (at);

-- event_head records how far old events were pruned: a subscriber resuming
-- from before it has missed events and must reload.
CREATE TABLE event_head (
  id           boolean PRIMARY KEY DEFAULT true CHECK (id),
  pruned_below xid8    NOT NULL
);
INSERT INTO event_head (pruned_below) VALUES ('0'::xid8);

-- event_cursor remembers how far time-driven events (a case becoming
-- overdue) have been announced.
CREATE TABLE event_cursor (
  name text PRIMARY KEY,
  at   timestamptz NOT NULL
);
INSERT INTO event_cursor (name, at) VALUES ('overdue', now());

-- gridmap_event_codes keeps the codes of a large change short: past 100
-- codes they are replaced by their distinct communities, then streets,
-- then districts (scope checks of area events match by prefix either way).
CREATE FUNCTION gridmap_event_codes(codes text[]) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  out text[] := codes;
  len int;
BEGIN
  FOREACH len IN ARRAY ARRAY[12, 9, 6] LOOP
    EXIT WHEN cardinality(out) <= 100;
    SELECT array_agg(DISTINCT left(c, len)) INTO out FROM unnest(codes) AS c;
  END LOOP;
  RETURN coalesce(out, '{}');
END $$;

-- gridmap_report_event is what an event says about a report.
CREATE FUNCTION gridmap_report_event(r report) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', r.id, 'kind', r.kind, 'category', r.category, 'severity', r.severity,
    'state', r.state, 'level', r.level, 'unit_code', r.unit_code, 'assigned_code', r.assigned_code,
    'status', r.res_status, 'flags', r.flags, 'point', jsonb_build_array(ST_X(r.geom), ST_Y(r.geom)),
    'observed_at', r.observed_at, 'due_at', r.due_at, 'escalations', r.escalations,
    'reporter', r.reporter, 'description', r.description)
$$;

CREATE FUNCTION gridmap_report_events_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO event_log (kind, codes, data)
    SELECT 'report.created', ARRAY[n.unit_code, n.assigned_code], gridmap_report_event(n) FROM new_rows n ORDER BY n.id;
  RETURN NULL;
END $$;

-- An update is announced by what it changed: an escalation (the level
-- moved up), a workflow step (the state), or a re-resolve (the unit).
CREATE FUNCTION gridmap_report_events_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO event_log (kind, codes, data)
    SELECT CASE WHEN n.escalations > o.escalations THEN 'case.escalated'
                WHEN n.state <> o.state THEN 'report.updated'
                ELSE 'report.moved' END,
           ARRAY(SELECT DISTINCT c FROM unnest(ARRAY[n.unit_code, n.assigned_code, o.unit_code, o.assigned_code]) AS c),
           gridmap_report_event(n) || jsonb_build_object('from_state', o.state, 'from_level', o.level,
             'from_unit_code', o.unit_code)
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.state <> o.state OR n.escalations <> o.escalations OR n.unit_code <> o.unit_code
        OR n.assigned_code <> o.assigned_code
     ORDER BY n.id;
  RETURN NULL;
END $$;

CREATE TRIGGER report_events_inserted AFTER INSERT ON report
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_report_events_inserted();
CREATE TRIGGER report_events_updated AFTER UPDATE ON report
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_report_events_updated();

-- gridmap_announce_overdue records a case.overdue event for every open case
-- whose deadline passed since the last call, and returns how many. The
-- escalation job calls it; time, not a write, makes a case overdue.
CREATE FUNCTION gridmap_announce_overdue() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  since timestamptz;
  n     int;
BEGIN
  SELECT at INTO since FROM event_cursor WHERE name = 'overdue' FOR UPDATE;
  INSERT INTO event_log (kind, codes, data)
    SELECT 'case.overdue', ARRAY[r.unit_code, r.assigned_code], gridmap_report_event(r)
      FROM report r
     WHERE r.state NOT IN ('closed', 'rejected') AND r.due_at > since AND r.due_at <= now()
     ORDER BY r.due_at, r.id;
  GET DIAGNOSTICS n = ROW_COUNT;
  UPDATE event_cursor SET at = now() WHERE name = 'overdue';
  RETURN n;
END $$;

-- An import announces its end (whatever the outcome) with its scope.
CREATE FUNCTION gridmap_import_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO event_log (kind, codes, data)
    VALUES ('import.finished', ARRAY[coalesce(NEW.options->>'scope', '')],
      jsonb_build_object('id', NEW.id, 'status', NEW.status, 'source', NEW.source,
        'scope', NEW.options->>'scope', 'index_version', NEW.report->'index_version'));
  RETURN NULL;
END $$;
CREATE TRIGGER import_job_finished AFTER UPDATE OF finished_at ON import_job
  FOR EACH ROW WHEN (OLD.finished_at IS NULL AND NEW.finished_at IS NOT NULL) EXECUTE FUNCTION gridmap_import_event();

-- gridmap_commit_changes as in migration 007, and at the end the events of
-- the units and enclaves the transaction changed: one per kind, with the
-- data version that holds them.
CREATE OR REPLACE FUNCTION gridmap_commit_changes() RETURNS trigger LANGUAGE plpgsql AS $$
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
  PERFORM gridmap_boundary_events(v);
  RETURN NULL;
END $$;

-- gridmap_boundary_events records the unit.changed and enclave.changed
-- events of this transaction's change rows (stamped with version v). An
-- enclave is placed by its managing units, old and new.
CREATE FUNCTION gridmap_boundary_events(v bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  units    text[];
  enclaves text[];
  managers text[];
BEGIN
  SELECT array_agg(DISTINCT c ORDER BY c) FILTER (WHERE d.entity = 'unit'),
         array_agg(DISTINCT c ORDER BY c) FILTER (WHERE d.entity = 'enclave')
    INTO units, enclaves
    FROM data_change d, unnest(d.codes) AS c
   WHERE d.xid = pg_current_xact_id() AND d.version = v AND d.entity IN ('unit', 'enclave');
  IF units IS NOT NULL THEN
    INSERT INTO event_log (kind, codes, data) VALUES ('unit.changed', gridmap_event_codes(units),
      jsonb_build_object('version', v, 'count', cardinality(units), 'codes', units[1:20]));
  END IF;
  IF enclaves IS NOT NULL THEN
    SELECT array_agg(DISTINCT managing_code) INTO managers FROM enclave WHERE code = ANY(enclaves);
    INSERT INTO event_log (kind, codes, data) VALUES ('enclave.changed', gridmap_event_codes(coalesce(managers, '{}')),
      jsonb_build_object('version', v, 'count', cardinality(enclaves), 'codes', enclaves[1:20]));
  END IF;
END $$;

-- gridmap_gap_summary describes the stored gaps under some parents (NULL:
-- all): how many, their area, and a digest of their shapes.
CREATE FUNCTION gridmap_gap_summary(parents text[])
RETURNS TABLE (n bigint, area_m2 double precision, digest text) LANGUAGE sql STABLE AS $$
  SELECT count(*), coalesce(sum(f.area_m2), 0),
         md5(coalesce(string_agg(f.parent_code || ':' || md5(ST_AsBinary(f.geom)), ',' ORDER BY f.parent_code, f.id), ''))
    FROM audit_finding f
   WHERE f.kind = 'gap' AND (parents IS NULL OR f.parent_code = ANY(parents))
$$;

-- gridmap_audit_store as in migration 007, and an audit.changed event when
-- the gaps under the refreshed parents are not what they were.
CREATE OR REPLACE FUNCTION gridmap_audit_store(parents text[])
RETURNS TABLE (kind text, parent_code text, level text, codes text[], geom geometry, area_m2 double precision)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  cfg    audit_config;
  before record;
  after  record;
BEGIN
  IF parents IS NULL THEN
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

-- gridmap_prune_events deletes events older than keep, in batches, and
-- records below which xid the record is no longer complete.
CREATE FUNCTION gridmap_prune_events(keep interval, batch int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  gone bigint;
  top  xid8;
BEGIN
  WITH d AS (
    DELETE FROM event_log WHERE id IN (SELECT id FROM event_log WHERE at < now() - keep ORDER BY at LIMIT batch)
    RETURNING xid
  )
  SELECT count(*), max(xid) INTO gone, top FROM d;
  IF gone > 0 THEN
    UPDATE event_head SET pruned_below = greatest(pruned_below, (top::text::numeric + 1)::text::xid8);
  END IF;
  RETURN gone;
END $$;
