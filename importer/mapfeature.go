package importer

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/paulmach/orb/encoding/wkb"

	"github.com/gridmap-dev/gridmap/geo"
)

var sprintf = fmt.Sprintf

// errMessage is the client-safe message of an error.
func errMessage(err error) string {
	var ge *geo.Error
	if errors.As(err, &ge) && ge.Message != "" {
		return ge.Message
	}
	return err.Error()
}

// guessList names the attributes tried for a field, for messages.
func guessList(g []string) string {
	if len(g) > 6 {
		g = g[:6]
	}
	return strings.Join(g, ", ") + ", …"
}

// feature maps and checks one feature. It returns ok=false when the feature
// cannot be staged at all (no usable code); its issues are in the report.
// Features with a code but an unusable geometry are staged without one, so
// that their children still find them and --retire-missing spares them.
func (m *mapper) feature(f Feature) (row, bool) {
	if m.enclaves {
		return m.enclaveFeature(f)
	}
	r := row{idx: f.Index}
	var keys struct{ code, name, parent, level string }
	if f.Attrs != nil {
		keys.code = m.field(f.Attrs, "code", m.fields.Code)
		keys.name = m.field(f.Attrs, "name", m.fields.Name)
		keys.parent = m.field(f.Attrs, "parent", m.fields.Parent)
		keys.level = m.field(f.Attrs, "level", m.fields.Level)
	}
	issue := func(kind geo.IssueKind, sev geo.Severity, format string, args ...any) {
		m.report.Add(geo.ImportIssue{Index: f.Index, Code: r.code, Severity: sev, Kind: kind, Message: sprintf(format, args...)})
	}
	if f.Err != nil && f.Attrs == nil { // nothing could be read: say why, not that the code is missing
		issue(f.Err.Kind, geo.SeverityError, "%s", f.Err.Msg)
		return r, false
	}
	code, ok := scalar(f.Attrs[keys.code])
	r.code = code
	switch {
	case keys.code == "":
		issue(geo.IssueMissingField, geo.SeverityError, "no code attribute (tried %s); name it with the code field option", guessList(fieldGuesses["code"]))
		return r, false
	case f.Err != nil && f.Err.Attr == keys.code: // not empty: unreadable, and why
		issue(f.Err.Kind, geo.SeverityError, "%s", f.Err.Msg)
		return r, false
	case !ok || code == "":
		issue(geo.IssueMissingField, geo.SeverityError, "the code (%s) is empty", keys.code)
		return r, false
	}
	if !m.setLevel(&r, f.Attrs[keys.level], issue) {
		return r, false
	}
	if keys.parent == "" && m.fields.Parent == "" {
		keys.parent = attrKey(f.Attrs, parentGuessesOf[r.level], "")
	}
	if f.Err == nil || f.Err.Attr != keys.name { // an unreadable name is reported with the geometry
		m.setName(&r, f.Attrs[keys.name], keys.name, issue)
	}
	if !m.setParent(&r, f.Attrs[keys.parent], keys.parent, issue) {
		return r, false
	}
	if r.seq != "" {
		r.code = r.seq // placed under its parent once the geometry is in PostGIS (placeLocalCodes)
	} else if !m.claim(&r, f.Index, issue) {
		return r, false
	}
	if given, _ := scalar(f.Attrs[keys.parent]); isName(given) {
		// A name is not what the parent is stored as (its code is): the
		// attribute stays a property, as it was before names were read,
		// so that importing the same file again changes nothing.
		keys.parent = ""
	}
	r.props = m.kept(f, keys.code, keys.name, keys.parent, keys.level)
	if !checkProps(r.props, issue) {
		return r, false
	}
	m.geometry(&r, f)
	return r, true
}

// checkProps refuses a feature whose kept attributes an edit could not
// store either (geo.ValidateProperties: 64 KiB as JSON, their numbers
// written out in full, and no NUL).
func checkProps(props map[string]any, issue func(geo.IssueKind, geo.Severity, string, ...any)) bool {
	var ge *geo.Error
	if err := geo.ValidateProperties("properties", props); errors.As(err, &ge) {
		issue(geo.IssueUnreadable, geo.SeverityError, "its attributes, kept as properties, cannot be stored: %s", ge.Message)
		return false
	}
	return true
}

