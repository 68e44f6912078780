package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
)

// Page sizes of /ogc items. The standard's default (10) makes GIS clients
// crawl; a limit above the maximum is lowered to it, as the standard
// recommends, rather than refused.
const (
	ogcDefaultLimit = 100
	ogcMaxLimit     = 10_000
)

// ogcParams are the query parameters items accepts besides the queryables.
var ogcParams = []string{"limit", "bbox", "bbox-crs", "crs", "datetime", "cursor", "f", minVersionParam}

func (h *handlers) ogcItems(c *gin.Context) {
	col, ok := findCollection(c.Param("collectionId"))
	if !ok {
		fail(c, geo.Errorf(geo.ENOTFOUND, "collectionId", "no collection %q", clip(c.Param("collectionId"))))
		return
	}
	q, crs, err := h.ogcQuery(c, col)
	if err == nil {
		err = h.dataAtLeast(c) // after the parameters: a bad one is a 400 at once
	}
	if err != nil {
		fail(c, err)
		return
	}
	feats, matched, next, err := h.queryCollection(c, col, q)
	if err != nil {
		fail(c, err)
		return
	}
	orient(feats, crs)
	contentCRS(c, crs)
	fc := geojson.NewFeatureCollection()
	fc.Features = feats
	self := h.baseURL(c) + c.Request.URL.Path
	links := []link{
		{self + "?" + c.Request.URL.RawQuery, "self", mediaGeoJSON, "This page"},
		{strings.TrimSuffix(self, "/items"), "collection", mediaJSON, col.Title},
	}
	if !next.IsZero() {
		nq := c.Request.URL.Query()
		if col.Kind == kindUnit || col.Kind == kindEnclave {
			pinNow(nq, "datetime") // one set of boundaries over the pages (writeCollection)
		}
		nq.Set("cursor", next.String())
		links = append(links, link{self + "?" + nq.Encode(), "next", mediaGeoJSON, "Next page"})
	}
	fc.ExtraMembers = geojson.Properties{
		"numberMatched":  matched,
		"numberReturned": len(fc.Features),
		"timeStamp":      time.Now().UTC().Format(time.RFC3339),
		"links":          links,
	}
	writeOGC(c, mediaGeoJSON, fc)
}

// queryCollection runs a query against the collection's source and returns
// the page as GeoJSON features, the number matched and the next cursor.
func (h *handlers) queryCollection(c *gin.Context, col ogcCollection, q geo.VersionQuery) ([]*geojson.Feature, int, geo.VersionCursor, error) {
	ctx := c.Request.Context()
	var out []*geojson.Feature
	switch col.Kind {
	case kindUnit:
		p, err := h.deps.Versions.QueryUnits(ctx, q)
		for i := range p.Items {
			u := &p.Items[i]
			out = append(out, redactVersion(ogcUnitFeature(u, q.Interval), h.exposure(c, u.Code), "attributes", u.Properties, u.CreatedBy))
		}
		return out, p.Matched, p.Next, err
	case kindEnclave:
		p, err := h.deps.Versions.QueryEnclaves(ctx, q)
		for i := range p.Items {
			e := &p.Items[i]
			out = append(out, redactVersion(ogcEnclaveFeature(e, q.Interval), h.exposure(c, e.ManagingCode), "attributes", e.Properties, e.CreatedBy))
		}
		return out, p.Matched, p.Next, err
	}
	var p geo.VersionPage[geo.Feature]
	var err error
	if col.Kind == kindGap {
		p, err = h.deps.Versions.QueryGaps(ctx, q)
	} else {
		shown := h.exposure(c, scopeOf(c)) // a scoped caller is sent its own units' reports only
		q.CoarsePoints, q.HideText = !shown.Shows(access.FieldPoint), !shown.Shows(access.FieldDescription)
		p, err = h.deps.Versions.QueryReports(ctx, q, scopeOf(c))
	}
	for _, f := range p.Items {
		gf := geojson.NewFeature(f.Geom)
		gf.ID, gf.Properties = f.ID, f.Props
		out = append(out, gf)
	}
	return out, p.Matched, p.Next, err
}

