package api

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/geo"
)

// Reading edits: a GeoJSON Feature shaped like the one GET returns, so a
// client can fetch a boundary, change it and send it back. Members GET adds
// that are not for writing (version, valid_from, …) are ignored; a member
// nobody knows is refused, so a typo does not silently drop an attribute.

// etag is the entity tag of a stored version. Versions of a code are
// numbered and never reused, so the number identifies the content.
func etag(version int) string { return `"v` + strconv.Itoa(version) + `"` }

// partialSuffix marks the entity tag of a copy the caller was sent without
// the fields it may not see (a grid worker's phone, access.Exposure). An
// edit replaces the properties whole, so saving that copy would erase
// them: If-Match refuses such a tag by name (ifMatch).
const partialSuffix = "-partial"

// viewTag is the entity tag of version as sent in f, whose properties are
// stored's less what the caller may not see.
func viewTag(version int, stored map[string]any, f *geojson.Feature) string {
	if shown, _ := f.Properties["properties"].(map[string]any); len(shown) < len(stored) {
		return `"v` + strconv.Itoa(version) + partialSuffix + `"`
	}
	return etag(version)
}

// matchTags are the versions an If-Match header names: by the tags of
// whole copies, and by those of partial ones (partialSuffix).
type matchTags struct {
	whole, partial []int
}

// ifMatch reads the versions If-Match names, in order. Without the header
// the answer is 428: a blind overwrite is exactly what optimistic
// concurrency exists to prevent, and so is "*". A tag this server did not
// issue (or a weak one: If-Match compares strongly) names no version.
func ifMatch(c *gin.Context) (matchTags, error) {
	var m matchTags
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	switch h {
	case "":
		return m, geo.Errorf(geo.EPRECONDITIONREQUIRED, "If-Match",
			"send If-Match with the ETag of the version you edited (GET it first); this prevents overwriting someone else's change")
	case "*":
		return m, geo.Errorf(geo.EPRECONDITIONREQUIRED, "If-Match",
			`If-Match: * is not accepted: name the version you edited, e.g. If-Match: "v3"`)
	}
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimSpace(tag)
		if len(tag) < 4 || !strings.HasPrefix(tag, `"v`) || !strings.HasSuffix(tag, `"`) {
			continue
		}
		number, partial := strings.CutSuffix(tag[2:len(tag)-1], partialSuffix)
		n, err := strconv.Atoi(number)
		switch {
		case err != nil || n <= 0:
		case partial:
			m.partial = append(m.partial, n)
		default:
			m.whole = append(m.whole, n)
		}
	}
	return m, nil
}

// ifVersion is the version an edit of code revises: the one If-Match
// names, or, when it names several, the current one if it is among them
// (RFC 9110: any listed tag matches); -1, which no version has, when it
// names none. The store checks it again under its lock, so a version that
// changes meanwhile still fails the edit. The tag of a partial copy of the
// current version is refused by name: saving it would erase what its
// reader was not shown.
func (h *handlers) ifVersion(c *gin.Context, current currentFunc, code string) (int, error) {
	m, err := ifMatch(c)
	if err != nil {
		return 0, err
	}
	if len(m.whole) == 1 && len(m.partial) == 0 {
		return m.whole[0], nil
	}
	_, _, v, err := current(c, code)
	if err != nil && geo.ErrorCodeOf(err) != geo.ENOTFOUND {
		return 0, err
	}
	switch {
	case slices.Contains(m.whole, v):
		return v, nil
	case slices.Contains(m.partial, v):
		return 0, geo.Errorf(geo.EPRECONDITION, "If-Match",
			"the copy you edited (ETag \"v%d%s\") was read without the right to see its phone numbers, and a save replaces the properties whole, so it would erase them: read it again with the token you save with and edit that copy",
			v, partialSuffix)
	}
	return slices.Concat(m.whole, m.partial, []int{-1})[0], nil
}

// props reads a feature's properties against the members a resource has.
type props struct {
	m    geojson.Properties
	errs []error
}

