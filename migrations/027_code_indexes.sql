-- Units under a code: a street's communities and grids are the current
-- units whose codes start with the street's (starts_with(code, $1)), which
-- the export, the audit's reads, the import's retirements and the
-- statistics ask for. No index answered it: the btree on codes follows the
-- database's collation, which a prefix cannot use, so each read every
-- current unit (57 ms to list one community's parents at province scale).
-- text_pattern_ops orders codes by their bytes, and PostgreSQL turns
-- starts_with and LIKE 'prefix%' into a range of this index.
CREATE INDEX unit_current_code_prefix_idx ON unit (code text_pattern_ops) WHERE valid_to IS NULL;

-- Every version of a unit's children: the names the statistics give the
-- children of a unit (geo/postgres overviewNamesSQL), retired ones too,
-- whose cases still count. The parent index of migration 001 holds the
-- current versions only.
CREATE INDEX unit_parent_code_all_idx ON unit (parent_code);

-- Versions closed later than now: the predecessors of versions that start
-- later (migration 019), which "valid now" still counts. Few rows, and the
-- other half of "valid now" beside the current versions' partial indexes.
CREATE INDEX unit_ending_idx ON unit (valid_to) WHERE valid_to IS NOT NULL;
CREATE INDEX enclave_ending_idx ON enclave (valid_to) WHERE valid_to IS NOT NULL;
