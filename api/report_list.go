package api

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// listReports answers GET /v1/reports: filtered, newest observation first,
// cursor-paged; JSON by default, GeoJSON with format=geojson or
// Accept: application/geo+json.
func (h *handlers) listReports(c *gin.Context) {
	f, err := reportFilter(c)
	if err == nil {
		err = reportScope(c, &f)
	}
	if err == nil {
		err = h.privateFilters(c, &f)
	}
	if err != nil {
		fail(c, err)
		return
	}
	reports, next, err := h.deps.Reports.ListReports(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	var link string
	if next != "" {
		link = nextPage(c, next)
		c.Header("Link", "<"+link+`>; rel="next"`)
	}
	if wantGeoJSON(c) {
		fc := geojson.NewFeatureCollection()
		for i := range reports {
			r := h.reportRedacted(c, &reports[i])
			fc.Append(reportFeature(&r))
		}
		if next != "" {
			fc.ExtraMembers = geojson.Properties{"next": link, "next_cursor": next}
		}
		servePrivateJSON(c, geoJSONMediaType, fc)
		return
	}
	views := make([]reportView, len(reports))
	for i := range reports {
		views[i] = h.reportFor(c, &reports[i])
	}
	body := gin.H{"reports": views, "count": len(views)}
	if next != "" {
		body["next"], body["next_cursor"] = link, next
	}
	servePrivateJSON(c, jsonMediaType, body)
}

func wantGeoJSON(c *gin.Context) bool {
	switch c.Query("format") {
	case "geojson":
		return true
	case "json":
		return false
	}
	return strings.Contains(c.GetHeader("Accept"), "application/geo+json")
}

// privateFilters keeps the filters from telling an anonymous caller what
// the answers hide (a token's listing is narrowed to its scope, where it
// sees everything): a box matches the points as they are shown, rounded,
// and reporters cannot be asked for by name where names are not shown.
func (h *handlers) privateFilters(c *gin.Context, f *casework.ReportFilter) error {
	if _, ok := callerOf(c); ok {
		return nil
	}
	public := h.deps.PublicFields
	f.CoarseBBox = !public.Shows(access.FieldPoint)
	if f.Reporter != "" && !public.Shows(access.FieldReporter) {
		return geo.Errorf(geo.EUNAUTHORIZED, "reporter", "reporters' names are not public on this server: filtering by reporter needs a bearer token")
	}
	return nil
}

// reportScope narrows a listing to a scoped caller's units (scopeFilter)
// and, when it names no unit, adds the caller's own reports wherever they
// lie: a worker's reports are theirs (reportVisible), also those made
// across their grid's edge.
func reportScope(c *gin.Context, f *casework.ReportFilter) error {
	asked := f.Unit
	if err := scopeFilter(c, &f.Unit); err != nil {
		return err
	}
	if p, ok := callerOf(c); ok && p.Scope != "" && asked == "" {
		f.OrReporter = p.Name
	}
	return nil
}

// scopeFilter narrows a listing to a scoped caller's units.
func scopeFilter(c *gin.Context, unit *string) error {
	p, ok := callerOf(c)
	if !ok || p.Scope == "" {
		return nil
	}
	switch {
	case *unit == "":
		*unit = p.Scope
	case !p.Covers(*unit):
		return geo.Errorf(geo.EFORBIDDEN, "unit", "unit %s is outside this token's scope %s", *unit, p.Scope)
	}
	return nil
}

// reportParams are the query parameters of GET /v1/reports. Any other is
// refused, as the tiles and the OGC items refuse theirs: a misspelt filter
// (since= for from=) must be an error, not a silently unfiltered list.
var reportParams = []string{"unit", "state", "kind", "category", "severity", "flag", "overdue", "from", "to", "bbox",
	"reporter", "limit", "cursor", "format"}

// onlyParams refuses a query naming a parameter not in known (the first in
// order, so the answer does not depend on map order).
func onlyParams(c *gin.Context, known []string) error {
	var unknown []string
	for k := range c.Request.URL.Query() {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	k := slices.Min(unknown)
	if len(known) == 0 {
		return geo.Invalid(k, "unknown parameter %q; this resource takes none", clip(k))
	}
	return geo.Invalid(k, "unknown parameter %q; the parameters are %s", clip(k), strings.Join(known, ", "))
}

func reportFilter(c *gin.Context) (casework.ReportFilter, error) {
	var f casework.ReportFilter
	if err := onlyParams(c, reportParams); err != nil {
		return f, err
	}
	if err := boundLists(c, reportLists...); err != nil {
		return f, err
	}
	var err error
	if s := c.Query("unit"); s != "" {
		if f.Unit, err = parseCode("unit", s); err != nil {
			return f, err
		}
	}
	for _, s := range list(c, "state") {
		st, err := casework.ParseState("state", s)
		if err != nil {
			return f, err
		}
		f.States = append(f.States, st)
	}
	for _, s := range list(c, "kind") {
		k, err := casework.ParseReportKind("kind", s)
		if err != nil {
			return f, err
		}
		f.Kinds = append(f.Kinds, k)
	}
	for _, s := range list(c, "category") {
		if _, ok := casework.Categories.Lookup(s); !ok && !isCategoryClass(s) {
			return f, geo.Invalid("category", "unknown category or class %q (e.g. C0111 or C01)", clip(s))
		}
		f.Categories = append(f.Categories, s)
	}
	for _, s := range list(c, "severity") {
		n, err := strconv.Atoi(s)
		if err != nil || n < casework.MinSeverity || n > casework.MaxSeverity {
			return f, geo.Invalid("severity", "severity %q: want 1 to 4", clip(s))
		}
		f.Severities = append(f.Severities, n)
	}
	if f.Flag = c.Query("flag"); f.Flag != "" && f.Flag != casework.FlagUnmanaged && f.Flag != casework.FlagOverlap && f.Flag != casework.FlagEnclave {
		return f, geo.Invalid("flag", "unknown flag %q; want unmanaged, overlap or enclave", clip(f.Flag))
	}
	if s, ok := c.GetQuery("overdue"); ok {
		if s != "true" && s != "false" {
			return f, geo.Invalid("overdue", "overdue %q: want true or false", clip(s))
		}
		overdue := s == "true"
		f.Overdue = &overdue
	}
	if f.From, err = parseAt("from", c.Query("from")); err != nil {
		return f, err
	}
	if f.To, err = parseAt("to", c.Query("to")); err != nil {
		return f, err
	}
	f.From, f.To = geo.CeilMicro(f.From), geo.CeilMicro(f.To) // both bounds mean "from this instant on"
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, geo.Invalid("to", "to must be after from")
	}
	if f.BBox, err = parseBBox("bbox", c.Query("bbox")); err != nil {
		return f, err
	}
	if f.Reporter = c.Query("reporter"); len(f.Reporter) > 256 {
		return f, geo.Invalid("reporter", "reporter is too long")
	}
	if f.Limit, err = parseLimit(c.Query("limit"), defaultPage, maxPage); err != nil {
		return f, err
	}
	f.After = c.Query("cursor")
	return f, nil
}

// reportLists are the list parameters of GET /v1/reports.
var reportLists = []string{"state", "kind", "category", "severity"}

// nextPage is the link to the page after this one at cursor: the query as
// given, with each list parameter written once with its distinct values
// (what was repeated is not echoed back), and the cursor.
func nextPage(c *gin.Context, cursor string) string {
	q := c.Request.URL.Query()
	for _, name := range reportLists {
		if values := list(c, name); len(values) > 0 {
			q.Set(name, strings.Join(values, ","))
		}
	}
	return pageLink(c, q, cursor)
}

// maxListValues bounds the distinct values of a list parameter, as the
// tiles' filters are bounded: an attacker's 250,000 categories were each
// looked up, sent to the database, and echoed in the Link header.
const maxListValues = 50

// list reads a comma-separated (or repeated) query parameter, each value
// once, in the order first given.
func list(c *gin.Context, name string) []string {
	var out []string
	for _, v := range c.QueryArray(name) {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
			if len(out) > maxListValues {
				return out // enough to refuse (boundLists), not worth reading on
			}
		}
	}
	return out
}

