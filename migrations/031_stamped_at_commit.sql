-- A version is stamped with the moment its transaction commits, not the
-- moment it was written. The stamps were the database's clock inside the
-- transaction, taken before the coverage audit, the warnings and the commit
-- (25–230 ms at demo scale, seconds for a city's import): a report resolved
-- in that window was stored under the old unit while the history later
-- said the new one had begun (a tenth attacker: 145–253 of ~2,100 reports
-- during splits), and `resolve?at=` for such a moment changed its answer
-- once the edit committed. (What is left is the commit's own moment, from
-- reading its clock to becoming visible: the restamp's length.)
--
-- Each stamp an edit takes comes from gridmap_stamp, which records it. At
-- commit, once gridmap_commit_pending holds data_head's row (the lock that
-- orders commits), gridmap_restamp moves every recorded stamp on the
-- transaction's versions to the clock of that moment, keeping their order
-- (the i-th distinct stamp becomes that moment plus i-1 microseconds). A
-- stamp given by the caller (a version that starts later) is not recorded
-- and is kept. The tile rows keep their valid_from as written: it only
-- filters versions that start later, and a row is seen only once
-- committed, when both the written and the moved start have passed.
--
-- Reports are ordered against commits by an advisory lock: a report's
-- statement holds it shared while it checks that no version after the one
-- its resolution used began by its observed time (gridmap_reports_gate); a
-- commit takes it alone before reading the clock for its stamps. A report
-- stored from version v was therefore observed before v+1 began, and one
-- that was not is refused, to be resolved again.

CREATE TABLE data_stamp (
  xid xid8        NOT NULL DEFAULT pg_current_xact_id(),
  at  timestamptz NOT NULL,
  PRIMARY KEY (xid, at)
);

-- gridmap_stamp is the clock for a version's valid_from or valid_to in an
-- edit: clock_timestamp (which, unlike now(), moves between two edits of
-- one code in one transaction), recorded to be moved to the commit.
CREATE FUNCTION gridmap_stamp() RETURNS timestamptz LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  t timestamptz := clock_timestamp();
BEGIN
  INSERT INTO data_stamp (at) VALUES (t) ON CONFLICT DO NOTHING;
  RETURN t;
END $$;

-- The commits' lock (shared by reports being stored).
CREATE FUNCTION gridmap_commits_key() RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT hashtextextended('gridmap commits', 0)
$$;

-- gridmap_restamp_rows moves the recorded stamps (olds[i] → news[i]) on the
-- rows of one versioned table whose codes this transaction changed. Every
-- new stamp is later than every old one, so a version that starts at a
-- recorded stamp moves later into room its predecessor has yet to take:
-- the starts move first, then the predecessors' ends, and the table's
-- exclusion constraint (checked row by row) holds at every row. A code that starts
-- more than one version here (edited twice in one transaction) is moved
-- row by row from its latest start down instead, each row into room its
-- successor has left. A row's stamps are looked up in the arrays: an
-- edit records a handful of them.
CREATE FUNCTION gridmap_restamp_rows(tbl regclass, codes text[], olds timestamptz[], news timestamptz[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  twice text[];
  r     record;
BEGIN
  EXECUTE format('SELECT array_agg(code) FROM (SELECT code FROM %s WHERE code = ANY ($1) AND valid_from = ANY ($2)
      GROUP BY code HAVING count(*) > 1) c', tbl) INTO twice USING codes, olds;
  twice := coalesce(twice, '{}');
  FOR r IN EXECUTE format('SELECT id, valid_from, valid_to FROM %s WHERE code = ANY ($1)
      AND (valid_from = ANY ($2) OR valid_to = ANY ($2)) ORDER BY valid_from DESC', tbl) USING twice, olds
  LOOP
    EXECUTE format('UPDATE %s SET valid_from = $2, valid_to = $3 WHERE id = $1', tbl) USING r.id,
      coalesce(news[array_position(olds, r.valid_from)], r.valid_from),
      coalesce(news[array_position(olds, r.valid_to)], r.valid_to);
  END LOOP;
  EXECUTE format('UPDATE %s SET valid_from = $3[array_position($2, valid_from)],
      valid_to = coalesce($3[array_position($2, valid_to)], valid_to)
    WHERE code = ANY ($1) AND NOT code = ANY ($4) AND valid_from = ANY ($2)', tbl) USING codes, olds, news, twice;
  EXECUTE format('UPDATE %s SET valid_to = $3[array_position($2, valid_to)]
    WHERE code = ANY ($1) AND NOT code = ANY ($4) AND valid_to = ANY ($2)', tbl)
    USING codes, olds, news, twice;
END $$;

-- Each commit's moment, on its change rows: a report resolved from data
-- version v stands unless a version after v began by its observed time
-- (gridmap_reports_gate).
ALTER TABLE data_change ADD COLUMN committed_at timestamptz;
-- Those committed before: when their transaction began, no later than
-- their commit (the gate only refuses more for it).
UPDATE data_change SET committed_at = at WHERE version IS NOT NULL;

-- gridmap_restamp runs when a commit moves the data version (inside
-- gridmap_commit_pending, which holds data_head's row): it takes the
-- commits' lock, so that no report is being stored, reads the clock, moves
-- the transaction's stamps to it and records it on the change rows.
CREATE FUNCTION gridmap_restamp() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  me        xid8 := pg_current_xact_id();
  olds      timestamptz[];
  news      timestamptz[];
  commit_at timestamptz;
BEGIN
  PERFORM pg_advisory_xact_lock(gridmap_commits_key());
  SELECT array_agg(at ORDER BY at) INTO olds FROM data_stamp WHERE xid = me;
  commit_at := greatest(clock_timestamp(), olds[array_upper(olds, 1)] + interval '1 microsecond');
  IF olds IS NOT NULL THEN
    SELECT array_agg(commit_at + (i - 1) * interval '1 microsecond' ORDER BY i) INTO news
      FROM generate_series(1, array_length(olds, 1)) AS i;
    -- The versions' own triggers (change record, tiles, audit) have done
    -- their work for these rows; a restamp is not an edit.
    PERFORM set_config('gridmap.restamping', 'on', true);
    PERFORM gridmap_restamp_rows('unit', ARRAY(SELECT DISTINCT c FROM data_change d, unnest(d.codes) c
      WHERE d.xid = me AND d.entity = 'unit'), olds, news);
    PERFORM gridmap_restamp_rows('enclave', ARRAY(SELECT DISTINCT c FROM data_change d, unnest(d.codes) c
      WHERE d.xid = me AND d.entity = 'enclave'), olds, news);
    PERFORM set_config('gridmap.restamping', 'off', true);
  END IF;
  UPDATE data_change SET committed_at = commit_at WHERE xid = me AND version IS NULL;
  -- This transaction's stamps, and any a finished one left (one that took
  -- a stamp and, changing nothing, never came here).
  DELETE FROM data_stamp WHERE xid = me OR xid < pg_snapshot_xmin(pg_current_snapshot());
  RETURN NULL;
END $$;

CREATE TRIGGER data_head_restamp AFTER UPDATE ON data_head
  FOR EACH ROW WHEN (NEW.version IS DISTINCT FROM OLD.version) EXECUTE FUNCTION gridmap_restamp();

-- gridmap_commit_pending does the commit's work (migration 009's
-- gridmap_commit_changes, whose body it now holds) for the transaction's
-- pending change rows, if any, and returns the data version it took (NULL:
-- nothing was pending). An edit settles with it before it reads back what
-- it wrote (geo/postgres settle), an import before it records its outcome;
-- the deferred trigger at COMMIT then finds nothing pending. (SET
-- CONSTRAINTS ALL IMMEDIATE, which settled imports, ran it again inside
-- itself for the change rows the audit's refresh adds, and so took two
-- data versions, the second with no change rows: a review.)
CREATE FUNCTION gridmap_commit_pending() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v      bigint;
  layers text[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM data_change WHERE xid = pg_current_xact_id() AND version IS NULL) THEN
    RETURN NULL; -- nothing changed, or an earlier call did it all
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
  RETURN v;
END $$;

CREATE OR REPLACE FUNCTION gridmap_commit_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM gridmap_commit_pending();
  RETURN NULL;
END $$;

-- The versions' update triggers skip a restamp.
DROP TRIGGER unit_updated ON unit;
CREATE TRIGGER unit_updated AFTER UPDATE ON unit
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('gridmap.restamping', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION gridmap_unit_updated();
DROP TRIGGER enclave_updated ON enclave;
CREATE TRIGGER enclave_updated AFTER UPDATE ON enclave
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('gridmap.restamping', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION gridmap_enclave_updated();
DROP TRIGGER unit_tiles_updated ON unit;
CREATE TRIGGER unit_tiles_updated AFTER UPDATE ON unit
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('gridmap.restamping', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION gridmap_tile_units_written();
DROP TRIGGER enclave_tiles_updated ON enclave;
CREATE TRIGGER enclave_tiles_updated AFTER UPDATE ON enclave
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('gridmap.restamping', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION gridmap_tile_enclaves_written();
DROP TRIGGER unit_audit_updated ON unit;
CREATE TRIGGER unit_audit_updated AFTER UPDATE ON unit
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('gridmap.restamping', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION gridmap_audit_mark_both();
DROP TRIGGER enclave_audit_updated ON enclave;
CREATE TRIGGER enclave_audit_updated AFTER UPDATE ON enclave
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('gridmap.restamping', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION gridmap_audit_enclave_both();

-- gridmap_head_held takes the commits' lock shared, held to the end of the
-- transaction, and returns the latest data version: no later one can
-- commit until then. A volatile function's query sees what committed while
-- it waited for the lock, which the calling statement's snapshot would not.
CREATE FUNCTION gridmap_head_held() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(gridmap_commits_key());
  RETURN (SELECT version FROM data_head);
END $$;

-- gridmap_reports_gate is called once by a statement storing reports
-- resolved from data version p_version (their lowest) and observed by
-- p_observed (their latest, no later than now): it raises GMVER, naming
-- the latest version, when a version after p_version began by then (or its
-- moment is no longer known: a pruned or older change row), so that the
-- reports are resolved again; otherwise no later version begins before
-- them, as none can commit until they are stored.
CREATE FUNCTION gridmap_reports_gate(p_version bigint, p_observed timestamptz) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  head bigint := gridmap_head_held();
  next_began timestamptz;
  next_kept boolean;
BEGIN
  IF head > p_version THEN
    -- The earliest of the later versions' moments (commits before this
    -- migration carry when they began, which may come after a later one's),
    -- and that the next version's rows are still kept (pruned ones may have
    -- begun earliest).
    SELECT min(committed_at), count(*) FILTER (WHERE version = p_version + 1) > 0 INTO next_began, next_kept
      FROM data_change WHERE version > p_version;
    IF NOT next_kept OR next_began IS NULL OR next_began <= p_observed THEN
      RAISE EXCEPTION 'the boundaries moved to data version % after these reports were resolved at %', head, p_version
        USING ERRCODE = 'GMVER', DETAIL = head::text;
    END IF;
  END IF;
  RETURN true;
END $$;

-- A retirement no longer needs moving to the end of what named it
-- (migration 030): a dependant ended by another transaction committed
-- first, so its stamps are earlier than the retirement's; one ended in the
-- same transaction ends at the same instant. The function stays, moving
-- nothing, for nodes not yet upgraded that still call it (a later
-- migration drops it).
CREATE OR REPLACE FUNCTION gridmap_end_after_dependants(p_codes text[])
RETURNS TABLE (code text, valid_to timestamptz) LANGUAGE sql AS $$
  SELECT NULL::text, NULL::timestamptz WHERE false
$$;
