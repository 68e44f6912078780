-- A version is stamped with the moment its transaction commits, not the
-- moment it was written. The stamps were the database's clock inside the
-- transaction, taken before the coverage audit, the warnings and the commit
-- (25–230 ms at demo scale, seconds for a city's import): a report resolved
-- in that window was stored under the old unit while the history later
-- said the new one had begun (a tenth attacker: 145–253 of ~2,100 reports
-- during splits), and `resolve?at=` for such a moment changed its answer
-- once the edit committed.
--
-- Each stamp an edit takes comes from gridmap_stamp, which records it. At
-- commit, once gridmap_commit_changes holds data_head's row (the lock that
-- orders commits), gridmap_restamp moves every recorded stamp on the
-- transaction's versions to the clock of that moment, keeping their order
-- (the i-th distinct stamp becomes that moment plus i-1 microseconds), and
-- the tile rows' copies with them. A stamp given by the caller (a version
-- that starts later) is not recorded and is kept.
--
-- Reports are ordered against commits by an advisory lock: a report's
-- statement holds it shared while it checks that the data version its
-- resolution used is still the latest (gridmap_reports_gate); a commit
-- takes it alone before reading the clock for its stamps. A report stored
-- from version v was therefore stored before v+1's stamp, and one that
-- would be stored after it is refused, to be resolved again.

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
-- rows of one versioned table whose codes this transaction changed, one row
-- at a time from the latest start down: every new stamp is later than
-- every old one, so each row moves into room its successors have left, and
-- the table's exclusion constraint holds after every step. It returns the
-- ids of the rows moved that are current, whose tile rows carry valid_from.
CREATE FUNCTION gridmap_restamp_rows(tbl regclass, codes text[], olds timestamptz[], news timestamptz[])
RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
  r record;
  current_ids bigint[] := '{}';
BEGIN
  FOR r IN EXECUTE format('SELECT id, valid_from, valid_to FROM %s WHERE code = ANY ($1)
      AND (valid_from = ANY ($2) OR valid_to = ANY ($2)) ORDER BY valid_from DESC', tbl) USING codes, olds
  LOOP
    EXECUTE format('UPDATE %s SET valid_from = $2, valid_to = $3 WHERE id = $1', tbl) USING r.id,
      coalesce(news[array_position(olds, r.valid_from)], r.valid_from),
      coalesce(news[array_position(olds, r.valid_to)], r.valid_to);
    IF r.valid_to IS NULL THEN
      current_ids := current_ids || r.id;
    END IF;
  END LOOP;
  RETURN current_ids;
END $$;

-- gridmap_restamp runs when a commit moves the data version (inside
-- gridmap_commit_changes, which holds data_head's row): it takes the
-- commits' lock, so that no report is being stored, reads the clock and
-- moves the transaction's stamps to it.
CREATE FUNCTION gridmap_restamp() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  me        xid8 := pg_current_xact_id();
  olds      timestamptz[];
  news      timestamptz[];
  commit_at timestamptz;
  moved     bigint[];
BEGIN
  PERFORM pg_advisory_xact_lock(gridmap_commits_key());
  SELECT array_agg(at ORDER BY at) INTO olds FROM data_stamp WHERE xid = me;
  IF olds IS NULL THEN
    RETURN NULL;
  END IF;
  commit_at := greatest(clock_timestamp(), olds[array_upper(olds, 1)] + interval '1 microsecond');
  SELECT array_agg(commit_at + (i - 1) * interval '1 microsecond' ORDER BY i) INTO news
    FROM generate_series(1, array_length(olds, 1)) AS i;
  -- The versions' own triggers (change record, tiles, audit) have done
  -- their work for these rows; a restamp is not an edit.
  PERFORM set_config('gridmap.restamping', 'on', true);
  moved := gridmap_restamp_rows('unit', ARRAY(SELECT DISTINCT c FROM data_change d, unnest(d.codes) c
    WHERE d.xid = me AND d.entity = 'unit'), olds, news);
  UPDATE tile_unit t SET valid_from = u.valid_from FROM unit u
   WHERE u.id = ANY (moved) AND t.unit_id = u.id AND t.valid_from <> u.valid_from;
  moved := gridmap_restamp_rows('enclave', ARRAY(SELECT DISTINCT c FROM data_change d, unnest(d.codes) c
    WHERE d.xid = me AND d.entity = 'enclave'), olds, news);
  UPDATE tile_enclave t SET valid_from = e.valid_from FROM enclave e
   WHERE e.id = ANY (moved) AND t.enclave_id = e.id AND t.valid_from <> e.valid_from;
  PERFORM set_config('gridmap.restamping', 'off', true);
  -- This transaction's stamps, and any a finished one left (one that took
  -- a stamp and, changing nothing, never came here).
  DELETE FROM data_stamp WHERE xid = me OR pg_xact_status(xid) IS DISTINCT FROM 'in progress';
  RETURN NULL;
END $$;

CREATE TRIGGER data_head_restamp AFTER UPDATE ON data_head
  FOR EACH ROW WHEN (NEW.version IS DISTINCT FROM OLD.version) EXECUTE FUNCTION gridmap_restamp();

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
-- resolved from data version p_version (their lowest): it raises GMVER,
-- naming the latest version, when a later one has committed, so that the
-- reports are resolved again; otherwise no later one commits before them.
CREATE FUNCTION gridmap_reports_gate(p_version bigint) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  head bigint := gridmap_head_held();
BEGIN
  IF head > p_version THEN
    RAISE EXCEPTION 'the boundaries moved to data version % after these reports were resolved at %', head, p_version
      USING ERRCODE = 'GMVER', DETAIL = head::text;
  END IF;
  RETURN true;
END $$;

-- A retirement no longer needs moving to the end of what named it
-- (migration 030): a dependant ended by another transaction committed
-- first, so its stamps are earlier than the retirement's; one ended in the
-- same transaction ends at the same instant.
DROP FUNCTION gridmap_end_after_dependants(text[]);
