package importer

import "slices"

// gridmap's own API answers GeoJSON whose features carry a unit's fields
// (code, name, level, parent_code; an enclave's managing_code, status and
// reason) beside metadata the API adds — the version, its period and
// author, and in the OGC API the ancestors' codes — with the unit's own
// properties nested: under "properties" in GET /v1/units and /v1/enclaves,
// under "attributes" in the OGC API's items. A file saved from either (or
// converted by GDAL, which keeps the nested object as a JSON field) is
// imported as it is: the metadata is dropped and the nested object becomes
// the unit's properties, exactly as it was, so the units come back the same.

// apiMarks are the members every feature of an API answer has.
var apiMarks = []string{"code", "version", "valid_from", "created_by"}

// apiMeta are the members an API answer adds that are no part of a unit.
var apiMeta = []string{"version", "valid_from", "valid_to", "created_by",
	"district_code", "street_code", "community_code", "area_m2"}

// apiNests are the members that hold a unit's properties in API answers.
var apiNests = []string{"properties", "attributes"}

// apiForm recognises the attributes of a feature of an API answer. It
// returns them without the metadata and the nested member, and the nested
// properties (empty, not nil, when the answer had null); ok is false, and
// attrs come back as they are, for any other feature.
func apiForm(attrs map[string]any) (top, nested map[string]any, ok bool) {
	for _, k := range apiMarks {
		if _, has := attrs[k]; !has {
			return attrs, nil, false
		}
	}
	nest := ""
	for _, k := range apiNests {
		v, has := attrs[k]
		if !has {
			continue
		}
		switch v.(type) {
		case map[string]any, nil:
		default:
			return attrs, nil, false // a column of the user's that happens to be called so
		}
		if nest != "" {
			return attrs, nil, false // both: not an answer of ours
		}
		nest = k
	}
	if nest == "" {
		return attrs, nil, false
	}
	top = make(map[string]any, len(attrs))
	for k, v := range attrs {
		if k != nest && !slices.Contains(apiMeta, k) {
			top[k] = v
		}
	}
	nested, _ = attrs[nest].(map[string]any)
	if nested == nil {
		nested = map[string]any{}
	}
	return top, nested, true
}

// unwrap turns a feature of an API answer into the plain form the field
// mapping reads: its attributes are the unit's fields, its nested
// properties kept apart (Feature.nested) to become the unit's properties.
func unwrap(f *Feature) {
	if top, nested, ok := apiForm(f.Attrs); ok {
		f.Attrs, f.nested = top, nested
	}
}

// kept is what a feature keeps in properties: the nested properties of an
// API answer, else the attributes not mapped to a field (mapped).
func (m *mapper) kept(f Feature, mapped ...string) map[string]any {
	if f.nested != nil {
		return m.props(f.nested)
	}
	return m.props(f.Attrs, mapped...)
}
