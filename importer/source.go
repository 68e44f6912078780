package importer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// Feature is one record of a file.
type Feature struct {
	Index int              // position in the file, from 0 (a shapefile's FID)
	Attrs map[string]any   // attribute values: string, json.Number, bool or nil
	Geom  orb.MultiPolygon // nil when missing or unusable (Err says why)
	Bound orb.Bound        // of Geom, in the file's coordinate system
	Err   *featureError    // why the feature cannot be imported, if it cannot
	Notes []*featureError  // repairs made while reading; reported as warnings
	// nested holds the properties of a feature of gridmap's API answers,
	// kept apart from its fields by the reader Open returns (apiform.go),
	// or of gridmap's export files (exact set: propcolumns.go); nil for any
	// other feature.
	nested map[string]any
	// exact says nested holds a gridmap export's properties under their
	// own names: kept as they are, never renamed.
	exact bool
}

// note records a repair made while reading.
func (f *Feature) note(format string, args ...any) {
	f.Notes = append(f.Notes, featErr(geo.IssueRepaired, format, args...))
}

// Info describes an open source. CRS and Encoding are final only after the
// last feature has been read (a GeoJSON "crs" member may come last).
type Info struct {
	Format   string      // "GeoJSON", "Shapefile" or "GeoPackage"
	Name     string      // the file name shown in reports
	Layer    string      // GeoPackage table or shapefile base name
	CRS      declaredCRS // what the file says about its coordinates
	Encoding string      // how attribute text was decoded and why
	Notes    []string    // file-level warnings
}

// Reader yields the features of a file one at a time.
type Reader interface {
	// Info describes the source.
	Info() Info
	// Next returns the next feature, or io.EOF after the last. A problem
	// with one feature comes back in Feature.Err; an error from Next means
	// the file cannot be read further and the import must stop.
	Next() (Feature, error)
	// Progress says how far reading has come, in features or bytes.
	Progress() (done, total int64)
	// Close releases the files.
	Close() error
}

// OpenOptions choose among a source's layers and override its encoding.
type OpenOptions struct {
	Layer    string // GeoPackage layer, or shapefile base name in a zip
	Encoding string // attribute encoding of a shapefile or GeoJSON
	// CodeField names the attribute holding the code ("" : the guesses),
	// for the check of a shapefile's declared encoding.
	CodeField string
	TempDir   string // where zips are unpacked; "" for the system default
	// Take, when set, claims disk for every unpacked byte before it is
	// written (the upload space of the HTTP API); an error stops unpacking.
	Take func(n int64) error
}

// Open recognises the format of the files at paths and opens a reader. The
// paths are one GeoJSON, GeoPackage or zip file, or the parts of one
// shapefile (.shp with its .dbf, .shx, .prj, .cpg beside it or listed).
// A layer that is an answer of gridmap's API is read as one (apiform.go).
func Open(ctx context.Context, paths []string, opts OpenOptions) (Reader, error) {
	return readAPIForm(open(ctx, paths, opts))
}

func open(ctx context.Context, paths []string, opts OpenOptions) (Reader, error) {
	if len(paths) == 0 {
		return nil, fileError("no file given")
	}
	if shp, ok := shapefileMain(paths); ok {
		return openShapefile(shp, opts)
	}
	if main, ok := gdalMain(paths); ok {
		return openGDALFile(ctx, main, opts)
	}
	if len(paths) > 1 {
		return nil, fileError("several files given (%s) that are not the parts of one shapefile or MapInfo table; import them one at a time", strings.Join(baseNames(paths), ", "))
	}
	if isGDB(paths[0]) {
		f, _ := gdalFormatNamed(".gdb")
		return openGDAL(ctx, paths[0], filepath.Base(strings.TrimRight(paths[0], `/\`)), f, opts)
	}
	kind, err := sniff(paths[0])
	if err != nil {
		return nil, err
	}
	switch kind {
	case "zip":
		return openZip(ctx, paths[0], opts)
	case "geojson":
		return openGeoJSON(paths[0], opts)
	case "gpkg":
		return openGeoPackage(ctx, paths[0], opts)
	case "shp":
		return openShapefile(paths[0], opts)
	case "gdal":
		return openGDALFile(ctx, paths[0], opts)
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownFormat, filepath.Base(paths[0]))
}

// shapefileMain finds the .shp among the parts of a shapefile.
func shapefileMain(paths []string) (string, bool) {
	var shp string
	for _, p := range paths {
		switch strings.ToLower(filepath.Ext(p)) {
		case ".shp":
			if shp != "" {
				return "", false
			}
			shp = p
		case ".dbf", ".shx", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".xml":
		default:
			return "", false
		}
	}
	return shp, shp != ""
}

// sniff decides a file's format from its first bytes, then its extension.
func sniff(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fileError("cannot open %s: %v", filepath.Base(path), pathless(err))
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "zip", nil
	case bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
		return "gpkg", nil
	case bytes.HasPrefix(head, []byte{0, 0, 0x27, 0x0a}):
		return "shp", nil
	case looksLikeJSON(head):
		return "geojson", nil
	case n == 0:
		return "", fileError("%s is empty", filepath.Base(path))
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".geojson", ".json":
		return "geojson", nil
	}
	if _, ok := gdalFormatNamed(filepath.Ext(path)); ok {
		return "gdal", nil // openGDALFile checks that the content agrees
	}
	return "", fileError("%s is not GeoJSON, a shapefile, a GeoPackage or a zip of one, nor a format read through GDAL (%s)", filepath.Base(path), gdalNames())
}

// gdalNames lists the formats read through GDAL, for messages.
func gdalNames() string {
	names := make([]string, len(gdalFormats))
	for i, f := range gdalFormats {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

func looksLikeJSON(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")) // a BOM, as Windows tools write
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && head[0] == '{'
}

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	slices.Sort(out)
	return out
}

// pathless strips the directory from *os.PathError messages: reports and
// API answers must not reveal server paths.
func pathless(err error) error {
	var pe *os.PathError
	if e, ok := err.(*os.PathError); ok {
		pe = e
		return fmt.Errorf("%s %s: %v", pe.Op, filepath.Base(pe.Path), pe.Err)
	}
	return err
}