func newProps(f *geojson.Feature, writable, readOnly []string) *props {
	p := &props{m: f.Properties}
	for k := range f.Properties {
		if !contains(writable, k) && !contains(readOnly, k) {
			p.errs = append(p.errs, geo.Invalid("properties."+k, "unknown member %q; this resource has %s", k, strings.Join(writable, ", ")))
		}
	}
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// str reads an optional string member.
func (p *props) str(k string) string {
	v, ok := p.m[k]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.errs = append(p.errs, geo.Invalid("properties."+k, "must be a string"))
	}
	return s
}

// object reads the free-form attributes member.
func (p *props) object(k string) map[string]any {
	v, ok := p.m[k]
	if !ok || v == nil {
		return map[string]any{}
	}
	o, ok := v.(map[string]any)
	if !ok {
		p.errs = append(p.errs, geo.Invalid("properties."+k, "must be a JSON object"))
	}
	return o
}

func (p *props) err() error {
	if len(p.errs) > 0 {
		return p.errs[0]
	}
	return nil
}

var (
	unitWritable    = []string{"code", "level", "name", "parent_code", "properties"}
	unitReadOnly    = []string{"version", "valid_from", "valid_to", "created_by", "created_at"}
	enclaveWritable = []string{"code", "name", "managing_code", "status", "reason", "properties"}
	enclaveReadOnly = []string{"area_m2", "version", "valid_from", "valid_to", "created_by", "created_at"}
)

// featureCode is the code a feature names (properties.code, else its id).
func featureCode(f *geojson.Feature, p *props) string {
	if s := p.str("code"); s != "" {
		return s
	}
	if s, ok := f.ID.(string); ok {
		return s
	}
	return ""
}

// unitFromFeature builds the unit a request asks for. pathCode is the code
// in the URL (PUT) or "" (POST, where the body names it).
func unitFromFeature(f *geojson.Feature, mp orb.MultiPolygon, pathCode string) (geo.Unit, error) {
	p := newProps(f, unitWritable, unitReadOnly)
	u := geo.Unit{Code: featureCode(f, p), Name: p.str("name"), ParentCode: p.str("parent_code"),
		Level: geo.Level(p.str("level")), Properties: p.object("properties"), Geom: mp}
	if err := p.err(); err != nil {
		return u, err
	}
	if err := checkPathCode(pathCode, &u.Code); err != nil {
		return u, err
	}
	l, err := geo.LevelOfCode(u.Code)
	if err != nil {
		return u, err
	}
	if u.Level != "" && u.Level != l {
		return u, geo.Invalid("properties.level", "code %s is a %s code, not %s", u.Code, l, u.Level)
	}
	u.Level = l
	return u, nil
}

// enclaveFromFeature builds the enclave a request asks for.
func enclaveFromFeature(f *geojson.Feature, mp orb.MultiPolygon, pathCode string) (geo.Enclave, error) {
	p := newProps(f, enclaveWritable, enclaveReadOnly)
	e := geo.Enclave{Code: featureCode(f, p), Name: p.str("name"), ManagingCode: p.str("managing_code"),
		Status: geo.EnclaveStatus(p.str("status")), Reason: p.str("reason"), Properties: p.object("properties"), Geom: mp}
	if err := p.err(); err != nil {
		return e, err
	}
	return e, checkPathCode(pathCode, &e.Code)
}

func checkPathCode(pathCode string, code *string) error {
	switch {
	case pathCode == "" && *code == "":
		return geo.Invalid("properties.code", "the feature must name its code")
	case pathCode == "":
		return nil
	case *code != "" && *code != pathCode:
		return geo.Invalid("properties.code", "the feature's code %s differs from the URL's %s; a code cannot be renamed", *code, pathCode)
	}
	*code = pathCode
	return nil
}

// editedFeature is a stored version with the warnings of its edit, as a
// GeoJSON Feature with a foreign member "warnings".
func editedFeature(f *geojson.Feature, warnings []geo.ImportIssue) *geojson.Feature {
	if warnings == nil {
		warnings = []geo.ImportIssue{}
	}
	f.ExtraMembers = geojson.Properties{"warnings": warnings}
	return f
}
