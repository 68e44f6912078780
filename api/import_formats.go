package api

// The files of the formats the importer reads through GDAL (KML, KMZ,
// MapInfo TAB and MIF with their parts, DXF, CSV, FlatGeobuf, GML) may be
// uploaded too; a FileGDB folder comes zipped. The list is the importer's
// (importer.GDALExtensions, checked by a test).
var gdalUploadExts = []string{".kml", ".kmz", ".tab", ".dat", ".map", ".id", ".ind", ".mif", ".mid", ".dxf", ".csv", ".fgb", ".gml"}

func init() {
	for _, e := range gdalUploadExts {
		importExts[e] = true
	}
}
