package importer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// ogr2ogrCommand is the GDAL program that converts; a variable so that a
// test can name one that is not installed.
var ogr2ogrCommand = "ogr2ogr"

// gdalTimeout bounds one conversion: a hostile file must not hold an import
// (and its upload directory) forever.
const gdalTimeout = 15 * time.Minute

// gdalConfig are the GDAL configuration options of every run on an upload.
// They go both on the command line (--config, which beats the environment
// and any gdalrc) and into the environment. Besides, each run may use only
// the one driver of its format and GPKG, which writes the conversion
// (gdalSkip). Each name is one GDAL 3.6 reads; what the GML, proxy and
// /vsicurl/ ones stop was tried on GDAL 3.6.2 (TestGDALStaysInsideUpload).
var gdalConfig = [][2]string{
	// No .aux.xml written beside the source.
	{"GDAL_PAM_ENABLED", "NO"},
	// The folder of the upload is not listed: drivers that find sidecars
	// from the listing see none (GML still opens a same-named .xsd, which
	// no upload can bring: the API and zips take no .xsd).
	{"GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR"},
	// Every HTTP(S) request GDAL makes goes to a proxy that refuses the
	// connection at once (port 9, discard); /vsicurl/ opens nothing (no
	// file ends so); no .netrc credentials.
	{"GDAL_HTTP_PROXY", "127.0.0.1:9"},
	{"GDAL_HTTP_CONNECTTIMEOUT", "5"}, {"GDAL_HTTP_TIMEOUT", "10"}, {"GDAL_HTTP_MAX_RETRY", "0"},
	{"GDAL_HTTP_NETRC", "NO"},
	{"CPL_VSIL_CURL_ALLOWED_EXTENSIONS", ".gridmap-none"},
	// GML: xlink:href is never followed (a local file or a URL), and a WFS
	// answer's schema (DescribeFeatureType) is never downloaded.
	{"GML_SKIP_RESOLVE_ELEMS", "ALL"},
	{"GML_DOWNLOAD_WFS_SCHEMA", "NO"},
	// KMZ: a style URL outside the archive is not fetched.
	{"LIBKML_EXTERNAL_STYLE", "NO"},
	// KML fields keep their names (飞地编码 would become underscores).
	{"LIBKML_LAUNDER_FIELD_NAMES", "NO"},
	{"CPL_DEBUG", "OFF"},
}

// curlEnv sends whatever libcurl would fetch on its own to the refusing
// proxy too, and empties no_proxy, which would exempt hosts (loopback,
// often) from GDAL_HTTP_PROXY. GDAL_CONFIG_FILE keeps a gdalrc, which may
// tell GDAL to ignore the environment, from being read.
var curlEnv = []string{
	"http_proxy=http://127.0.0.1:9", "https_proxy=http://127.0.0.1:9", "HTTPS_PROXY=http://127.0.0.1:9",
	"ftp_proxy=http://127.0.0.1:9", "all_proxy=http://127.0.0.1:9", "ALL_PROXY=http://127.0.0.1:9",
	"no_proxy=", "NO_PROXY=", "GDAL_CONFIG_FILE=" + os.DevNull,
}

// gdalEncodings maps the encoding option to GDAL's names of code pages.
var gdalEncodings = map[string]string{"utf-8": "UTF-8", "utf8": "UTF-8", "gbk": "CP936", "gb2312": "CP936", "gb18030": "CP936", "cp936": "CP936"}

// openGDALFile opens a single file in a format read through GDAL.
func openGDALFile(ctx context.Context, path string, opts OpenOptions) (Reader, error) {
	head, err := readHead(path)
	if err != nil {
		return nil, err
	}
	f, err := gdalFormatOf(path, head)
	if err != nil {
		return nil, err
	}
	return openGDAL(ctx, path, filepath.Base(path), f, opts)
}

