package importer

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/quadtree"

	"github.com/gridmap-dev/gridmap/geo"
)

// A CAD drawing (DXF) has no attribute table: a grid is a closed polyline
// or a hatch on some layer, and its code and name are text labels placed
// inside it. So the conversion keeps two layers — the areas (closed
// polylines made polygons) and the labels (texts) — and each area takes
// the labels inside it: one that looks like a code is its code, another its
// name. Lines that close nothing, points, dimensions and the like are not
// areas: they are skipped and counted, not reported one by one.

// The layers the conversion of a drawing writes.
const (
	cadAreas  = "areas"
	cadLabels = "labels"
)

// MaxCADLabels bounds the text labels of one drawing, which are held in memory.
const MaxCADLabels = 1_000_000

// cadCode recognises a label that is a code: a unit code (digits) or an
// enclave code (letters, digits, - _ .) with at least six digits.
var cadCode = regexp.MustCompile(`^[0-9A-Za-z_.-]*([0-9][0-9A-Za-z_.-]*){6,}$`)

// cadLabel is one text of the drawing.
type cadLabel struct {
	at   orb.Point
	text string
}

// Point implements orb.Pointer, for the quadtree.
func (l *cadLabel) Point() orb.Point { return l.at }

// cadReader gives each area of a drawing the labels inside it.
type cadReader struct {
	*gdalReader
	labels  *quadtree.Quadtree
	skipped int
}

// newCADReader reads the labels of the converted drawing at path.
func newCADReader(ctx context.Context, g *gdalReader, path string) (Reader, error) {
	labels, err := readCADLabels(ctx, path)
	if err != nil {
		g.Close()
		return nil, err
	}
	bound := emptyBound()
	for _, l := range labels {
		bound = bound.Extend(l.at)
	}
	c := &cadReader{gdalReader: g, labels: quadtree.New(bound.Pad(1))}
	for _, l := range labels {
		c.labels.Add(l)
	}
	return c, nil
}

// readCADLabels reads the label layer: text and point.
func readCADLabels(ctx context.Context, path string) ([]*cadLabel, error) {
	dsn, err := sqliteURI(path, "mode=ro&_query_only=1")
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open converted drawing: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT "Text", "geom" FROM "`+cadLabels+`"`)
	if err != nil {
		return nil, nil // no text at all: GDAL wrote no label layer
	}
	defer rows.Close()
	var out []*cadLabel
	for rows.Next() {
		var text sql.NullString
		var blob []byte
		if err := rows.Scan(&text, &blob); err != nil {
			return nil, fileError("the drawing's labels cannot be read: %v", err)
		}
		if len(out) == MaxCADLabels {
			return nil, tooLarge("the drawing has more than %d text labels", MaxCADLabels)
		}
		if p, ok := gpPoint(blob); ok && strings.TrimSpace(text.String) != "" {
			out = append(out, &cadLabel{at: p, text: strings.TrimSpace(text.String)})
		}
	}
	return out, rows.Err()
}

// gpPoint reads a 2-D point from a GeoPackage geometry blob.
func gpPoint(blob []byte) (orb.Point, bool) {
	_, b, ferr := parseGPBlob(blob)
	if ferr != nil || len(b) < 21 {
		return orb.Point{}, false
	}
	var order binary.ByteOrder = binary.LittleEndian
	if b[0] == 0 {
		order = binary.BigEndian
	}
	if order.Uint32(b[1:5])&0x0fffffff%1000 != 1 {
		return orb.Point{}, false
	}
	p := orb.Point{math.Float64frombits(order.Uint64(b[5:])), math.Float64frombits(order.Uint64(b[13:]))}
	return p, finite(p)
}

// Next implements Reader: the next area, with its labels as attributes.
func (c *cadReader) Next() (Feature, error) {
	for {
		f, err := c.gdalReader.Next()
		if err != nil {
			return f, err
		}
		if f.Err != nil && (f.Err.Kind == geo.IssueNotPolygonal || f.Err.Kind == geo.IssueEmptyGeometry) {
			c.skipped++
			continue
		}
		c.label(&f)
		return f, nil
	}
}

// label sets code, name and layer from the labels inside the area and the
// layer it is drawn on; more labels than those two go into "labels".
func (c *cadReader) label(f *Feature) {
	attrs := map[string]any{}
	layer, _ := f.Attrs["Layer"].(string)
	if layer != "" {
		attrs["layer"] = layer
	}
	var texts []string
	if f.Geom != nil {
		for _, p := range c.labels.InBound(nil, f.Bound) {
			if l := p.(*cadLabel); planar.MultiPolygonContains(f.Geom, l.at) {
				texts = append(texts, l.text)
			}
		}
	}
	var extra []string
	for _, t := range texts {
		switch {
		case attrs["code"] == nil && cadCode.MatchString(t):
			attrs["code"] = t
		case attrs["name"] == nil:
			attrs["name"] = t
		default:
			extra = append(extra, t)
		}
	}
	if attrs["code"] == nil && cadCode.MatchString(layer) {
		attrs["code"] = layer
	}
	if len(extra) > 0 {
		attrs["labels"] = strings.Join(extra, " / ")
	}
	f.Attrs = attrs
}

// Info implements Reader: what was skipped is known once every area is read.
func (c *cadReader) Info() Info {
	info := c.gdalReader.Info()
	if c.skipped > 0 {
		info.Notes = append(info.Notes, fmt.Sprintf("%d lines, points and other entities of the drawing enclose no area and were skipped", c.skipped))
	}
	return info
}
