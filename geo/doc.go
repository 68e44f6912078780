// Package geo holds gridmap's spatial domain: administrative levels and codes,
// units and enclaves, the resolution rules that say who answers for a point,
// the in-memory H3 index that applies them fast, coordinate systems, and the
// vocabulary of the coverage audit, imports and single edits. Who may do
// what is package access; how a case moves is package casework; both build
// on geo. docs/design.md holds the rules and the data model.
//
// It imports neither the database driver nor the HTTP framework; adapters
// (geo/postgres, api, tiles, importer) depend on it, never the reverse.
package geo