// openGDAL converts src (a file, a FileGDB folder or a /vsizip/ path; name
// is how reports call it) into a GeoPackage in a private temporary
// directory, removed on Close, and opens that.
func openGDAL(ctx context.Context, src, name string, f *gdalFormat, opts OpenOptions) (Reader, error) {
	if err := screenUpload(src, name, f); err != nil {
		return nil, err
	}
	bin, err := exec.LookPath(ogr2ogrCommand)
	if err != nil {
		return nil, geo.Errorf(geo.EUNSUPPORTED, "file",
			"%s is a %s file; reading it needs GDAL's ogr2ogr, which is not installed on this server: install the gdal-bin package (Debian/Ubuntu: apt-get install gdal-bin), or convert the file to a GeoPackage, GeoJSON or a shapefile",
			name, f.Name)
	}
	dir, err := os.MkdirTemp(opts.TempDir, "gridmap-gdal-")
	if err != nil {
		return nil, fmt.Errorf("conversion directory: %w", err)
	}
	r, err := convertAndOpen(ctx, bin, src, name, dir, f, opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return r, nil
}

func convertAndOpen(ctx context.Context, bin, src, name, dir string, f *gdalFormat, opts OpenOptions) (Reader, error) {
	out := filepath.Join(dir, "converted.gpkg")
	safe, err := gdalSafeArgs(ctx, bin, dir, f)
	if err != nil {
		return nil, err
	}
	for _, args := range conversions(src, out, f, opts) {
		if err := runOGR(ctx, bin, slices.Concat(safe, args), dir, src, name); err != nil {
			return nil, err
		}
	}
	if st, err := os.Stat(out); err != nil {
		return nil, fileError("GDAL made nothing of %s: it holds no layer GDAL can read", name)
	} else if st.Size() > MaxFileBytes {
		return nil, tooLarge("%s converts to more than %d bytes", name, int64(MaxFileBytes))
	}
	layer := opts.Layer
	if f.cad {
		layer = cadAreas
	}
	inner, err := openGeoPackage(ctx, out, OpenOptions{Layer: layer})
	if err != nil {
		return nil, err
	}
	g := &gdalReader{Reader: inner, dir: dir, format: f, name: name, encoding: opts.Encoding}
	if f.cad {
		return newCADReader(ctx, g, out)
	}
	return g, nil
}

// conversions are the ogr2ogr runs that turn src into out: one, or for a
// drawing two (its areas, then its text labels).
func conversions(src, out string, f *gdalFormat, opts OpenOptions) [][]string {
	base := []string{"-f", "GPKG", "-lco", "SPATIAL_INDEX=NO", "-gt", "65536"}
	var open []string
	if enc, ok := gdalEncodings[strings.ToLower(opts.Encoding)]; ok && f.encodingOption != "" {
		open = append(open, "-oo", f.encodingOption+"="+enc)
	}
	if f.cad {
		if enc, ok := gdalEncodings[strings.ToLower(opts.Encoding)]; ok {
			open = append(open, "--config", "DXF_ENCODING", enc)
		}
		areas := append(append(append([]string{}, base...), open...), "-nln", cadAreas, "-nlt", "MULTIPOLYGON", "-select", "Layer",
			"-where", "OGR_GEOMETRY='POLYGON' OR OGR_GEOMETRY='MULTIPOLYGON' OR OGR_GEOMETRY='LINESTRING' OR OGR_GEOMETRY='MULTILINESTRING'",
			out, src)
		labels := append(append([]string{"-update"}, open...), "-nln", cadLabels, "-nlt", "POINT", "-select", "Text",
			"-where", "OGR_GEOMETRY='POINT' AND Text IS NOT NULL", out, src)
		return [][]string{areas, labels}
	}
	if f.Name == "CSV" {
		open = append(open, "-oo", "GEOM_POSSIBLE_NAMES=WKT,wkt,geometry,Geometry,geom,the_geom,SHAPE,shape", "-oo", "KEEP_GEOM_COLUMNS=NO")
	}
	args := append(append(append([]string{}, base...), open...), "-nlt", "PROMOTE_TO_MULTI", out, src)
	if opts.Layer != "" {
		args = append(args, opts.Layer)
	}
	return [][]string{args}
}

// gdalSafeArgs are the options that hold every run on an upload to its
// format's driver, without network or other files: gdalConfig, GDAL_SKIP
// naming every other driver, -if where this ogr2ogr has it (GDAL 3.7+;
// 3.6 refuses it), and for GML an empty schema registry (GDAL's own lists
// schemas on the web, fetched when a file's namespace matches) and no
// WFS schema download or .gfs written beside the upload.
func gdalSafeArgs(ctx context.Context, bin, dir string, f *gdalFormat) ([]string, error) {
	skip, err := gdalSkip(ctx, bin, f)
	if err != nil {
		return nil, err
	}
	var args []string
	for _, kv := range slices.Concat(gdalConfig, [][2]string{{"GDAL_SKIP", skip}, {"OGR_SKIP", skip}}) {
		args = append(args, "--config", kv[0], kv[1])
	}
	if ogrHasIf(bin) {
		args = append(args, "-if", f.driver)
	}
	if f.driver == "GML" {
		registry := filepath.Join(dir, "gml_registry.xml")
		if err := os.WriteFile(registry, []byte("<gml_registry/>\n"), 0o600); err != nil {
			return nil, fmt.Errorf("GML registry: %w", err)
		}
		args = append(args, "-oo", "REGISTRY="+registry, "-oo", "DOWNLOAD_SCHEMA=NO", "-oo", "WRITE_GFS=NO")
	}
	return args, nil
}

// gdalEnviron is the environment of a GDAL run: the server's, with
// gdalConfig and curlEnv over it.
func gdalEnviron() []string {
	env := os.Environ()
	for _, kv := range gdalConfig {
		env = append(env, kv[0]+"="+kv[1])
	}
	return append(env, curlEnv...)
}

// gdalSkip lists, for GDAL_SKIP, every vector driver of the GDAL at bin but
// f's and GPKG's: GDAL has no list of drivers allowed, so the allowed ones
// are what it does not skip. The list is read at each conversion (plugins
// come and go with packages) from ogr2ogr --formats, run with no skip list
// and no gdalrc; a listing gridmap cannot read stops the conversion.
func gdalSkip(ctx context.Context, bin string, f *gdalFormat) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--formats")
	cmd.Env = append(os.Environ(), "GDAL_SKIP=", "OGR_SKIP=", "GDAL_CONFIG_FILE="+os.DevNull)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("list GDAL's drivers: %w", err)
	}
	var skip []string
	have := false
	for _, m := range gdalDriverLine.FindAllStringSubmatch(string(out), -1) {
		switch name := m[1]; {
		case name == f.driver:
			have = true
		case name == "GPKG":
		case strings.Contains(name, ","): // GDAL_SKIP could not name it
			return "", fmt.Errorf("GDAL driver %q cannot be skipped", name)
		default:
			skip = append(skip, name)
		}
	}
	switch {
	case len(skip) == 0: // nothing to skip is a listing misread: fail closed
		return "", fmt.Errorf("list GDAL's drivers: none found in %q", clipText(string(out), 200))
	case !have:
		return "", geo.Errorf(geo.EUNSUPPORTED, "file", "this server's GDAL has no %s driver, which reads %s files", f.driver, f.Name)
	}
	return strings.Join(skip, ","), nil
}

