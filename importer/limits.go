package importer

// Limits bound what a file may make the importer allocate or do. A value
// read from a file (a record count, a content length, a nesting depth) is
// checked against these and against the bytes really present before it is
// used.
const (
	// MaxFeatures bounds the features of one import: a whole province's grids fit.
	MaxFeatures = 2_000_000
	// MaxFeatureBytes bounds one encoded feature (a GeoJSON feature, a .shp
	// record, a GeoPackage geometry blob): about 4 million vertices.
	MaxFeatureBytes = 64 << 20
	// MaxRingsPerFeature bounds the rings (parts) of one feature.
	MaxRingsPerFeature = 100_000
	// MaxFileBytes bounds one input file, and the total a zip may expand to.
	MaxFileBytes = 4 << 30
	// MaxZipEntries bounds the members of a zip archive.
	MaxZipEntries = 10_000
	// MaxSidecarBytes bounds the small text files: .prj, .cpg.
	MaxSidecarBytes = 64 << 10
	// MaxAttributeBytes bounds all attribute text sampled for encoding detection.
	MaxAttributeBytes = 4 << 20
)
