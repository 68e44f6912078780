-- A retired unit's last version ends no earlier than the versions that named
-- it. A version's valid_to is the database's clock inside its transaction,
-- taken before it commits. A retirement closes the unit, then checks that
-- nothing current names it; an enclave retired (or moved to another managing
-- unit, or a child retired) by a transaction that began its write after the
-- retirement's clock and committed before its check passed the check, and
-- ended later than the unit it named: the history then held the enclave
-- current for a few milliseconds under a unit that was not (the concurrent
-- write stress test's history check, 1 run in 4 to 8 under load), and a
-- question about that moment (resolve at=, a report's observed time) found
-- an enclave whose managing unit had no version. In commit order nothing was
-- wrong: the dependant's end committed first. So the retirement, once its
-- check has passed, is moved to the last end among the versions that named
-- its code, when that is later: still before its own commit, so still an
-- instant at which the unit was current.
CREATE INDEX enclave_managing_code_idx ON enclave (managing_code);

-- gridmap_end_after_dependants moves the end of the retired units p_codes
-- (each code's latest version, closed in this transaction) to the latest
-- end among the enclave versions that named it as their managing unit and
-- the unit versions that named it as their parent, where that is later, and
-- returns the codes moved with their new ends. A parent retired in the same
-- transaction as its child follows the child's new end (passes until none
-- moves; a chain has at most five levels). Ends in the future (no path
-- writes one) are not followed.
CREATE FUNCTION gridmap_end_after_dependants(p_codes text[])
RETURNS TABLE (code text, valid_to timestamptz) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  moved text[] := '{}';
  pass_moved text[];
BEGIN
  FOR pass IN 1..6 LOOP
    WITH last_end AS (
      SELECT c.code, greatest(
          (SELECT max(e.valid_to) FROM enclave e WHERE e.managing_code = c.code AND e.valid_to <= clock_timestamp()),
          (SELECT max(k.valid_to) FROM unit k WHERE k.parent_code = c.code AND k.valid_to <= clock_timestamp())) AS at
      FROM unnest(p_codes) AS c(code)),
    moved_rows AS (
      UPDATE unit u SET valid_to = l.at FROM last_end l
      WHERE u.code = l.code AND u.valid_to < l.at
        AND u.version = (SELECT max(v.version) FROM unit v WHERE v.code = l.code)
      RETURNING u.code)
    SELECT array_agg(m.code) INTO pass_moved FROM moved_rows m;
    EXIT WHEN pass_moved IS NULL;
    moved := moved || pass_moved;
  END LOOP;
  RETURN QUERY SELECT DISTINCT ON (u.code) u.code, u.valid_to FROM unit u
    WHERE u.code = ANY (moved) ORDER BY u.code, u.version DESC;
END $$;
