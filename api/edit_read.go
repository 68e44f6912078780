package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/geo"
)

// maxEditVertices bounds the positions read for one edited boundary: the
// reader stops at the first one past the limit the domain sets.
const maxEditVertices = geo.MaxEditVertices

// readFeature decodes the request body as one GeoJSON Feature with a
// Polygon or MultiPolygon. The body is bounded (maxEditBody) and must be
// UTF-8; the geometry is read by gridmap's own reader, which takes a
// position only as exactly two or three numbers — a lone [117.128] is an
// error naming it, never a point at latitude 0. Numbers in the properties
// stay the literals sent (json.Number), so 12345678901234567890 is stored
// as such, not as the nearest double.
func readFeature(c *gin.Context) (*geojson.Feature, orb.MultiPolygon, error) {
	body, err := readBody(c, maxEditBody)
	if err != nil {
		return nil, nil, err
	}
	return decodeFeature(body)
}

// decodeFeature is readFeature on a body already read.
func decodeFeature(body []byte) (*geojson.Feature, orb.MultiPolygon, error) {
	if !utf8.Valid(body) {
		return nil, nil, geo.Invalid(invalidUTF8Member(body), "not valid UTF-8; send text as UTF-8")
	}
	var w struct {
		Type       string             `json:"type"`
		ID         any                `json:"id"`
		Geometry   json.RawMessage    `json:"geometry"`
		Properties geojson.Properties `json:"properties"`
	}
	if err := exactJSON(body, &w); err != nil {
		return nil, nil, err
	}
	if w.Type != "Feature" {
		return nil, nil, geo.Invalid("type", `the body must be a GeoJSON Feature ("type": "Feature")`)
	}
	mp, err := decodePolygonal(w.Geometry)
	if err != nil {
		return nil, nil, err
	}
	f := &geojson.Feature{Type: "Feature", ID: w.ID, Geometry: mp, Properties: w.Properties}
	if f.Properties == nil {
		f.Properties = geojson.Properties{}
	}
	return f, mp, nil
}

// decodePolygonal reads a GeoJSON Polygon or MultiPolygon as a MultiPolygon.
func decodePolygonal(raw []byte) (orb.MultiPolygon, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, geo.Invalid("geometry", "the feature has no geometry")
	}
	s := newJSONScanner(bytes.NewReader(raw))
	var typ string
	var coords []byte
	err := readObject(s, func(key string) error {
		var err error
		switch key {
		case "type":
			typ, err = text(s, "geometry.type")
		case "coordinates":
			coords, err = rawValue(s, raw)
		default:
			_, err = s.value(nil, false, 0)
		}
		return err
	})
	if err != nil {
		return nil, prefixed("geometry.", err)
	}
	if coords == nil && (typ == "Polygon" || typ == "MultiPolygon") {
		return nil, geo.Invalid("geometry.coordinates", "the %s has no coordinates", typ)
	}
	r := &polygonReader{s: newJSONScanner(bytes.NewReader(coords))}
	switch typ {
	case "Polygon":
		p, err := r.polygon("geometry.coordinates")
		return orb.MultiPolygon{p}, err
	case "MultiPolygon":
		var mp orb.MultiPolygon
		err := readArray(r.s, "geometry.coordinates", func(i int) error {
			p, err := r.polygon("geometry.coordinates[" + strconv.Itoa(i) + "]")
			mp = append(mp, p)
			return err
		})
		return mp, err
	}
	return nil, geo.Invalid("geometry", "the geometry must be a Polygon or MultiPolygon, not %q", clip(typ))
}

// rawValue skips the next value of s, which reads src, and returns its bytes.
func rawValue(s *jsonScanner, src []byte) ([]byte, error) {
	if _, err := s.peek(); err != nil {
		return nil, s.readErr(err)
	}
	start := s.off
	if _, err := s.value(nil, false, 0); err != nil {
		return nil, err
	}
	return src[start:s.off], nil
}

// polygonReader reads rings of positions, counting them.
type polygonReader struct {
	s        *jsonScanner
	vertices int
}

func (r *polygonReader) polygon(field string) (orb.Polygon, error) {
	var p orb.Polygon
	err := readArray(r.s, field, func(i int) error {
		ring, err := r.ring(field + "[" + strconv.Itoa(i) + "]")
		p = append(p, ring)
		return err
	})
	return p, err
}

func (r *polygonReader) ring(field string) (orb.Ring, error) {
	var ring orb.Ring
	err := readArray(r.s, field, func(i int) error {
		if r.vertices++; r.vertices > maxEditVertices {
			return geo.Errorf(geo.ETOOLARGE, "geometry", "more than %d vertices in one boundary", maxEditVertices)
		}
		pt, err := position(r.s, field+"["+strconv.Itoa(i)+"]")
		ring = append(ring, pt)
		return err
	})
	return ring, err
}
