package importer

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gridmap-dev/gridmap/geo"
)

// openZip unpacks the recognised members of a zip into a private temporary
// directory (removed on Close) and opens what it holds: one shapefile (or
// the one named by opts.Layer), one GeoJSON or one GeoPackage. Zip bombs
// are bounded by the bytes actually inflated, not by the sizes the archive
// claims.
func openZip(ctx context.Context, path string, opts OpenOptions) (Reader, error) {
	if src, f, ok, err := zipForGDAL(path); err != nil || ok {
		if err != nil {
			return nil, err
		}
		return openGDAL(ctx, src, filepath.Base(path), f, opts)
	}
	dir, err := os.MkdirTemp(opts.TempDir, "gridmap-zip-")
	if err != nil {
		return nil, fmt.Errorf("unzip: %w", err)
	}
	files, err := unzip(path, dir, opts.Take)
	if err == nil {
		var r Reader
		if r, err = openUnzipped(ctx, dir, files, opts); err == nil {
			return &cleanupReader{Reader: r, dir: dir}, nil
		}
	}
	os.RemoveAll(dir)
	return nil, err
}

// cleanupReader removes the unpacked files when the reader is closed.
type cleanupReader struct {
	Reader
	dir string
}

// Close implements Reader.
func (c *cleanupReader) Close() error {
	err := c.Reader.Close()
	os.RemoveAll(c.dir)
	return err
}

// maxUnzipBytes bounds what a zip may expand to (a variable so that tests
// can try a zip bomb without writing gigabytes).
var maxUnzipBytes int64 = MaxFileBytes

// A zip may expand past zipFreeBytes only up to maxZipRatio times its own
// size. Boundary files compress 3 to 20 times (a city's 50,000 grids as a
// shapefile: 8), a zip bomb about a thousand: without this bound a bomb of a
// few megabytes kept the one import worker unpacking up to the upload
// space's 4 GiB (an attacker's review). zipFreeBytes is a variable for tests.
const maxZipRatio = 100

var zipFreeBytes int64 = 256 << 20

// unzipBound is what a zip of zipBytes may expand to.
func unzipBound(zipBytes int64) int64 {
	return min(maxUnzipBytes, max(zipFreeBytes, maxZipRatio*zipBytes))
}

var zipMembers = map[string]bool{
	".shp": true, ".shx": true, ".dbf": true, ".prj": true, ".cpg": true,
	".geojson": true, ".json": true, ".gpkg": true,
}

func init() {
	for _, ext := range GDALExtensions() {
		if ext != ".gdb" && ext != ".kmz" { // read in place (zipForGDAL)
			zipMembers[ext] = true
		}
	}
}