// ogcQuery reads the items parameters and the coordinate system asked for.
// Unknown parameters are refused, as the standard requires: a misspelt
// filter must not silently return all.
func (h *handlers) ogcQuery(c *gin.Context, col ogcCollection) (geo.VersionQuery, ogcCRS, error) {
	q := geo.VersionQuery{Level: col.Level, Equals: map[string]string{}}
	values := c.Request.URL.Query()
	for k, v := range values {
		switch {
		case k == "created_by" && contains(col.queryables(), k):
			if err := h.nameFilter(c, k); err != nil {
				return q, crs84CRS, err
			}
			q.Equals[k] = v[0]
		case contains(col.queryables(), k):
			q.Equals[k] = v[0]
		case !contains(ogcParams, k):
			return q, crs84CRS, geo.Invalid(k, "unknown parameter %q; filters are %s", clip(k), strings.Join(col.queryables(), ", "))
		}
	}
	if err := checkFormat(c); err != nil {
		return q, crs84CRS, err
	}
	crs, err := h.outputCRS(c)
	if err != nil {
		return q, crs, err
	}
	q.SRID = crs.SRID
	bboxCRS, err := parseCRS("bbox-crs", values.Get("bbox-crs"))
	if err != nil {
		return q, crs, err
	}
	if q.Limit, err = ogcLimit(values.Get("limit")); err != nil {
		return q, crs, err
	}
	if q.BBox, err = h.ogcBBox(c, values.Get("bbox"), bboxCRS); err != nil {
		return q, crs, err
	}
	if q.Start, q.End, q.Interval, err = ogcDatetime(values.Get("datetime")); err != nil {
		return q, crs, err
	}
	if col.Kind == kindGap && values.Has("datetime") {
		return q, crs, geo.Invalid("datetime", "gaps are computed for the current boundaries only")
	}
	if col.Kind == kindReport {
		q.End = wholeDayEnd(values.Get("datetime"), q.End)
	}
	q.After, err = geo.ParseVersionCursor(values.Get("cursor"))
	return q, crs, err
}

// outputCRS reads the crs parameter.
func (h *handlers) outputCRS(c *gin.Context) (ogcCRS, error) {
	crs, err := parseCRS("crs", c.Query("crs"))
	if err != nil {
		return crs84CRS, err
	}
	if _, ok := h.deps.Versions.(geo.Reprojector); !ok && crs.SRID != 4326 {
		return crs84CRS, geo.Invalid("crs", "this store reprojects nothing; ask for %s", crs84)
	}
	return crs, nil
}

// orient puts the features' coordinates in the axis order of crs.
func orient(feats []*geojson.Feature, crs ogcCRS) {
	if !crs.swapped {
		return
	}
	for _, f := range feats {
		f.Geometry = swapped(f.Geometry)
	}
}

func ogcLimit(s string) (int, error) {
	if s == "" {
		return ogcDefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, geo.Invalid("limit", "limit must be a whole number of at least 1")
	}
	return min(n, ogcMaxLimit), nil
}

// ogcBBox reads 4 numbers, or 6 (a 3-D box, whose heights are ignored),
// in the system crs (its axis order), and returns the WGS 84 box to filter
// with.
func (h *handlers) ogcBBox(c *gin.Context, s string, crs ogcCRS) (*orb.Bound, error) {
	if parts := strings.Split(s, ","); len(parts) == 6 {
		s = strings.Join([]string{parts[0], parts[1], parts[3], parts[4]}, ",")
	}
	if crs == crs84CRS || s == "" {
		return parseBBox("bbox", s)
	}
	b, err := boxNumbers("bbox", s)
	if err != nil {
		return nil, err
	}
	return h.queryBBox(c, &b, crs)
}

// ogcDatetime reads an instant or an interval ("a/b", either end ".." or
// empty for open). Times are RFC 3339, or dates (start of day, UTC+8).
func ogcDatetime(s string) (start, end time.Time, interval bool, err error) {
	if s == "" {
		return
	}
	a, b, isInterval := strings.Cut(s, "/")
	if start, err = ogcTime(a); err != nil {
		return
	}
	if !isInterval {
		if start.IsZero() {
			err = geo.Invalid("datetime", "an instant cannot be open (..)")
		}
		return start, start, false, err
	}
	if end, err = ogcTime(b); err != nil {
		return
	}
	if start.IsZero() && end.IsZero() {
		return start, end, true, nil
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		err = geo.Invalid("datetime", "the interval ends before it starts")
	}
	return start, end, true, err
}

// wholeDayEnd widens the end of a datetime given as a date to the whole
// day in China, for things whose time is an instant (a report's
// observation): a date intersects a report observed at any time that day,
// where taken as its midnight it matched only reports observed exactly
// then. The end of "2026-12-04/2026-12-05" is the last instant of the 5th;
// a start stays its midnight. A unit version's validity is an interval, so
// a date there stays its midnight: the versions valid then, one per code.
func wholeDayEnd(datetime string, end time.Time) time.Time {
	a, b, interval := strings.Cut(datetime, "/")
	if !interval {
		b = a
	}
	if isDate(b) {
		return end.AddDate(0, 0, 1).Add(-time.Microsecond) // PostgreSQL keeps microseconds
	}
	return end
}

