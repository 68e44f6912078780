package access

import (
	"math"
	"slices"
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
	// (a grid worker's, a contact's): see IsPhoneKey.
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

// phoneWords are the parts of property names that hold phone numbers, as
// GIS staff's attribute tables name them.
var phoneWords = []string{"phone", "mobile", "tel", "电话", "手机", "联系方式"}

// IsPhoneKey reports whether a property name holds a phone number
// ("phone", "grid_worker_phone", "tel", "联系电话", "手机号", …).
func IsPhoneKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range phoneWords {
		if strings.Contains(k, w) && (w != "tel" || k == "tel" || strings.HasSuffix(k, "_tel") || strings.HasPrefix(k, "tel_")) {
			return true
		}
	}
	return false
}

// Properties returns props without what e hides: the phone numbers. The
// map is copied only when something goes.
func (e Exposure) Properties(props map[string]any) map[string]any {
	if e.Shows(FieldPhone) || !slices.ContainsFunc(keys(props), IsPhoneKey) {
		return props
	}
	out := make(map[string]any, len(props))
	for k, v := range props {
		if !IsPhoneKey(k) {
			out[k] = v
		}
	}
	return out
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
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