// unzip extracts the members worth reading into dir, flattening folders,
// and returns their base names.
func unzip(path, dir string, take func(n int64) error) ([]string, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fileError("%s is not a readable zip archive: %v", filepath.Base(path), err)
	}
	defer zr.Close()
	if len(zr.File) > MaxZipEntries {
		return nil, tooLarge("the zip has %d members; at most %d are accepted", len(zr.File), MaxZipEntries)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("unzip: %w", err)
	}
	var picked []*zip.File
	bases := map[*zip.File]string{}
	seen := map[string]bool{}
	for _, zf := range zr.File {
		base := filepath.Base(filepath.FromSlash(strings.ReplaceAll(memberName(zf), `\`, "/")))
		if zf.FileInfo().IsDir() || strings.HasPrefix(zf.Name, "__MACOSX/") || strings.HasPrefix(base, ".") ||
			!zipMembers[strings.ToLower(filepath.Ext(base))] {
			continue
		}
		if seen[strings.ToLower(base)] {
			return nil, fileError("the zip holds %s twice (in different folders); keep one", base)
		}
		seen[strings.ToLower(base)] = true
		picked = append(picked, zf)
		bases[zf] = base
	}
	err = readMembers(picked, st.Size(), "zip member", func(zf *zip.File, r io.Reader) error {
		return save(r, filepath.Join(dir, bases[zf]), take)
	})
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Values(bases)), nil
}

// memberName is a zip member's name in UTF-8. Windows' own zipping (and
// many tools on Chinese Windows) writes names in the system's code page,
// GBK, without the zip's UTF-8 flag: such a name, not valid UTF-8, is read
// as GB18030. It came through as bytes, and the report's source name broke
// the database's insert of it (a newcomer's walkthrough).
func memberName(zf *zip.File) string {
	if utf8.ValidString(zf.Name) {
		return zf.Name
	}
	if name, err := simplifiedchinese.GB18030.NewDecoder().String(zf.Name); err == nil && utf8.ValidString(name) {
		return name
	}
	return strings.ToValidUTF8(zf.Name, "\uFFFD")
}

// save writes a member's bytes from r to dst, counting them against the
// upload space (take, nil for none).
func save(r io.Reader, dst string, take func(n int64) error) error {
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("unzip %s: %w", filepath.Base(dst), err)
	}
	var w io.Writer = out
	if take != nil {
		w = takingWriter{out, take}
	}
	_, err = io.Copy(w, r)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	switch {
	case err == nil:
		return nil
	case geo.ErrorCodeOf(err) != geo.EINTERNAL:
		return err // the upload space said no
	case errors.Is(err, zip.ErrChecksum), errors.Is(err, zip.ErrFormat), errors.Is(err, io.ErrUnexpectedEOF):
		return fileError("zip member %s is corrupt: %v", filepath.Base(dst), err)
	}
	return fmt.Errorf("unzip %s: %w", filepath.Base(dst), err)
}

// expandsTooFar tells why a zip of zipBytes was not unpacked past bound.
func expandsTooFar(zipBytes, bound int64) error {
	if bound == maxUnzipBytes {
		return tooLarge("the zip expands to more than %d bytes", maxUnzipBytes)
	}
	return tooLarge("the zip expands to more than %d bytes, over %d times its own %d: boundary files compress "+
		"3 to 20 times, a zip bomb a thousand; if this is a real file, upload its members unzipped", bound, maxZipRatio, zipBytes)
}

// openUnzipped picks the dataset among the unpacked files.
func openUnzipped(ctx context.Context, dir string, files []string, opts OpenOptions) (Reader, error) {
	var shps, others []string
	for _, f := range files {
		ext := strings.ToLower(filepath.Ext(f))
		_, viaGDAL := gdalFormatNamed(ext)
		switch {
		case ext == ".shp":
			shps = append(shps, f)
		case ext == ".geojson" || ext == ".json" || ext == ".gpkg" || viaGDAL:
			others = append(others, f)
		}
	}
	if opts.Layer != "" && len(shps) > 1 {
		for _, s := range shps {
			if strings.EqualFold(strings.TrimSuffix(s, filepath.Ext(s)), opts.Layer) {
				shps = []string{s}
				break
			}
		}
	}
	switch {
	case len(shps) == 1:
		return openShapefile(filepath.Join(dir, shps[0]), opts)
	case len(shps) > 1:
		return nil, fileError("the zip holds %d shapefiles (%s); choose one with the layer option", len(shps), strings.Join(shps, ", "))
	case len(others) == 1:
		return Open(ctx, []string{filepath.Join(dir, others[0])}, opts)
	case len(others) > 1:
		return nil, fileError("the zip holds several datasets (%s); zip one", strings.Join(others, ", "))
	}
	return nil, fileError("the zip holds no .shp, .geojson or .gpkg file, nor one GDAL reads (%s)", gdalNames())
}

// zipForGDAL recognises a zip GDAL reads in place: a KMZ (Google Earth's
// zipped KML, whose parts refer to each other by path), or a zipped FileGDB
// folder (read through /vsizip/, never unpacked).
func zipForGDAL(path string) (string, *gdalFormat, bool, error) {
	if strings.EqualFold(filepath.Ext(path), ".kmz") {
		f, _ := gdalFormatNamed(".kmz")
		return path, f, true, nil
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return "", nil, false, fileError("%s is not a readable zip archive: %v", filepath.Base(path), err)
	}
	defer zr.Close()
	if len(zr.File) > MaxZipEntries {
		return "", nil, false, tooLarge("the zip has %d members; at most %d are accepted", len(zr.File), MaxZipEntries)
	}
	gdbs := map[string]bool{}
	for _, zf := range zr.File {
		parts := strings.Split(strings.ReplaceAll(zf.Name, `\`, "/"), "/")
		for i, p := range parts[:len(parts)-1] {
			if strings.EqualFold(filepath.Ext(p), ".gdb") && !strings.HasPrefix(zf.Name, "__MACOSX/") {
				gdbs[strings.Join(parts[:i+1], "/")] = true
				break
			}
		}
	}
	if len(gdbs) == 0 {
		return "", nil, false, nil
	}
	if len(gdbs) > 1 {
		return "", nil, false, fileError("the zip holds %d FileGDB folders; zip one", len(gdbs))
	}
	if err := inflatesWithin(zr, path); err != nil {
		return "", nil, false, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", nil, false, err
	}
	f, _ := gdalFormatNamed(".gdb")
	for gdb := range gdbs {
		return "/vsizip/" + filepath.ToSlash(abs) + "/" + gdb, f, true, nil
	}
	return "", nil, false, nil
}

// inflatesWithin inflates every member of the zip at path, counting, and
// refuses it past unzipBound of its size: GDAL reads a zipped FileGDB in
// place, where unzip's budget never sees it (an attacker's review: a 316
// KB zip of a 301 MiB FileGDB was inflated whole).
func inflatesWithin(zr *zip.ReadCloser, path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("unzip: %w", err)
	}
	return readMembers(zr.File, st.Size(), "zip member", func(zf *zip.File, r io.Reader) error {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return fileError("zip member %s is corrupt: %v", memberName(zf), err)
		}
		return nil
	})
}

// readMembers passes each of a zip's members (of the zip's files, those
// wanted) to read as it inflates, and refuses the zip (of zipBytes) once
// what read takes passes unzipBound of its size: the one bound of every
// unpacking, to disk (unzip) or in place by GDAL (a FileGDB folder, a
// KMZ). what names a member in messages.
func readMembers(files []*zip.File, zipBytes int64, what string, read func(zf *zip.File, r io.Reader) error) error {
	bound := unzipBound(zipBytes)
	budget := bound
	for _, zf := range files {
		if zf.FileInfo().IsDir() {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return fileError("%s %s cannot be read: %v", what, memberName(zf), err)
		}
		lr := &io.LimitedReader{R: rc, N: budget + 1}
		err = read(zf, lr)
		rc.Close()
		if budget = lr.N - 1; budget < 0 {
			return expandsTooFar(zipBytes, bound)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// takingWriter writes to w after take has granted the bytes: unpacking
// counts against the upload space as it goes, so a zip bomb stops at the
// space's bound, not after filling the disk.
type takingWriter struct {
	w    io.Writer
	take func(n int64) error
}

func (t takingWriter) Write(p []byte) (int, error) {
	if err := t.take(int64(len(p))); err != nil {
		return 0, err
	}
	return t.w.Write(p)
}
