package api

import (
	"slices"
	"testing"

	"github.com/gridmap-dev/gridmap/importer"
)

// TestUploadsTakeTheGDALFormats keeps the upload check in step with the
// formats the importer reads through GDAL: every file of theirs may be
// uploaded, except a FileGDB folder, which comes zipped.
func TestUploadsTakeTheGDALFormats(t *testing.T) {
	for _, ext := range importer.GDALExtensions() {
		if ext != ".gdb" && !slices.Contains(gdalUploadExts, ext) {
			t.Errorf("%s files are read by the importer but refused as uploads", ext)
		}
	}
	for _, ext := range gdalUploadExts {
		if !slices.Contains(importer.GDALExtensions(), ext) {
			t.Errorf("%s files are taken as uploads but the importer does not read them", ext)
		}
	}
}
