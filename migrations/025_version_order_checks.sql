-- The constraints an import overtaken by another writer fails on, and is
-- applied again for (importer/apply_overtaken.go), had the names
-- PostgreSQL makes up for unnamed ones, and the importer knew them by
-- those: a version ending after it begins (<table>_check), unique version
-- numbers (<table>_code_version_key) and periods of one code that do not
-- overlap (<table>_code_tstzrange_excl). Named here, so that the names are
-- ours.
ALTER TABLE unit RENAME CONSTRAINT unit_check TO unit_ends_after_it_begins;
ALTER TABLE enclave RENAME CONSTRAINT enclave_check TO enclave_ends_after_it_begins;
ALTER TABLE unit RENAME CONSTRAINT unit_code_version_key TO unit_version_numbers_unique;
ALTER TABLE enclave RENAME CONSTRAINT enclave_code_version_key TO enclave_version_numbers_unique;
ALTER TABLE unit RENAME CONSTRAINT unit_code_tstzrange_excl TO unit_periods_apart;
ALTER TABLE enclave RENAME CONSTRAINT enclave_code_tstzrange_excl TO enclave_periods_apart;