// claim checks a full code against the import's scope and the codes seen
// so far, and records it.
func (m *mapper) claim(r *row, idx int, issue func(geo.IssueKind, geo.Severity, string, ...any)) bool {
	if m.within != "" && !strings.HasPrefix(r.code, m.within) {
		issue(geo.IssueBadCode, geo.SeverityError, "code %s is outside %s, the scope this import may change", r.code, m.within)
		return false
	}
	return m.unique(r, idx, issue)
}

// unique checks that no earlier feature has r's code, and records it.
func (m *mapper) unique(r *row, idx int, issue func(geo.IssueKind, geo.Severity, string, ...any)) bool {
	if first, dup := m.seen[r.code]; dup {
		issue(geo.IssueDuplicateCode, geo.SeverityError, "code %s is also used by feature #%d", r.code, first)
		return false
	}
	m.seen[r.code] = idx
	return true
}

func (m *mapper) setLevel(r *row, v any, issue func(geo.IssueKind, geo.Severity, string, ...any)) bool {
	level := m.level
	if level == "" && v != nil {
		s, _ := scalar(v)
		if l, ok := levelWords[s]; ok {
			level = l
		} else if l, err := geo.ParseLevel(s); err == nil {
			level = l
		} else if s != "" {
			issue(geo.IssueBadCode, geo.SeverityError, "level %q is not a level (district, street, community, grid, microgrid, 区, 街道, 社区, 网格)", clipText(s, 20))
			return false
		}
	}
	if seq, ok := localCode(r.code, level); ok {
		r.seq, r.level = seq, level
		return true
	}
	if level == "" {
		l, err := geo.LevelOfCode(r.code)
		if err != nil {
			issue(geo.IssueBadCode, geo.SeverityError, "code %q is not a unit code: %s", clipText(r.code, 30), errMessage(err))
			return false
		}
		level = l
	}
	if err := geo.ValidateCode(r.code, level); err != nil {
		issue(geo.IssueBadCode, geo.SeverityError, "%s", errMessage(err))
		return false
	}
	r.level = level
	return true
}

// setName takes the name, which must be one the API would store
// (storableText): a name with a control character or over MaxUnitName
// characters is an error, and the feature is staged without it, as one
// without a name is.
func (m *mapper) setName(r *row, v any, key string, issue func(geo.IssueKind, geo.Severity, string, ...any)) {
	name, _ := scalar(v)
	r.name = name
	switch {
	case name == "" && key == "":
		issue(geo.IssueMissingField, geo.SeverityError, "no name attribute (tried %s); name it with the name field option", guessList(fieldGuesses["name"]))
	case name == "":
		issue(geo.IssueMissingField, geo.SeverityError, "the name (%s) is empty", key)
	case !storableText(geo.ValidateName("name", name, geo.MaxUnitName, true), "name", key, issue):
		r.name = ""
	}
}

// storableText reports a value of the file the API's rules refuse (err,
// from geo.ValidateName or geo.ValidateText: invalid UTF-8, a control
// character — a NUL, which the database cannot store at all —, too many
// characters) as an error of the feature naming what it is and the
// attribute it was read from, and returns false; true when err is nil.
// Nothing the API would refuse is staged: such a unit could be imported
// but not saved again.
func storableText(err error, what, key string, issue func(geo.IssueKind, geo.Severity, string, ...any)) bool {
	if err == nil {
		return true
	}
	issue(geo.IssueUnreadable, geo.SeverityError, "the %s (%s) cannot be stored: %s", what, key, errMessage(err))
	return false
}

// setParent takes the parent from the file or from the code's prefix; a
// file parent that contradicts the prefix is an error (codes are the
// identity and nest by prefix, docs/design.md "Data model").
func (m *mapper) setParent(r *row, v any, key string, issue func(geo.IssueKind, geo.Severity, string, ...any)) bool {
	given, _ := scalar(v)
	if isName(given) {
		// A name (所属社区: 新华路社区), looked up once the units are
		// staged. A district's (上级名称: 天津市) names what gridmap does
		// not keep: districts have no parent. A name no unit can have
		// (a NUL) is not staged.
		if r.level != geo.District && storableText(geo.ValidateName("name", given, geo.MaxUnitName, false), "parent's name", key, issue) {
			r.parentName = given
		}
		given = ""
	}
	if r.seq != "" {
		return m.localParent(r, given, issue)
	}
	prefix := geo.ParentCode(r.code)
	switch {
	case r.level == geo.District && given != "":
		issue(geo.IssueParentMismatch, geo.SeverityError, "a district has no parent, but the file gives %q", clipText(given, 20))
		return false
	case given != "" && given != prefix:
		issue(geo.IssueParentMismatch, geo.SeverityError, "the parent %q does not match the code's prefix %s", clipText(given, 20), prefix)
		return false
	}
	r.parent = prefix
	return true
}

