// Package importer reads the boundary files GIS staff have — GeoJSON (with
// the old "crs" member), Shapefiles (.shp/.shx/.dbf/.prj/.cpg, loose or
// zipped, attributes in UTF-8, GBK or GB18030) and GeoPackages — checks every
// feature, and commits them as new unit versions in one transaction, or none.
// It also writes boundaries back out (Export) so staff can round-trip them
// through their desktop tools.
//
// The flow of an import:
//
//  1. A reader (geojson.go, shapefile.go, gpkg.go) yields features one at a
//     time, bounded in size and nesting, with per-feature read problems
//     attached instead of aborting the file.
//  2. Field mapping (mapping.go) turns attributes into code, name, parent,
//     level and properties and checks what needs no database.
//  3. Staging (stage.go) copies the features as WKB, at full precision, into
//     a temporary table of the import's transaction; PostGIS reprojects
//     (ST_Transform), validates (ST_IsValidDetail) and repairs (ST_MakeValid)
//     them there (check.go).
//  4. The commit (apply.go) closes changed versions and inserts new ones,
//     then audits the affected parents (gaps, overlaps, children outside)
//     for the report. Errors, a dry run, a cancelled context or a killed
//     process all end in a rollback: the database is as before. A job's
//     success is recorded in the same transaction (job.go, commitJob), so
//     a process killed after COMMIT leaves a succeeded job, never one that
//     a restart calls interrupted.
//
// Hostile input gets a clear error, never a crash or a hang: every size
// read from a file is checked against the bytes that are really there and
// against the limits in limits.go.
package importer
