package access

import (
	"encoding/json"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gridmap-dev/gridmap/geo"
)

// Field is a kind of personal data gridmap holds. Anonymous (public) reads
// carry only the fields the server's setting makes public (serve
// --public-fields, none by default); a signed-in caller whose scope covers
// the unit sees them all.
type Field string

// The personal fields.
const (
	// FieldPhone is a phone number among a unit's or enclave's properties
	// (a grid worker's, a contact's): see Exposure.Properties.
	FieldPhone Field = "phone"
	// FieldReporter is a person's name on a report (who reported, who acted
	// on it) or a patrol track (the worker).
	FieldReporter Field = "reporter"
	// FieldDescription is a report's free text, which often names people.
	FieldDescription Field = "description"
	// FieldPoint is a report's exact position; without it a point is
	// rounded to CoarseDegrees (about 200 m).
	FieldPoint Field = "point"
)

// Fields lists the personal fields.
var Fields = []Field{FieldPhone, FieldReporter, FieldDescription, FieldPoint}

// Exposure is the set of personal fields an answer may carry.
type Exposure struct{ shown []Field }

// ExposeAll shows every field: a signed-in caller within scope.
var ExposeAll = Exposure{shown: Fields}

// ExposeNone shows none: the default for anonymous reads.
var ExposeNone = Exposure{}

// ParseExposure reads a comma-separated list of fields; "" and "none" mean
// none, "all" every one.
func ParseExposure(s string) (Exposure, error) {
	switch s = strings.TrimSpace(s); s {
	case "", "none":
		return ExposeNone, nil
	case "all":
		return ExposeAll, nil
	}
	var e Exposure
	for _, name := range strings.Split(s, ",") {
		f := Field(strings.TrimSpace(name))
		if !slices.Contains(Fields, f) {
			return e, geo.Invalid("public-fields", "unknown field %q; want none, all or a list of phone, reporter, description, point", geo.Clip(name))
		}
		if !e.Shows(f) {
			e.shown = append(e.shown, f)
		}
	}
	return e, nil
}

// Shows reports whether f may be shown.
func (e Exposure) Shows(f Field) bool { return slices.Contains(e.shown, f) }

// ShowsAll reports whether nothing is hidden.
func (e Exposure) ShowsAll() bool { return len(e.shown) == len(Fields) }

// String lists the shown fields ("none" when there are none).
func (e Exposure) String() string {
	if len(e.shown) == 0 {
		return "none"
	}
	out := make([]string, len(e.shown))
	for i, f := range e.shown {
		out[i] = string(f)
	}
	return strings.Join(out, ",")
}

// For is what caller may see of a thing placed at codes: everything when
// signed in with a scope that covers one of them, the public fields
// otherwise.
func (public Exposure) For(p Principal, signedIn bool, codes ...string) Exposure {
	if signedIn && (p.Scope == "" || slices.ContainsFunc(codes, p.Covers)) {
		return ExposeAll
	}
	return public
}

// phoneWords are the parts of property names that hold phone numbers (or
// another way to reach a person), as GIS staff's attribute tables name
// them; tokenWords count only as a whole word of the name (tel, not hotel;
// contact, not contacts_count).
var (
	phoneWords = []string{"phone", "mobile", "电话", "手机", "联系方式", "联系号码", "微信"}
	tokenWords = []string{"tel", "contact", "wechat"}
)

// IsPhoneKey reports whether a property name holds a phone number
// ("phone", "grid_worker_phone", "tel", "联系电话", "联系号码", "手机号", …).
func IsPhoneKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range phoneWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	words := strings.FieldsFunc(k, func(r rune) bool { return r == '_' || r == '-' || r == ' ' || r == '.' })
	return slices.ContainsFunc(words, func(w string) bool { return slices.Contains(tokenWords, w) })
}

// phoneNumber matches a phone number written in a value: a mainland mobile
// number (11 digits from 13 to 19, perhaps after 86, perhaps grouped 3-4-4
// by spaces or dashes) or a landline with its area code ("022-23456789",
// "(022)23456789"), not inside a longer run of digits (a unit code) nor
// after a decimal point (a coordinate's fraction).
var phoneNumber = regexp.MustCompile(`(^|[^\d.])((\+?86[- ]?)?1[3-9]\d([- ]?\d{4}){2}|(\(0\d{2,3}\)|0\d{2,3})[- ]?\d{7,8})(\D|$)`)

// holdsPhone reports whether a property's value holds a phone number: a
// string that has one or a whole number that is one, or, at any depth of
// an object or a list, a member whose name says phone or a value that
// holds one.
func holdsPhone(v any) bool {
	switch t := v.(type) {
	case string:
		return phoneNumber.MatchString(t)
	case float64: // a number column of a shapefile, say
		return t == math.Trunc(t) && phoneNumber.MatchString(strconv.FormatFloat(t, 'f', -1, 64))
	case json.Number: // a number as stored properties are read: as its literal
		f, err := t.Float64()
		return err == nil && holdsPhone(f)
	case map[string]any:
		for k, x := range t {
			if hidesPhone(k, x) {
				return true
			}
		}
	case []any:
		return slices.ContainsFunc(t, holdsPhone)
	}
	return false
}

// hidesPhone reports whether the property k: v goes when phones are hidden.
func hidesPhone(k string, v any) bool { return IsPhoneKey(k) || holdsPhone(v) }

// Properties returns props without what e hides: the phone numbers. A
// property goes whole when its name says phone or its value holds a number
// anywhere (a nested {"worker": {"phone": …}}, "网格员": "赵六 139…"):
// whole, so that an anonymous export imported again keeps the stored value
// (an import keeps the properties a file lacks, and replaces those it has),
// and a copy sent without it is known to be partial by its count of
// properties. The map is copied only when something goes.
func (e Exposure) Properties(props map[string]any) map[string]any {
	if e.Shows(FieldPhone) {
		return props
	}
	var out map[string]any
	for k, v := range props {
		if !hidesPhone(k, v) {
			continue
		}
		if out == nil {
			out = maps.Clone(props)
		}
		delete(out, k)
	}
	if out == nil {
		return props
	}
	return out
}

// CoarseDegrees is the step hidden points are rounded to: 0.002° is about
// 220 m north–south and 170 m east–west in northern China, enough to show
// where hazards cluster without pointing at a doorstep.
const CoarseDegrees = 0.002

// Coarse rounds a coordinate to CoarseDegrees (and the result to a
// micro-degree, so it prints as 117.158, not 117.15800000000002).
func Coarse(v float64) float64 {
	return math.Round(math.Round(v/CoarseDegrees)*CoarseDegrees*1e6) / 1e6
}
