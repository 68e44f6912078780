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

// ifMatch reads the versions If-Match names, in order. Without the header
// the answer is 428: a blind overwrite is exactly what optimistic
// concurrency exists to prevent, and so is "*". A tag this server did not
// issue (or a weak one: If-Match compares strongly) names no version; a
// header naming none is answered 412 by the edit (version -1).
func ifMatch(c *gin.Context) ([]int, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	switch h {
	case "":
		return nil, geo.Errorf(geo.EPRECONDITIONREQUIRED, "If-Match",
			"send If-Match with the ETag of the version you edited (GET it first); this prevents overwriting someone else's change")
	case "*":
		return nil, geo.Errorf(geo.EPRECONDITIONREQUIRED, "If-Match",
			`If-Match: * is not accepted: name the version you edited, e.g. If-Match: "v3"`)
	}
	var versions []int
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimSpace(tag)
		if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(tag, `"v`), `"`)); err == nil &&
			strings.HasPrefix(tag, `"v`) && strings.HasSuffix(tag, `"`) && n > 0 {
			versions = append(versions, n)
		}
	}
	if len(versions) == 0 {
		return []int{-1}, nil
	}
	return versions, nil
}

// ifVersion is the version an edit of code revises: the one If-Match
// names, or, when it names several, the current one if it is among them
// (RFC 9110: any listed tag matches). The store checks it again under its
// lock, so a version that changes meanwhile still fails the edit.
func (h *handlers) ifVersion(c *gin.Context, current currentFunc, code string) (int, error) {
	versions, err := ifMatch(c)
	if err != nil {
		return 0, err
	}
	if len(versions) == 1 {
		return versions[0], nil
	}
	_, v, err := current(c.Request.Context(), code)
	if err != nil && geo.ErrorCodeOf(err) != geo.ENOTFOUND {
		return 0, err
	}
	if slices.Contains(versions, v) {
		return v, nil
	}
	return versions[0], nil
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
