package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/transform"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/internal/jsontext"
)

// geojsonReader streams the features of a GeoJSON FeatureCollection (or
// reads a lone Feature or geometry) without holding the file in memory.
// Every JSON value is read under a byte budget, so one oversized feature, a
// 1 GB string or an endless array ends with a clear error; encoding/json
// refuses nesting deeper than 10,000 levels on its own.
type geojsonReader struct {
	src     io.Reader
	budget  *budgetReader
	dec     *json.Decoder
	info    Info
	size    int64
	i       int
	inArray bool
	sawList bool                       // a features array was read
	lone    map[string]json.RawMessage // top-level members of a lone Feature or geometry
	single  []byte                     // a top-level Feature or geometry, read whole
	// columns maps the property members of gridmap's export to their
	// properties, from its "gridmap" member (propcolumns.go); nil otherwise.
	columns map[string]string
}

// errValueTooLarge stops a JSON value that exceeds MaxFeatureBytes.
var errValueTooLarge = errors.New("value too large")

// budgetReader fails reads that go further than limit bytes.
type budgetReader struct {
	r     io.Reader
	n     int64
	limit int64
}

// Read implements io.Reader.
func (b *budgetReader) Read(p []byte) (int, error) {
	if b.n >= b.limit {
		return 0, errValueTooLarge
	}
	if int64(len(p)) > b.limit-b.n {
		p = p[:b.limit-b.n]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

// arm allows the next JSON value MaxFeatureBytes more bytes.
func (g *geojsonReader) arm() { g.budget.limit = g.budget.n + MaxFeatureBytes }

func openGeoJSON(path string, opts OpenOptions) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError("cannot open %s: %v", filepath.Base(path), pathless(err))
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat %s: %w", filepath.Base(path), err)
	}
	g, err := newGeoJSONReader(f, st.Size(), filepath.Base(path), opts.Encoding)
	if err != nil {
		f.Close()
		return nil, err
	}
	return g, nil
}

// newGeoJSONReader reads GeoJSON from r (size bytes, for progress; 0 if
// unknown) and closes it, if it is an io.Closer, on Close.
func newGeoJSONReader(r io.Reader, size int64, name, encoding string) (*geojsonReader, error) {
	g := &geojsonReader{src: r, size: size, info: Info{Format: "GeoJSON", Name: name, Encoding: "UTF-8"}}
	if err := g.start(encoding); err != nil {
		return nil, err
	}
	return g, nil
}

