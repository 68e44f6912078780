-- A data version number could be given twice. A database that lost commits
-- — a failover to a standby that had not received them, a crash with
-- synchronous_commit off — gives their version numbers again to the next
-- commits, and a node that had applied the lost ones saw the same number
-- with other content and kept answering from data the database no longer
-- had (a ninth attacker: a merge lost, the responsible unit wrong, for
-- ever; the index check compares codes and version numbers, which agreed).
-- Every version now carries a random stamp, in data_head and on its change
-- rows, which a node compares with the one it applied: another stamp under
-- its version number means its data were lost, and it rebuilds.
ALTER TABLE data_head ADD COLUMN stamp uuid;
ALTER TABLE data_change ADD COLUMN stamp uuid;

-- The stamps are set by triggers rather than in gridmap_commit_changes, so
-- that function is not restated: the head's when its version moves, the
-- change rows' when they are given their version (after the head's, in the
-- same transaction).
CREATE FUNCTION gridmap_stamp_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.version IS DISTINCT FROM OLD.version THEN
    NEW.stamp := gen_random_uuid();
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER data_head_stamp BEFORE UPDATE ON data_head
  FOR EACH ROW EXECUTE FUNCTION gridmap_stamp_head();

CREATE FUNCTION gridmap_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.version IS NULL AND NEW.version IS NOT NULL THEN
    NEW.stamp := (SELECT stamp FROM data_head);
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER data_change_stamp BEFORE UPDATE OF version ON data_change
  FOR EACH ROW EXECUTE FUNCTION gridmap_stamp_change();
