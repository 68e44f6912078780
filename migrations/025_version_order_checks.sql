-- The check that a version ends after it begins (migration 001) had the
-- name PostgreSQL gives an unnamed check, <table>_check, and the importer
-- knew it by that name: an import overtaken by a version begun after its
-- instant fails on it and is applied again with a later one
-- (importer/apply_overtaken.go). Named here, so that the name is ours.
ALTER TABLE unit RENAME CONSTRAINT unit_check TO unit_ends_after_it_begins;
ALTER TABLE enclave RENAME CONSTRAINT enclave_check TO enclave_ends_after_it_begins;