// isDate reports whether a datetime end is a bare date (GDAL sends a date
// with a trailing "T").
func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, strings.TrimSuffix(s, "T"))
	return err == nil
}

func ogcTime(s string) (time.Time, error) {
	if s == "" || s == ".." {
		return time.Time{}, nil
	}
	return parseAt("datetime", strings.TrimSuffix(s, "T")) // GDAL sends "2026-03-01T" for a date
}

func (h *handlers) ogcItem(c *gin.Context) {
	col, ok := requestedCollection(c)
	if !ok {
		return
	}
	crs, err := h.outputCRS(c)
	if err != nil {
		fail(c, err)
		return
	}
	f, err := h.findItem(c, col, crs.SRID)
	if err != nil {
		fail(c, err)
		return
	}
	orient([]*geojson.Feature{f}, crs)
	contentCRS(c, crs)
	self := h.baseURL(c) + c.Request.URL.Path
	f.ExtraMembers = geojson.Properties{"links": []link{
		{self, "self", mediaGeoJSON, "This feature"},
		{self[:strings.LastIndex(self, "/items/")], "collection", mediaJSON, col.Title},
	}}
	writeOGC(c, mediaGeoJSON, f)
}

// findItem returns the feature a featureId names: for units and enclaves a
// code (the version valid now, or at ?datetime) or code@version; for gaps
// and reports their id.
func (h *handlers) findItem(c *gin.Context, col ogcCollection, srid int) (*geojson.Feature, error) {
	id := c.Param("featureId")
	q := geo.VersionQuery{Level: col.Level, Limit: 1000, SRID: srid}
	var err error
	if q.Start, q.End, q.Interval, err = ogcDatetime(c.Query("datetime")); err != nil {
		return nil, err
	}
	if q.Interval {
		return nil, geo.Invalid("datetime", "a single feature takes an instant, not an interval")
	}
	code, _, versioned := strings.Cut(id, "@")
	switch {
	case col.Kind == kindGap || col.Kind == kindReport:
		q.Equals = map[string]string{"id": id}
	case versioned:
		q.Equals = map[string]string{"code": code}
		q.Interval, q.Start, q.End = true, time.Time{}, time.Time{} // any time: the version names the item
	default:
		q.Equals = map[string]string{"code": code}
	}
	feats, _, _, err := h.queryCollection(c, col, q)
	if err != nil {
		return nil, err
	}
	for _, f := range feats {
		if f.ID == id { // code@version ids only appear for versioned lookups
			return f, nil
		}
	}
	return nil, geo.Errorf(geo.ENOTFOUND, "featureId", "no feature %q in %s", clip(id), col.ID)
}

// ogcUnitFeature is a unit version with flat properties (GIS clients make
// one column per property). The id is the code, or code@version when a
// response may hold several versions of one code.
func ogcUnitFeature(u *geo.Unit, versioned bool) *geojson.Feature {
	f := geojson.NewFeature(u.Geom)
	f.ID = featureID(u.Code, u.Version, versioned)
	f.Properties = geojson.Properties{
		"code": u.Code, "level": u.Level, "name": u.Name, "parent_code": nullable(u.ParentCode),
		"district_code": prefix(u.Code, 6), "street_code": prefix(u.Code, 9), "community_code": prefix(u.Code, 12),
		"version": u.Version, "valid_from": u.ValidFrom.UTC().Format(time.RFC3339Nano), "valid_to": timeOrNil(u.ValidTo),
		"created_by": u.CreatedBy, "attributes": u.Properties,
	}
	return f
}

func ogcEnclaveFeature(e *geo.Enclave, versioned bool) *geojson.Feature {
	f := geojson.NewFeature(e.Geom)
	f.ID = featureID(e.Code, e.Version, versioned)
	f.Properties = geojson.Properties{
		"code": e.Code, "name": e.Name, "managing_code": e.ManagingCode, "status": e.Status, "reason": e.Reason,
		"area_m2": e.AreaM2, "version": e.Version, "valid_from": e.ValidFrom.UTC().Format(time.RFC3339Nano),
		"valid_to": timeOrNil(e.ValidTo), "created_by": e.CreatedBy, "attributes": e.Properties,
	}
	return f
}

func featureID(code string, version int, versioned bool) string {
	if versioned {
		return code + "@" + strconv.Itoa(version)
	}
	return code
}

// prefix is the ancestor code of length n, or nil when code is shorter.
func prefix(code string, n int) any {
	if len(code) < n {
		return nil
	}
	return code[:n]
}

func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}
