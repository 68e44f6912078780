// Package geo holds gridmap's spatial domain: administrative levels and codes,
// units and enclaves, the resolution rules that say who answers for a point,
// the in-memory H3 index that applies them fast, and coordinate systems.
//
// It imports neither the database driver nor the HTTP framework; adapters
// (geo/postgres, api, tiles, importer) depend on it, never the reverse.
package geo
