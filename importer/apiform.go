package importer

import (
	"maps"
	"slices"
	"strings"

	"github.com/gridmap-dev/gridmap/geo"
)

// gridmap's own API answers GeoJSON whose features carry a unit's fields
// (code, name, level, parent_code; an enclave's managing_code, status and
// reason) beside metadata the API adds — the version, its period and
// author, and in the OGC API the ancestors' codes — with the unit's own
// properties nested: under "properties" in GET /v1/units and /v1/enclaves,
// under "attributes" in the OGC API's items. A file saved from either (or
// converted by GDAL, which keeps the nested object as a JSON field) is
// imported as it is: the metadata is dropped and the nested object becomes
// the unit's properties, so the units come back the same. Attributes the
// user added beside them (a column added in QGIS) join the properties:
// nothing but the API's own metadata is dropped.
//
// Whether a layer is such an answer is decided once, from its first
// features (apiLookahead), and the whole layer is read that way: a file
// whose "attributes" is a text column somewhere, or whose features nest
// their properties under different members, is read plainly throughout,
// every column kept.

// apiMarks are the members every feature of an API answer has.
var apiMarks = []string{"code", "version", "valid_from", "created_by"}

// apiMeta are the members an API answer adds that are no part of a unit.
var apiMeta = []string{"version", "valid_from", "valid_to", "created_by",
	"district_code", "street_code", "community_code", "area_m2"}

// apiNests are the members that hold a unit's properties in API answers.
var apiNests = []string{"properties", "attributes"}

// apiLookahead is how many features at most are read ahead to decide
// whether a layer is an API answer: all of them must agree.
const apiLookahead = 256

// apiVote is what one feature says about its layer being an API answer.
type apiVote int

const (
	voteNone apiVote = iota // nothing either way: no marks, or no nested object (null, or a NULL column)
	voteAPI                 // every mark, and the properties as an object under one nest member
	voteNot                 // a nest member holding text or a number, or both holding something
)

// voteOf says what attrs tell about their layer, and for voteAPI under
// which member the properties are.
func voteOf(attrs map[string]any) (apiVote, string) {
	nest := ""
	for _, k := range apiNests {
		switch attrs[k].(type) {
		case nil:
			continue
		case map[string]any:
		default:
			return voteNot, "" // a column of the user's that happens to be called so
		}
		if nest != "" {
			return voteNot, "" // both: not an answer of ours
		}
		nest = k
	}
	if nest == "" {
		return voteNone, ""
	}
	for _, k := range apiMarks {
		if _, has := attrs[k]; !has {
			return voteNone, ""
		}
	}
	return voteAPI, nest
}

// apiReader reads a layer as an API answer when its first features say
// it is one (Feature.nested set, the metadata dropped), else as it is.
type apiReader struct {
	Reader
	decided bool
	nest    string    // where the layer's features nest their properties; "" when not an API answer
	ahead   []Feature // read to decide, not yet returned
	err     error     // the error (io.EOF too) met while reading ahead, returned after them
}

// readAPIForm wraps a freshly opened reader; a reader wrapped already
// (a zip's member, opened through Open) is returned as it is.
func readAPIForm(r Reader, err error) (Reader, error) {
	if err != nil {
		return r, err
	}
	inner := r
	if c, ok := r.(*cleanupReader); ok {
		inner = c.Reader
	}
	if _, ok := inner.(*apiReader); ok {
		return r, nil
	}
	return &apiReader{Reader: r}, nil
}

// Next implements Reader.
func (a *apiReader) Next() (Feature, error) {
	if !a.decided {
		a.decide()
	}
	var f Feature
	switch {
	case len(a.ahead) > 0:
		f = a.ahead[0]
		a.ahead[0] = Feature{}
		a.ahead = a.ahead[1:]
	case a.err != nil:
		return Feature{}, a.err
	default:
		var err error
		if f, err = a.Reader.Next(); err != nil {
			return f, err
		}
	}
	if a.nest != "" && !f.exact {
		a.unwrap(&f)
	}
	return f, nil
}

// decide reads ahead until a feature says the layer is no API answer, or
// apiLookahead features (or all) are read. The layer is one if at least
// one feature says so and none says otherwise.
func (a *apiReader) decide() {
	a.decided = true
	nest := ""
	for len(a.ahead) < apiLookahead {
		f, err := a.Reader.Next()
		if err != nil {
			a.err = err
			break
		}
		a.ahead = append(a.ahead, f)
		if f.exact {
			return // gridmap's export file, its properties read apart already
		}
		switch v, k := voteOf(f.Attrs); {
		case v == voteNot, v == voteAPI && nest != "" && k != nest:
			return // read as it is
		case v == voteAPI:
			nest = k
		}
	}
	a.nest = nest
}

// unwrap turns a feature of an API answer into the plain form the field
// mapping reads: its attributes are the unit's fields and what the user
// added, its nested properties kept apart (Feature.nested). A feature
// beyond the look-ahead that contradicts the layer's form cannot be read
// one way with the others: it is refused, not read otherwise.
func (a *apiReader) unwrap(f *Feature) {
	if f.Attrs == nil {
		return
	}
	if v, k := voteOf(f.Attrs); v == voteNot || v == voteAPI && k != a.nest {
		f.Err = firstErr(f.Err, featErr(geo.IssueUnreadable,
			"the file is read as an export of gridmap's API (its first features nest their properties in %q beside code, version, valid_from and created_by), but this feature does not: %s; give every feature one form",
			a.nest, apiMismatch(f.Attrs, a.nest)))
		return
	}
	top := make(map[string]any, len(f.Attrs))
	for k, v := range f.Attrs {
		if k != a.nest && !slices.Contains(apiMeta, k) && !isAPIid(k, v, f.Attrs) {
			top[k] = v
		}
	}
	nested, _ := f.Attrs[a.nest].(map[string]any)
	if nested == nil {
		nested = map[string]any{} // null, or a NULL column: no properties
	}
	f.Attrs, f.nested = top, nested
}

// apiMismatch says how a feature differs from its layer's API form.
func apiMismatch(attrs map[string]any, nest string) string {
	for _, k := range apiNests {
		if v := attrs[k]; v != nil {
			if _, ok := v.(map[string]any); !ok {
				return "its " + k + " is not an object"
			} else if k != nest {
				return "it nests them in " + k
			}
		}
	}
	return "its properties are nested differently"
}

// isAPIid recognises the feature id a GDAL conversion keeps as a column:
// the code, or code@version in the OGC API.
func isAPIid(k string, v any, attrs map[string]any) bool {
	id, _ := v.(string)
	code, _ := scalar(attrs["code"])
	return k == "id" && code != "" && (id == code || strings.HasPrefix(id, code+"@"))
}

// kept is what a feature keeps in properties: for an API answer its nested
// properties with the attributes mapped to no field (an attribute wins over
// a nested property of its name), else the attributes not mapped to a
// field (mapped).
func (m *mapper) kept(f Feature, mapped ...string) map[string]any {
	if f.nested == nil {
		return m.props(f.Attrs, mapped...)
	}
	if f.exact {
		return m.exactProps(f, mapped...)
	}
	all := maps.Clone(f.nested)
	for k, v := range f.Attrs {
		if !slices.Contains(mapped, k) {
			all[k] = v
		}
	}
	return m.props(all)
}
