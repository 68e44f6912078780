-- Placeholder for migration 007 (the change record), written on another
-- branch. tern numbers migrations without gaps, so 008 needs a 007 to run
-- on this branch; when the branches are merged, that branch's
-- 007_changes.sql replaces this file.
SELECT 1;