// gdalDriverLine is a line of ogr2ogr --formats: "  MapInfo File -vector- (rw+v): MapInfo File".
var gdalDriverLine = regexp.MustCompile(`(?m)^\s+(\S.*?) -[a-z, ]+- \(`)

// ogrIf remembers, per ogr2ogr, whether it takes -if.
var ogrIf sync.Map

// ifUsage is -if in ogr2ogr's usage: "[-if <input_drv_name>]", "[-if <format>]...".
var ifUsage = regexp.MustCompile(`\[-if[ \]]`)

// ogrHasIf reports whether ogr2ogr at bin lists -if in its usage.
func ogrHasIf(bin string) bool {
	if v, ok := ogrIf.Load(bin); ok {
		return v.(bool)
	}
	out, _ := exec.Command(bin, "--help").CombinedOutput()
	has := ifUsage.Match(out)
	ogrIf.Store(bin, has)
	return has
}

// runOGR runs ogr2ogr once; a failure becomes a message about the file,
// with no server path in it.
func runOGR(ctx context.Context, bin string, args []string, dir, src, name string) error {
	ctx, cancel := context.WithTimeout(ctx, gdalTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = gdalEnviron()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &limitedWriter{w: &stderr, left: 64 << 10}
	err := cmd.Run()
	switch {
	case err == nil:
		return nil
	case ctx.Err() == context.DeadlineExceeded:
		return fileError("GDAL took more than %s to read %s; convert it to a GeoPackage and import that", gdalTimeout, name)
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return fileError("GDAL cannot read %s: %s", name, gdalMessage(stderr.String(), dir, src, name))
}

// gdalMessage keeps the error lines of GDAL's output, with the paths of the
// server replaced by the file's name.
func gdalMessage(out, dir, src, name string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "ERROR") && !strings.HasPrefix(l, "FAILURE") {
			continue
		}
		l = strings.ReplaceAll(l, src, name)
		l = strings.ReplaceAll(l, filepath.Dir(src)+string(filepath.Separator), "")
		l = strings.ReplaceAll(l, dir+string(filepath.Separator), "")
		l = gdalSource.ReplaceAllString(l, "")
		lines = append(lines, l)
		if len(lines) == 3 {
			break
		}
	}
	if len(lines) == 0 {
		return "ogr2ogr failed without saying why"
	}
	return clipText(strings.Join(lines, "; "), 600)
}

