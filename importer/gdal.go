package importer

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
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
// its content agrees, and then only to the one GDAL driver of that format
// (gdal_convert.go): GDAL would otherwise pick its driver from the content,
// and some drivers read other files, databases or URLs named inside the file
// (an OGR VRT runs SQL on any PostgreSQL its text names). XML formats are
// told by their root element, not by a word anywhere in the first bytes, and
// any file that holds <OGRVRTDataSource> is refused before GDAL sees it.

// gdalFormat is a format read through GDAL.
type gdalFormat struct {
	Name  string                  // as reports name it
	exts  []string                // extensions of its main file, lower case
	check func(head []byte) error // nil when the head is of this format
	// driver is the only GDAL driver that may open the file (its short name).
	driver string
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
	// KML and KMZ go to LIBKML: GDAL 3.6's plain KML driver drops
	// <ExtendedData>, where the codes are. LIBKML turns a NetworkLink into
	// a field and follows only links to layers inside a KMZ (tried with
	// remote, local and /vsicurl/ links: TestGDALStaysInsideUpload).
	{Name: "KML", exts: []string{".kml"}, check: xmlRoot(kmlRoot), driver: "LIBKML"},
	{Name: "KMZ", exts: []string{".kmz"}, check: sniffed(zipMagic), driver: "LIBKML"},
	{Name: "MapInfo TAB", exts: []string{".tab"}, check: tabHead, driver: "MapInfo File", parts: []string{".dat", ".map", ".id", ".ind"},
		encodingOption: "ENCODING"},
	{Name: "MapInfo MIF", exts: []string{".mif"}, check: sniffed(textStart("version")), driver: "MapInfo File", parts: []string{".mid"}, encodingOption: "ENCODING"},
	{Name: "DXF", exts: []string{".dxf"}, check: sniffed(dxfHead), driver: "DXF", cad: true},
	{Name: "CSV", exts: []string{".csv"}, check: sniffed(plainText), driver: "CSV"},
	{Name: "FlatGeobuf", exts: []string{".fgb"}, check: sniffed(bytesStart("fgb\x03")), driver: "FlatGeobuf"},
	{Name: "GML", exts: []string{".gml"}, check: xmlRoot(gmlRoot), driver: "GML"},
	{Name: "FileGDB", exts: []string{".gdb"}, driver: "OpenFileGDB"},
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

// gdalFormatOf is the format a file's name says, or why its content
// disagrees.
func gdalFormatOf(path string, head []byte) (*gdalFormat, error) {
	f, ok := gdalFormatNamed(filepath.Ext(path))
	if !ok {
		return nil, fileError("%s is not a file gridmap reads", filepath.Base(path))
	}
	if f.check != nil {
		if err := f.check(head); err != nil {
			return nil, fileError("%s is not a %s file: %v", filepath.Base(path), f.Name, err)
		}
	}
	return f, nil
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

// errOtherBytes is the reason given when a file's first bytes are not of
// the format its name says.
var errOtherBytes = errors.New("its first bytes say otherwise")

// sniffed turns a test of the first bytes into a check.
func sniffed(sniff func([]byte) bool) func([]byte) error {
	return func(head []byte) error {
		if !sniff(head) {
			return errOtherBytes
		}
		return nil
	}
}

// tabHead checks a MapInfo table's header. Views ("Create View … From")
// and seamless tables name other tables by path, which GDAL would open.
func tabHead(head []byte) error {
	if !textStart("!table")(head) {
		return errOtherBytes
	}
	h := strings.Join(strings.Fields(strings.ToLower(string(head))), " ")
	if strings.Contains(h, "create view") || strings.Contains(h, `"\isseamless" = "true"`) {
		return errors.New("it is a MapInfo view or seamless table, which opens other tables by path; send the table itself")
	}
	return nil
}

// xmlStart is the root element of an XML document: its qualified name and
// the attributes of its start tag.
type xmlStart struct {
	name  xml.Name // Space is the prefix, as written
	attrs map[string]string
}

// namespace is the namespace URI of the element, from its prefix.
func (x xmlStart) namespace() string {
	if x.name.Space != "" {
		return x.attrs["xmlns:"+x.name.Space]
	}
	return x.attrs["xmlns"]
}

// String names the element as written, for messages.
func (x xmlStart) String() string {
	if x.name.Space != "" {
		return clipText(x.name.Space+":"+x.name.Local, 60)
	}
	return clipText(x.name.Local, 60)
}

// xmlRoot checks that head is XML whose root element root accepts.
func xmlRoot(root func(xmlStart) error) func([]byte) error {
	return func(head []byte) error {
		x, err := parseRoot(head)
		if err != nil {
			return err
		}
		return root(x)
	}
}

// parseRoot reads the prolog (declaration, processing instructions,
// comments) and the root element's start tag from the first bytes of an
// XML document in UTF-8 or another ASCII-compatible encoding. A document
// type is refused: its entities can name local files and URLs.
func parseRoot(head []byte) (xmlStart, error) {
	h := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	for {
		h = bytes.TrimLeft(h, " \t\r\n")
		var end []byte
		switch {
		case bytes.HasPrefix(h, []byte("<?")):
			end = []byte("?>")
		case bytes.HasPrefix(h, []byte("<!--")):
			end = []byte("-->")
		case bytes.HasPrefix(h, []byte("<!")):
			return xmlStart{}, errors.New("it declares a document type (<!DOCTYPE>), which gridmap does not accept in uploads")
		case bytes.HasPrefix(h, []byte("<")):
			// The prolog is behind: the decoder never sees an encoding it
			// does not know, and RawToken leaves prefixes as written. Names
			// and namespaces are ASCII; other text (GBK, say) becomes ?.
			ascii := bytes.Map(func(r rune) rune {
				if r >= 0x80 {
					return '?'
				}
				return r
			}, h)
			d := xml.NewDecoder(bytes.NewReader(ascii))
			d.Strict = false
			tok, err := d.RawToken()
			if se, ok := tok.(xml.StartElement); ok && err == nil {
				x := xmlStart{name: se.Name, attrs: map[string]string{}}
				for _, a := range se.Attr {
					if a.Name.Space != "" {
						a.Name.Local = a.Name.Space + ":" + a.Name.Local
					}
					x.attrs[a.Name.Local] = a.Value
				}
				return x, nil
			}
			return xmlStart{}, errors.New("its root element does not come whole within its first bytes")
		default:
			return xmlStart{}, errors.New("it is not XML")
		}
		i := bytes.Index(h, end)
		if i < 0 {
			return xmlStart{}, errors.New("its root element does not come within its first bytes")
		}
		h = h[i+len(end):]
	}
}

// kmlRoot accepts <kml>, in any of KML's namespaces.
func kmlRoot(x xmlStart) error {
	if x.name.Local != "kml" {
		return fmt.Errorf("its root element is <%s>, not <kml>", x)
	}
	return nil
}

// gmlRoot accepts a root element in a GML or WFS namespace, or a feature
// collection of an application schema (GDAL writes <ogr:FeatureCollection>)
// that declares the GML namespace.
func gmlRoot(x xmlStart) error {
	if ogcNamespace(x.namespace(), "gml") || ogcNamespace(x.namespace(), "wfs") {
		return nil
	}
	if strings.HasSuffix(x.name.Local, "FeatureCollection") {
		for k, v := range x.attrs {
			if strings.HasPrefix(k, "xmlns") && ogcNamespace(v, "gml") {
				return nil
			}
		}
	}
	return fmt.Errorf("its root element is <%s>, not a feature collection in the GML or WFS namespace", x)
}

// ogcNamespace reports whether ns is one of the OGC's namespaces for a
// standard (http://www.opengis.net/gml, http://www.opengis.net/gml/3.2).
func ogcNamespace(ns, standard string) bool {
	base := "http://www.opengis.net/" + standard
	return ns == base || strings.HasPrefix(ns, base+"/")
}

// vrtMarker starts an OGR VRT data source; matched in any case.
const vrtMarker = "<ogrvrtdatasource"

// vrtRefusal says why a file holding vrtMarker is refused.
const vrtRefusal = "holds an OGR VRT data source (<OGRVRTDataSource>), which would make GDAL read other files and databases; gridmap refuses it: send the data itself"

// holdsVRT reads r to its end looking for vrtMarker, in any case, wherever
// it is: GDAL's VRT driver claims any file whose first bytes hold it.
func holdsVRT(r io.Reader) (bool, error) {
	buf := make([]byte, 64<<10)
	keep := 0 // bytes carried over, so a marker across two reads is found
	for {
		n, err := r.Read(buf[keep:])
		window := buf[:keep+n]
		if bytes.Contains(bytes.ToLower(window), []byte(vrtMarker)) {
			return true, nil
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		keep = min(len(window), len(vrtMarker)-1)
		copy(buf, window[len(window)-keep:])
	}
}

// screenUpload refuses, before GDAL opens it, an upload that holds an OGR
// VRT data source, and a KMZ whose KML is not KML. A FileGDB folder (or
// zipped folder) holds binary tables only OpenFileGDB reads.
func screenUpload(src, name string, f *gdalFormat) error {
	if f.Name == "KMZ" {
		return screenKMZ(src, name)
	}
	st, err := os.Stat(src)
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return fileError("cannot open %s: %v", name, pathless(err))
	}
	defer in.Close()
	switch vrt, err := holdsVRT(in); {
	case err != nil:
		return fileError("cannot read %s: %v", name, pathless(err))
	case vrt:
		return fileError("%s is not a %s file: it %s", name, f.Name, vrtRefusal)
	}
	return nil
}

// screenKMZ checks every member of a KMZ, read within the zip's bound
// (readMembers): no VRT anywhere, and each .kml rooted in <kml>.
func screenKMZ(src, name string) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return fileError("%s is not a readable zip archive: %v", name, err)
	}
	defer zr.Close()
	if len(zr.File) > MaxZipEntries {
		return tooLarge("the zip has %d members; at most %d are accepted", len(zr.File), MaxZipEntries)
	}
	st, err := os.Stat(src)
	if err != nil {
		return fileError("cannot read %s: %v", name, pathless(err))
	}
	return readMembers(zr.File, st.Size(), "KMZ member", func(zf *zip.File, r io.Reader) error {
		head := make([]byte, min(gdalHeadBytes, zf.UncompressedSize64))
		n, _ := io.ReadFull(r, head)
		vrt, err := holdsVRT(io.MultiReader(bytes.NewReader(head[:n]), r))
		switch {
		case err != nil:
			return fileError("KMZ member %s cannot be read: %v", zf.Name, err)
		case vrt:
			return fileError("%s is not a KMZ file: its member %s %s", name, zf.Name, vrtRefusal)
		case strings.EqualFold(path.Ext(zf.Name), ".kml"):
			if err := xmlRoot(kmlRoot)(head[:n]); err != nil {
				return fileError("%s is not a KMZ file: its member %s: %v", name, zf.Name, err)
			}
		}
		return nil
	})
}