// boundLists refuses a list parameter with more than maxListValues values.
func boundLists(c *gin.Context, names ...string) error {
	for _, name := range names {
		if len(list(c, name)) > maxListValues {
			return geo.Invalid(name, "at most %d values", maxListValues)
		}
	}
	return nil
}

func isCategoryClass(s string) bool {
	for _, cat := range casework.Categories.All() {
		if cat.ClassCode == s {
			return true
		}
	}
	return false
}

// reportFeature is a report as a GeoJSON point at its WGS-84 position,
// with the fields a map styles and filters on, and its photos as the JSON
// list gives them (r is redacted for the caller: a photo it may not read
// is an empty entry).
func reportFeature(r *casework.Report) *geojson.Feature {
	f := geojson.NewFeature(orb.Point(r.WGS84))
	f.ID = r.ID
	v := viewOf(r)
	f.Properties = geojson.Properties{
		"id": r.ID, "kind": r.Kind, "category": r.Category, "category_name": v.CategoryName,
		"severity": r.Severity, "state": r.State, "status": r.Resolution.Status, "flags": r.Flags,
		"unit_code": r.UnitCode, "level": r.Level, "assigned_code": r.AssignedCode,
		"observed_at": r.ObservedAt, "due_at": r.DueAt, "escalations": r.Escalations,
		"reporter": r.Reporter, "description": r.Description,
	}
	if len(r.Attachments) > 0 { // as the JSON list: no member without photos
		f.Properties["attachments"] = r.Attachments
	}
	return f
}
