package importer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
)

// Every other common format — KML and KMZ from Google Earth and the web,
// MapInfo TAB and MIF, DXF drawings from CAD, FileGDB from ArcGIS, CSV with
// WKT, FlatGeobuf, GML — is read where GDAL is installed (Debian's gdal-bin,
// which scripts/gdal.sh installs): ogr2ogr converts the file into a
// GeoPackage in a private temporary directory, and gridmap's own GeoPackage
// reader imports that, with the same checks and report as every other file.
// gridmap keeps its own readers for GeoJSON, shapefiles and GeoPackages.
//
// A file is handed to GDAL only when its name says one of these formats and
// its first bytes agree (a VRT or a remote reference named .kml is refused,
// never opened): GDAL picks its driver from the content, so the content
// decides what GDAL will do.

// gdalFormat is a format read through GDAL.
type gdalFormat struct {
	Name  string   // as reports name it
	exts  []string // extensions of its main file, lower case
	sniff func(head []byte) bool
	// parts are the extensions of the files that travel with the main one.
	parts []string
	// cad marks a drawing: its areas take their code and name from the text
	// labels inside them (cad.go).
	cad bool
	// encodingOption is the open option that overrides the attribute
	// encoding ("" when the format has none).
	encodingOption string
}

var gdalFormats = []gdalFormat{
	{Name: "KML", exts: []string{".kml"}, sniff: xmlWith("<kml")},
	{Name: "KMZ", exts: []string{".kmz"}, sniff: zipMagic},
	{Name: "MapInfo TAB", exts: []string{".tab"}, sniff: textStart("!table"), parts: []string{".dat", ".map", ".id", ".ind"},
		encodingOption: "ENCODING"},
	{Name: "MapInfo MIF", exts: []string{".mif"}, sniff: textStart("version"), parts: []string{".mid"}, encodingOption: "ENCODING"},
	{Name: "DXF", exts: []string{".dxf"}, sniff: dxfHead, cad: true},
	{Name: "CSV", exts: []string{".csv"}, sniff: plainText},
	{Name: "FlatGeobuf", exts: []string{".fgb"}, sniff: bytesStart("fgb\x03")},
	{Name: "GML", exts: []string{".gml"}, sniff: xmlWith("gml")},
	{Name: "FileGDB", exts: []string{".gdb"}},
}

// GDALExtensions lists the extensions of the files (main files and their
// parts) gridmap reads through GDAL, for upload checks.
func GDALExtensions() []string {
	var out []string
	for _, f := range gdalFormats {
		out = append(append(out, f.exts...), f.parts...)
	}
	return out
}

// gdalFormatOf is the format a file's name says, if its content agrees.
func gdalFormatOf(path string, head []byte) (*gdalFormat, bool) {
	ext := strings.ToLower(filepath.Ext(path))
	for i := range gdalFormats {
		f := &gdalFormats[i]
		for _, e := range f.exts {
			if e == ext && (f.sniff == nil || f.sniff(head)) {
				return f, true
			}
		}
	}
	return nil, false
}

// gdalFormatNamed is the format whose main file has extension ext.
func gdalFormatNamed(ext string) (*gdalFormat, bool) {
	for i := range gdalFormats {
		for _, e := range gdalFormats[i].exts {
			if e == strings.ToLower(ext) {
				return &gdalFormats[i], true
			}
		}
	}
	return nil, false
}

// gdalMain finds the main file among the parts of one multi-file dataset (a
// MapInfo table: .tab with its .dat, .map, .id).
func gdalMain(paths []string) (string, bool) {
	var main string
	for _, p := range paths {
		ext := strings.ToLower(filepath.Ext(p))
		if f, ok := gdalFormatNamed(ext); ok && len(f.parts) > 0 {
			if main != "" {
				return "", false
			}
			main = p
			continue
		}
		if !isGDALPart(ext) {
			return "", false
		}
	}
	return main, main != ""
}

func isGDALPart(ext string) bool {
	for _, f := range gdalFormats {
		for _, p := range f.parts {
			if p == ext {
				return true
			}
		}
	}
	return false
}

// isGDB reports whether path is a FileGDB folder.
func isGDB(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir() && strings.EqualFold(filepath.Ext(strings.TrimRight(path, `/\`)), ".gdb")
}

func xmlWith(marker string) func([]byte) bool {
	return func(head []byte) bool {
		h := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
		return bytes.HasPrefix(h, []byte("<")) && bytes.Contains(bytes.ToLower(head), []byte(marker))
	}
}

func textStart(word string) func([]byte) bool {
	return func(head []byte) bool {
		h := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
		return plainText(head) && bytes.HasPrefix(bytes.ToLower(h), []byte(word))
	}
}

func bytesStart(magic string) func([]byte) bool {
	return func(head []byte) bool { return bytes.HasPrefix(head, []byte(magic)) }
}

func zipMagic(head []byte) bool { return bytes.HasPrefix(head, []byte("PK\x03\x04")) }

// dxfHead recognises an ASCII DXF (group code 0, then SECTION) or a binary one.
func dxfHead(head []byte) bool {
	if bytes.HasPrefix(head, []byte("AutoCAD Binary DXF")) {
		return true
	}
	fields := strings.Fields(string(head[:min(len(head), 64)]))
	return plainText(head) && len(fields) >= 2 && fields[0] == "0" && strings.EqualFold(fields[1], "SECTION")
}

// plainText reports whether head looks like text: no NUL bytes.
func plainText(head []byte) bool { return len(head) > 0 && bytes.IndexByte(head, 0) < 0 }
