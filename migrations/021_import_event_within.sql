-- An import's end was placed by its scope option alone, which only limits
-- what retire_missing retires: a scoped editor's import (options.within,
-- no scope) and every unscoped one had the code '' and reached every
-- stream, anonymous ones included, with the file's name. It is placed by
-- what it may touch: its uploader's scope (within), '' for the whole
-- city. The API sends it whole only to callers who may read the job.
CREATE OR REPLACE FUNCTION gridmap_import_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO event_log (kind, codes, data)
    VALUES ('import.finished', ARRAY[coalesce(NEW.options->>'within', '')],
      jsonb_build_object('id', NEW.id, 'status', NEW.status, 'source', NEW.source,
        'scope', NEW.options->>'scope', 'index_version', NEW.report->'index_version'));
  RETURN NULL;
END $$;