// start skips a BOM, applies a non-UTF-8 encoding and reads up to the
// features array (or the end of a lone feature).
func (g *geojsonReader) start(encoding string) error {
	br := bufio.NewReaderSize(g.src, 1<<16)
	if head, _ := br.Peek(3); bytes.Equal(head, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	var r io.Reader = br
	if encoding != "" {
		cs, ok := lookupCharset(encoding)
		if !ok {
			return geo.Invalid("encoding", "unknown encoding %q; use utf-8, gbk or gb18030", clipText(encoding, 30))
		}
		if cs.enc != nil {
			r = transform.NewReader(br, cs.enc.NewDecoder())
		}
		g.info.Encoding = cs.Name + " (from the encoding option)"
	}
	g.budget = &budgetReader{r: r}
	g.dec = json.NewDecoder(g.budget)
	g.dec.UseNumber()
	g.arm()
	if tok, err := g.dec.Token(); err != nil || tok != json.Delim('{') {
		return g.jsonError(err, "the file is not a GeoJSON object")
	}
	return g.members()
}

// members reads top-level members until the features array starts or the
// object ends.
func (g *geojsonReader) members() error {
	for {
		g.arm()
		tok, err := g.dec.Token()
		if err != nil {
			return g.jsonError(err, "the GeoJSON is malformed")
		}
		if tok == json.Delim('}') {
			return g.finish()
		}
		key, _ := tok.(string)
		g.arm()
		if key == "features" {
			if tok, err := g.dec.Token(); err != nil || tok != json.Delim('[') {
				return g.jsonError(err, `"features" is not an array`)
			}
			g.inArray, g.sawList = true, true
			return nil
		}
		var raw json.RawMessage
		if err := g.dec.Decode(&raw); err != nil {
			return g.jsonError(err, fmt.Sprintf("member %q is malformed", clipText(key, 30)))
		}
		switch key {
		case "crs":
			g.info.CRS = parseGeoJSONCRS(raw)
		case "gridmap":
			if !g.sawList { // after the features it comes too late to read them by
				g.columns = exportedColumns(raw)
			}
		case "type", "geometry", "properties", "coordinates", "geometries", "id":
			if g.lone == nil {
				g.lone = map[string]json.RawMessage{}
			}
			g.lone[key] = raw
		}
	}
}

// finish handles the end of the top-level object: after a collection there
// is nothing more; otherwise the object itself was a Feature or a geometry.
func (g *geojsonReader) finish() error {
	if g.sawList {
		return nil
	}
	lone := g.lone
	var typ string
	_ = json.Unmarshal(lone["type"], &typ)
	switch {
	case typ == "FeatureCollection":
		return nil // no features member: an empty collection
	case typ == "Feature":
		b, _ := json.Marshal(lone)
		g.single = b
	case lone["coordinates"] != nil || lone["geometries"] != nil:
		b, _ := json.Marshal(map[string]any{"type": "Feature", "geometry": lone, "properties": nil})
		g.single = b
	default:
		return fileError("the file is GeoJSON of type %q; want a FeatureCollection, a Feature or a geometry", clipText(typ, 30))
	}
	return nil
}

// jsonError turns a decoder error into a clear file error.
func (g *geojsonReader) jsonError(err error, what string) error {
	switch {
	case err == nil:
		return fileError("%s", what)
	case errors.Is(err, errValueTooLarge):
		return tooLarge("a GeoJSON value near byte %d is larger than %d bytes; split the file or simplify the feature", g.budget.n, MaxFeatureBytes)
	case strings.Contains(err.Error(), "exceeded max depth"):
		return fileError("the GeoJSON is nested deeper than 10,000 levels near byte %d: it is not a valid feature file", g.budget.n)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fileError("%s: the file ends too early (truncated?)", what)
	}
	return fileError("%s: %v", what, err)
}

// Info implements Reader.
func (g *geojsonReader) Info() Info { return g.info }

// Progress implements Reader, in bytes.
func (g *geojsonReader) Progress() (int64, int64) { return g.budget.n, g.size }

// Next implements Reader.
func (g *geojsonReader) Next() (Feature, error) {
	if g.single != nil {
		raw := g.single
		g.single = nil
		g.i++
		return decodeFeature(0, raw), nil
	}
	if !g.inArray {
		return Feature{}, io.EOF
	}
	if g.i >= MaxFeatures {
		return Feature{}, tooLarge("the file has more than %d features", MaxFeatures)
	}
	g.arm()
	if !g.dec.More() {
		return Feature{}, g.endArray()
	}
	var raw json.RawMessage
	if err := g.dec.Decode(&raw); err != nil {
		return Feature{}, g.jsonError(err, fmt.Sprintf("feature %d is malformed", g.i))
	}
	f := decodeFeature(g.i, raw)
	g.i++
	if g.columns != nil {
		splitExported(&f, g.columns)
	}
	return f, nil
}

// endArray consumes "]" and the members after the features (a late "crs").
func (g *geojsonReader) endArray() error {
	if _, err := g.dec.Token(); err != nil {
		return g.jsonError(err, "the features array is malformed")
	}
	g.inArray = false
	if err := g.members(); err != nil {
		return err
	}
	return io.EOF
}

// Close implements Reader.
func (g *geojsonReader) Close() error {
	if c, ok := g.src.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// decodeFeature decodes one feature; problems stay with the feature.
func decodeFeature(i int, raw []byte) Feature {
	f := Feature{Index: i}
	if !utf8.Valid(raw) {
		f.Err = featErr(geo.IssueUnreadable, "the feature's text is not valid UTF-8, as GeoJSON must be; if the file is GBK, pass --encoding gbk (the encoding field of an upload)")
		return f
	}
	var rf struct {
		Type       string          `json:"type"`
		Properties json.RawMessage `json:"properties"`
		Geometry   json.RawMessage `json:"geometry"`
	}
	if err := json.Unmarshal(raw, &rf); err != nil || rf.Type != "Feature" {
		f.Err = featErr(geo.IssueUnreadable, "not a GeoJSON Feature")
		return f
	}
	if err := decodeProperties(rf.Properties, &f); err != nil {
		f.Err = err
		return f
	}
	f.Geom, f.Bound, f.Err = decodeGeometry(rf.Geometry, &f)
	if err := loneSurrogateAttr(rf.Properties); err != nil {
		f.Err = err // the attribute's text was decoded as U+FFFD: say so rather than store it
	}
	return f
}

// loneSurrogateAttr finds the attribute whose value (or name) holds an
// escaped lone UTF-16 surrogate ("\ud800" without its low half), which
// encoding/json decodes as U+FFFD without a word: the import would store
// other text than the file's (the API refuses such a body,
// api/json_text.go). Its error names the attribute and, for an object, the
// member inside it.
func loneSurrogateAttr(raw json.RawMessage) *featureError {
	if !jsontext.LoneSurrogate(raw) {
		return nil
	}
	const fix = "; write the text as UTF-8 characters"
	d := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := d.Token(); err == nil && tok == json.Delim('{') {
		for d.More() {
			start := d.InputOffset()
			tok, err := d.Token()
			if err != nil {
				break
			}
			key, _ := tok.(string)
			if jsontext.LoneSurrogate(raw[start:d.InputOffset()]) {
				e := featErr(geo.IssueUnreadable, "the name of attribute %s %s%s", clipText(key, 40), jsontext.LoneSurrogateMessage, fix)
				e.Attr = key
				return e
			}
			var v json.RawMessage
			if err := d.Decode(&v); err != nil {
				break
			}
			if !jsontext.LoneSurrogate(v) {
				continue
			}
			where := ""
			if inner := jsontext.BadMember(v, jsontext.LoneSurrogate); inner != "" {
				where = " (its member " + clipText(inner, 40) + ")"
			}
			e := featErr(geo.IssueUnreadable, "attribute %s%s %s%s", clipText(key, 40), where, jsontext.LoneSurrogateMessage, fix)
			e.Attr = key
			return e
		}
	}
	return featErr(geo.IssueUnreadable, "the properties %s%s", jsontext.LoneSurrogateMessage, fix)
}

func decodeProperties(raw json.RawMessage, f *Feature) *featureError {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&f.Attrs); err != nil {
		return featErr(geo.IssueUnreadable, "properties is not a JSON object")
	}
	return nil
}
