-- An import tagged its change-log rows ({"import_job": …, "source": …})
-- with an UPDATE of the rows its own transaction wrote, found by
-- xmin = pg_current_xact_id(). Rows written in a savepoint carry the
-- subtransaction's xid, so an import applied from a savepoint (applied
-- again when overtaken by a version begun after its instant:
-- importer/apply_overtaken.go) left its rows untagged, and a retirement's
-- retry could no longer tell an import's retirement from its own. The
-- detail is now a transaction setting the triggers' rows take as they are
-- written, whatever the subtransaction: SET LOCAL gridmap.change_detail
-- (JSON; unset or empty: '{}').
ALTER TABLE change_log ALTER COLUMN detail
  SET DEFAULT coalesce(nullif(current_setting('gridmap.change_detail', true), '')::jsonb, '{}');
