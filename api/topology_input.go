package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/geo"
)

// Reading the bodies of the topology edits. Each is a JSON object whose
// members are read one by one, so a problem names the member it is about;
// a member nobody knows is refused, so a typo ("form") does not silently
// leave out what the caller meant.

// topologyBody reads the body as one JSON object with only the members
// allowed.
func topologyBody(c *gin.Context, allowed ...string) (map[string]json.RawMessage, error) {
	raw, err := readBody(c, maxEditBody)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] != '{' { // an array or a number where the object belongs
		return nil, geo.Invalid("body", "the body must be a JSON object")
	}
	var body map[string]json.RawMessage
	if err := strictJSON(raw, &body); err != nil {
		return nil, err
	}
	if body == nil {
		return nil, geo.Invalid("body", "the body must be a JSON object")
	}
	for _, k := range sortedKeys(body) {
		if !contains(allowed, k) {
			field := k
			if field == "" {
				field = "body"
			}
			return nil, geo.Invalid(field, "unknown member %q; the members are %s", clip(k), strings.Join(allowed, ", "))
		}
	}
	return body, nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// member decodes one member into v; a missing member is an error when required.
func member(body map[string]json.RawMessage, field string, required bool, v any) error {
	raw, ok := body[field]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		if required {
			return geo.Invalid(field, "%s is required", field)
		}
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return geo.Invalid(field, "%s has the wrong shape: %s", field, jsonShape(v))
	}
	return nil
}

// jsonShape says what a member should look like.
func jsonShape(v any) string {
	switch v.(type) {
	case *[]float64:
		return "want [longitude, latitude]"
	case *[]string:
		return "want an array of strings"
	case *string:
		return "want a string"
	default:
		return fmt.Sprintf("want %T", v)
	}
}

// pointMember reads a required [lng, lat] member exactly: JSON's decimal is
// read to the nearest double, so a coordinate copied from a GET answer
// (written in Go's shortest exact form) is the stored double.
func pointMember(body map[string]json.RawMessage, field string) (orb.Point, error) {
	var xy []float64
	if err := member(body, field, true, &xy); err != nil {
		return orb.Point{}, err
	}
	if len(xy) != 2 {
		return orb.Point{}, geo.Invalid(field, "%s must be [longitude, latitude], got %d numbers", field, len(xy))
	}
	p := orb.Point{xy[0], xy[1]}
	return p, geo.ValidatePoint(field, p)
}

// pairMember reads an optional member of exactly two strings.
func pairMember(body map[string]json.RawMessage, field string) ([2]string, error) {
	var list []string
	if err := member(body, field, false, &list); err != nil || list == nil {
		return [2]string{}, err
	}
	if len(list) != 2 {
		return [2]string{}, geo.Invalid(field, "%s names the two parts (left and right of the line), got %d", field, len(list))
	}
	return [2]string{list[0], list[1]}, nil
}

// lineMember reads the split's line: a GeoJSON LineString (or a Feature
// holding one, as drawing tools give it).
func lineMember(body map[string]json.RawMessage, field string) (orb.LineString, error) {
	raw, ok := body[field]
	if !ok {
		return nil, geo.Invalid(field, "%s is required: a GeoJSON LineString that crosses the unit", field)
	}
	var g orb.Geometry
	if f, err := geojson.UnmarshalFeature(raw); err == nil && f.Type == "Feature" {
		g = f.Geometry
	} else if gg, err := geojson.UnmarshalGeometry(raw); err == nil {
		g = gg.Geometry()
	} else {
		return nil, geo.Invalid(field, "%s must be a GeoJSON LineString: %v", field, err)
	}
	line, ok := g.(orb.LineString)
	if !ok {
		return nil, geo.Invalid(field, "%s must be a GeoJSON LineString, not %s", field, geometryType(g))
	}
	return line, nil
}

func geometryType(g orb.Geometry) string {
	if g == nil {
		return "nothing"
	}
	return g.GeoJSONType()
}

// clientIDMember reads the optional client_id every topology edit takes:
// the client's UUID for the edit, which makes its retry safe (checked by
// the request's Validate).
func clientIDMember(body map[string]json.RawMessage, id *string) error {
	return member(body, "client_id", false, id)
}

// readVertexMove reads POST /v1/boundaries:move-vertex.
func readVertexMove(c *gin.Context) (geo.VertexMove, error) {
	body, err := topologyBody(c, "from", "to", "client_id")
	if err != nil {
		return geo.VertexMove{}, err
	}
	var m geo.VertexMove
	if m.From, err = pointMember(body, "from"); err != nil {
		return m, err
	}
	if m.To, err = pointMember(body, "to"); err != nil {
		return m, err
	}
	if err := clientIDMember(body, &m.ClientID); err != nil {
		return m, err
	}
	return m, m.Validate()
}

// readUnitSplit reads POST /v1/units/{code}:split.
func readUnitSplit(c *gin.Context, code string) (geo.UnitSplit, error) {
	body, err := topologyBody(c, "line", "codes", "names", "client_id")
	if err != nil {
		return geo.UnitSplit{}, err
	}
	s := geo.UnitSplit{Code: code}
	if s.Line, err = lineMember(body, "line"); err != nil {
		return s, err
	}
	if s.Codes, err = pairMember(body, "codes"); err != nil {
		return s, err
	}
	if s.Names, err = pairMember(body, "names"); err != nil {
		return s, err
	}
	if err := clientIDMember(body, &s.ClientID); err != nil {
		return s, err
	}
	return s, s.Validate()
}

// readUnitMerge reads POST /v1/units:merge.
func readUnitMerge(c *gin.Context) (geo.UnitMerge, error) {
	body, err := topologyBody(c, "codes", "code", "name", "client_id")
	if err != nil {
		return geo.UnitMerge{}, err
	}
	var m geo.UnitMerge
	if err := member(body, "codes", true, &m.Codes); err != nil {
		return m, err
	}
	if err := member(body, "code", false, &m.Code); err != nil {
		return m, err
	}
	if err := member(body, "name", false, &m.Name); err != nil {
		return m, err
	}
	if err := clientIDMember(body, &m.ClientID); err != nil {
		return m, err
	}
	return m, m.Validate()
}