// gdalSource matches where in its own source code GDAL found an error
// ("./ogr/…/ogrdxflayer.cpp, 1148: "): of no use to whoever sent the file.
var gdalSource = regexp.MustCompile(`(in )?\./\S+\.(cpp|c|h)(, \d+:| at line \d+)? ?`)

// limitedWriter keeps the first left bytes written to it and drops the rest.
type limitedWriter struct {
	w    io.Writer
	left int
}

// Write implements io.Writer.
func (l *limitedWriter) Write(p []byte) (int, error) {
	n := len(p)
	if l.left > 0 {
		k := min(l.left, len(p))
		l.w.Write(p[:k])
		l.left -= k
	}
	return n, nil
}

var gdalVersion = sync.OnceValue(func() string {
	out, err := exec.Command(ogr2ogrCommand, "--version").Output()
	if err != nil {
		return "GDAL"
	}
	v, _, _ := strings.Cut(strings.TrimSpace(string(out)), ",")
	return v
})

// kmlBoilerplate are the columns GDAL's KML drivers add to every layer: how
// a placemark is drawn, not what it is.
var kmlBoilerplate = map[string]bool{"timestamp": true, "begin": true, "end": true, "altitudeMode": true,
	"tessellate": true, "extrude": true, "visibility": true, "drawOrder": true, "icon": true, "snippet": true}

// gdalReader is the reader of a converted file: it names the original file
// and format, leaves out the KML drivers' drawing columns and removes the
// conversion when closed.
type gdalReader struct {
	Reader
	dir, name, encoding string
	format              *gdalFormat
}

// Info implements Reader.
func (g *gdalReader) Info() Info {
	info := g.Reader.Info()
	info.Format = g.format.Name + " (read by " + gdalVersion() + ")"
	info.Name = g.name
	info.Encoding = "UTF-8 (decoded by GDAL)"
	if g.encoding != "" && g.format.encodingOption != "" {
		info.Encoding = strings.ToUpper(g.encoding) + " (decoded by GDAL)"
	}
	return info
}

// Next implements Reader.
func (g *gdalReader) Next() (Feature, error) {
	f, err := g.Reader.Next()
	if err == nil && (g.format.Name == "KML" || g.format.Name == "KMZ") {
		for k, v := range f.Attrs {
			if kmlBoilerplate[k] || k == "description" && v == "" {
				delete(f.Attrs, k)
			}
		}
	}
	return f, err
}

// Close implements Reader.
func (g *gdalReader) Close() error {
	err := g.Reader.Close()
	os.RemoveAll(g.dir)
	return err
}

// readHead reads the first bytes of a file, to tell its format.
func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError("cannot open %s: %v", filepath.Base(path), pathless(err))
	}
	defer f.Close()
	head := make([]byte, gdalHeadBytes)
	n, _ := io.ReadFull(f, head)
	return head[:n], nil
}

// gdalHeadBytes is how much of a file its format is told from: enough for
// the root element of GML, whose start tag declares many namespaces.
const gdalHeadBytes = 64 << 10