// isName says whether a parent column's value is a unit's name (新华路社区)
// rather than a code: one with a character beyond ASCII. A code with a
// stray letter (12010400100l) stays a code, refused as one.
func isName(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII {
			return true
		}
	}
	return false
}

// localCode recognises a code local to its parent: a grid numbered 1, 2,
// 3... within its community, as many offices number them. It needs the
// level (option or field); it returns the code as the 3-digit sequence
// that follows the parent's code.
func localCode(code string, level geo.Level) (string, bool) {
	if level.Rank() <= 0 || !isDigits(code) || len(code) > 3 || len(code) >= level.CodeLength() {
		return "", false
	}
	return strings.Repeat("0", 3-len(code)) + code, true
}

// localParent completes a local code: with a parent from the file the
// code is known now; without one, the parent is found spatially later.
func (m *mapper) localParent(r *row, given string, issue func(geo.IssueKind, geo.Severity, string, ...any)) bool {
	if given == "" {
		return true
	}
	up, _ := r.level.Parent()
	if err := geo.ValidateCode(given, up); err != nil {
		issue(geo.IssueParentMismatch, geo.SeverityError, "the parent %q is not a %s code", clipText(given, 20), up)
		return false
	}
	r.code, r.parent, r.seq = given+r.seq, given, ""
	return true
}

// props keeps the attributes asked for: by default every one not mapped
// to a unit field; ["none"] keeps nothing.
func (m *mapper) props(attrs map[string]any, mapped ...string) map[string]any {
	out := map[string]any{}
	want := m.fields.Props
	if len(want) == 1 && want[0] == "none" {
		return out
	}
	if len(want) == 0 || len(want) == 1 && want[0] == "*" {
		skip := map[string]bool{}
		for _, k := range mapped {
			skip[k] = true
		}
		for k, v := range attrs {
			if skip[k] {
				continue
			}
			name := propertyName(k, attrs)
			if name != k {
				m.noteRenamed(k, name)
			}
			out[name] = v
		}
		return out
	}
	return chosen(attrs, want)
}

// chosen is the entries of attrs the props option lists (want), each found
// in any case (lookupAttr).
func chosen(attrs map[string]any, want []string) map[string]any {
	out := map[string]any{}
	for _, name := range want {
		if k, ok := lookupAttr(attrs, name); ok {
			out[k] = attrs[k]
		}
	}
	return out
}

// geometry reports the feature's read problems and encodes its geometry.
func (m *mapper) geometry(r *row, f Feature) {
	for _, n := range f.Notes {
		m.report.Add(geo.ImportIssue{Index: f.Index, Code: r.code, Severity: geo.SeverityWarning, Kind: n.Kind, Message: n.Msg})
	}
	if f.Err != nil {
		m.report.Add(geo.ImportIssue{Index: f.Index, Code: r.code, Severity: geo.SeverityError, Kind: f.Err.Kind, Message: f.Err.Msg})
		return
	}
	if m.offset != "" {
		// GCJ-02 and BD-09 are offsets of WGS-84 that PROJ does not know:
		// undo them vertex by vertex (geo/crs.go) before PostGIS sees them.
		for _, poly := range f.Geom {
			for _, ring := range poly {
				for i, p := range ring {
					ring[i] = geo.ToWGS84(p, m.offset)
				}
			}
		}
	}
	b, err := wkb.Marshal(f.Geom)
	if err != nil {
		m.report.Add(geo.ImportIssue{Index: f.Index, Code: r.code, Severity: geo.SeverityError, Kind: geo.IssueUnreadable, Message: "the geometry cannot be encoded: " + err.Error()})
		return
	}
	r.wkb, r.bound = b, f.Bound
}
