package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/geo"
)

// Page sizes for listings: geometry makes features large.
const (
	defaultPage = 100
	maxPage     = 1000
)

func (h *handlers) listUnits(c *gin.Context) {
	f, err := unitFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	units, next, err := h.deps.Units.ListUnits(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	fc := geojson.NewFeatureCollection()
	for i := range units {
		fc.Append(h.unitView(c, &units[i]))
	}
	writeCollection(c, fc, next)
}

func unitFilter(c *gin.Context) (geo.UnitFilter, error) {
	var f geo.UnitFilter
	var err error
	if s := c.Query("level"); s != "" {
		if f.Level, err = geo.ParseLevel(s); err != nil {
			return f, err
		}
	}
	if s := c.Query("parent"); s != "" {
		if f.Parent, err = parseCode("parent", s); err != nil {
			return f, err
		}
	}
	f.Window, err = listWindow(c)
	return f, err
}

// The parameters of GET /v1/units and GET /v1/enclaves: their filters and
// the window every versioned listing shares (listWindow).
var (
	unitListParams    = []string{"level", "parent", "bbox", "at", "limit", "cursor"}
	enclaveListParams = []string{"managing", "bbox", "at", "limit", "cursor"}
)

// listWindow reads the parameters every versioned listing shares.
func listWindow(c *gin.Context) (geo.Window, error) {
	var w geo.Window
	var err error
	if w.BBox, err = parseBBox("bbox", c.Query("bbox")); err != nil {
		return w, err
	}
	if w.At, err = parseAt("at", c.Query("at")); err != nil {
		return w, err
	}
	if w.Limit, err = parseLimit(c.Query("limit"), defaultPage, maxPage); err != nil {
		return w, err
	}
	w.After = c.Query("cursor")
	return w, nil
}

func (h *handlers) getUnit(c *gin.Context) {
	code, err := parseCode("code", c.Param("code"))
	if err != nil {
		fail(c, err)
		return
	}
	at, err := parseAt("at", c.Query("at"))
	if err != nil {
		fail(c, err)
		return
	}
	u, err := h.deps.Units.GetUnit(c.Request.Context(), code, at)
	if err != nil {
		fail(c, err)
		return
	}
	f := h.unitView(c, &u)
	c.Header("ETag", viewTag(u.Version, u.Properties, f)) // what an edit names in If-Match (edit.go)
	writeGeoJSON(c, f)
}

func (h *handlers) unitHistory(c *gin.Context) {
	code, err := parseCode("code", c.Param("code"))
	if err != nil {
		fail(c, err)
		return
	}
	versions, err := h.deps.Units.UnitHistory(c.Request.Context(), code)
	if err != nil {
		fail(c, err)
		return
	}
	fc := geojson.NewFeatureCollection()
	for i := range versions {
		fc.Append(h.unitView(c, &versions[i]))
	}
	writeCollection(c, fc, "")
}

// unitFeature is a unit version as a GeoJSON Feature; the id is the code.
// Coordinates are written in Go's shortest exact form: no precision is lost.
func unitFeature(u *geo.Unit) *geojson.Feature {
	f := geojson.NewFeature(u.Geom)
	f.ID = u.Code
	f.Properties = geojson.Properties{
		"code":        u.Code,
		"level":       u.Level,
		"name":        u.Name,
		"parent_code": nullable(u.ParentCode),
		"version":     u.Version,
		"valid_from":  u.ValidFrom,
		"valid_to":    u.ValidTo,
		"created_by":  u.CreatedBy,
		"properties":  u.Properties,
	}
	return f
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// writeCollection writes a feature collection with the next page's cursor
// in the body ("next") and as a Link header. A listing of now (no at) is
// pinned to the moment its first page was read: the next page's link
// carries at, so that the pages are one set of boundaries, not a split
// grid's old outline on one page and its new parts on the next (an
// attacker, every time an edit fell between two pages).
func writeCollection(c *gin.Context, fc *geojson.FeatureCollection, next string) {
	if next != "" {
		q := c.Request.URL.Query()
		pinNow(q, "at")
		link := pageLink(c, q, next)
		fc.ExtraMembers = geojson.Properties{"next": link, "next_cursor": next}
		c.Header("Link", "<"+link+`>; rel="next"`)
	}
	writeGeoJSON(c, fc)
}

// pinNow sets the time parameter param of a listing's next page to now,
// unless the listing names a time already. It is called once the page has
// been read, so that every version the page showed began before the
// moment it pins.
func pinNow(q url.Values, param string) {
	if q.Get(param) == "" {
		q.Set(param, time.Now().UTC().Format(time.RFC3339Nano))
	}
}

// pageLink is the link to the page at cursor of the listing c answers,
// with query q (the request's, or one written anew).
func pageLink(c *gin.Context, q url.Values, cursor string) string {
	q.Set("cursor", cursor)
	return (&url.URL{Path: c.Request.URL.Path, RawQuery: q.Encode()}).String()
}

// writeGeoJSON answers with v, the boundaries as the caller may see them:
// what a unit's or an enclave's properties show depends on the token (a
// phone number), so a cache must keep one copy per Authorization.
func writeGeoJSON(c *gin.Context, v any) {
	c.Header("Content-Type", "application/geo+json")
	addVary(c.Writer.Header(), varyAuthorization)
	c.JSON(http.StatusOK, v) // keeps the Content-Type set above
}

// varyAuthorization is the Vary value of an answer that depends on the
// caller's token.
var varyAuthorization = []string{"Authorization"}
