package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
)

// OGC API – Features, Part 1 (Core, GeoJSON, OpenAPI 3.0) at /ogc, so GIS
// staff can add gridmap as a layer in QGIS and copy layers out with GDAL
// (OAPIF driver). Every link is absolute: GDAL resolves a relative href
// against the landing page URL, not the server root.

// Media types of the OGC responses.
const (
	mediaJSON    = "application/json"
	mediaGeoJSON = "application/geo+json"
	mediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	mediaSchema  = "application/schema+json"
	relQueryable = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
	crs84        = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	gregorian    = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
)

// ogcConformance lists the conformance classes implemented.
var ogcConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
}

// collectionKind says where a collection's items come from.
type collectionKind int

const (
	kindUnit    collectionKind = iota // unit versions of one level
	kindEnclave                       // enclave versions
	kindGap                           // the coverage audit's unmanaged gaps (current only)
	kindReport                        // reports, by observation time
)

// ogcCollection is one feature collection.
type ogcCollection struct {
	ID, Title, Description string
	Level                  geo.Level // units of this level (kindUnit)
	Kind                   collectionKind
}

var ogcCollections = []ogcCollection{
	{"districts", "Districts (区)", "Districts with their GB/T 2260 codes.", geo.District, kindUnit},
	{"streets", "Streets and townships (街道/乡镇)", "Streets and townships; 9-digit codes.", geo.Street, kindUnit},
	{"communities", "Communities and villages (社区/村)", "Communities and villages; 12-digit codes.", geo.Community, kindUnit},
	{"grids", "Grids (网格)", "Grids, the finest unit of management; 15-digit codes.", geo.Grid, kindUnit},
	{"enclaves", "Enclaves (飞地)", "Areas inside one unit's land managed by another unit (managing_code).", "", kindEnclave},
	{"gaps", "Unmanaged gaps (失管)", "Parts of a unit that none of its children cover, from the coverage audit of the current boundaries.", "", kindGap},
	{"reports", "Reports (事件)", "Hazards, events and patrol logs at their observed point; the case, not the reporter.", "", kindReport},
}

// requestedCollection is the collection of the path, for a request whose
// format is one offered; otherwise it answers the problem and returns false.
func requestedCollection(c *gin.Context) (ogcCollection, bool) {
	col, ok := findCollection(c.Param("collectionId"))
	if !ok {
		fail(c, geo.Errorf(geo.ENOTFOUND, "collectionId", "no collection %q", clip(c.Param("collectionId"))))
		return col, false
	}
	if err := checkFormat(c); err != nil {
		fail(c, err)
		return col, false
	}
	return col, true
}

func findCollection(id string) (ogcCollection, bool) {
	for _, c := range ogcCollections {
		if c.ID == id {
			return c, true
		}
	}
	return ogcCollection{}, false
}

func (c ogcCollection) queryables() []string {
	switch c.Kind {
	case kindEnclave:
		return geo.EnclaveQueryables
	case kindGap:
		return geo.GapQueryables
	case kindReport:
		return geo.ReportQueryables
	}
	return geo.UnitQueryables
}

// scopeOf is the caller's scope ("" for everywhere or anonymous): reports
// are narrowed to it, as GET /v1/reports does.
func scopeOf(c *gin.Context) string {
	p, _ := callerOf(c)
	return p.Scope
}

func (h *handlers) ogcRoutes(r *gin.Engine) {
	g := r.Group("/ogc")
	g.GET("", h.ogcLanding)
	g.GET("/api", h.ogcAPI)
	g.GET("/conformance", h.ogcConformance)
	g.GET("/collections", h.ogcCollectionsList)
	g.GET("/collections/:collectionId", h.ogcCollection)
	g.GET("/collections/:collectionId/items", h.ogcItems)
	g.GET("/collections/:collectionId/items/:featureId", h.boundaryRead("crs", "datetime", "f"), h.ogcItem)
	g.GET("/collections/:collectionId/queryables", h.ogcQueryables)
}

// link is an OGC/RFC 8288 web link.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// baseURL is the absolute URL of the service root, from PublicURL or the
// request (behind a proxy, set PublicURL).
func (h *handlers) baseURL(c *gin.Context) string {
	if h.deps.PublicURL != "" {
		return strings.TrimSuffix(h.deps.PublicURL, "/")
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

// checkFormat accepts the f parameter for JSON only; HTML is not offered.
func checkFormat(c *gin.Context) error {
	switch c.Query("f") {
	case "", "json", "geojson", "application/json", mediaGeoJSON:
		return nil
	}
	return geo.Invalid("f", "only JSON is offered (f=json)")
}

// writeOGC answers with v as the caller may see it (attributes, report
// points: the token decides), so a cache keeps one copy per Authorization.
func writeOGC(c *gin.Context, mediaType string, v any) {
	c.Header("Content-Type", mediaType)
	addVary(c.Writer.Header(), varyAuthorization)
	c.JSON(http.StatusOK, v)
}

func (h *handlers) ogcLanding(c *gin.Context) {
	if err := checkFormat(c); err != nil {
		fail(c, err)
		return
	}
	b := h.baseURL(c) + "/ogc"
	writeOGC(c, mediaJSON, gin.H{
		"title":       "gridmap",
		"description": "Districts, streets, communities, grids and enclaves of grid-based community governance (网格化服务管理), versioned.",
		"links": []link{
			{b, "self", mediaJSON, "This document"},
			{b + "/api", "service-desc", mediaOpenAPI, "The API definition"},
			{b + "/conformance", "conformance", mediaJSON, "Conformance classes implemented"},
			{b + "/collections", "data", mediaJSON, "The feature collections"},
		},
	})
}

func (h *handlers) ogcConformance(c *gin.Context) {
	if err := checkFormat(c); err != nil {
		fail(c, err)
		return
	}
	writeOGC(c, mediaJSON, gin.H{"conformsTo": ogcConformance})
}

func (h *handlers) ogcAPI(c *gin.Context) {
	writeOGC(c, mediaOpenAPI, ogcOpenAPI(h.baseURL(c)+"/ogc"))
}

func (h *handlers) ogcCollectionsList(c *gin.Context) {
	if err := checkFormat(c); err != nil {
		fail(c, err)
		return
	}
	b := h.baseURL(c) + "/ogc"
	out := make([]gin.H, 0, len(ogcCollections))
	for _, col := range ogcCollections {
		d, err := h.describeCollection(c, b, col)
		if err != nil {
			fail(c, err)
			return
		}
		out = append(out, d)
	}
	writeOGC(c, mediaJSON, gin.H{
		"links":       []link{{b + "/collections", "self", mediaJSON, "The feature collections"}},
		"collections": out,
		"crs":         h.collectionCRS(),
	})
}

func (h *handlers) ogcCollection(c *gin.Context) {
	col, ok := requestedCollection(c)
	if !ok {
		return
	}
	d, err := h.describeCollection(c, h.baseURL(c)+"/ogc", col)
	if err != nil {
		fail(c, err)
		return
	}
	writeOGC(c, mediaJSON, d)
}

// describeCollection is a collection's metadata: extent in space (the
// current items) and time (from the first version on, open-ended).
func (h *handlers) describeCollection(c *gin.Context, base string, col ogcCollection) (gin.H, error) {
	ctx := c.Request.Context()
	var ext geo.Extent
	var err error
	switch col.Kind {
	case kindEnclave:
		ext, err = h.extents.get(h.deps.Index, col.ID, func() (geo.Extent, error) { return h.deps.Versions.EnclaveExtent(ctx) })
	case kindGap:
		ext, err = h.extents.get(h.deps.Index, col.ID, func() (geo.Extent, error) { return h.deps.Versions.GapExtent(ctx) })
	case kindReport:
		ext, err = h.deps.Versions.ReportExtent(ctx, scopeOf(c))
		if !h.exposure(c, scopeOf(c)).Shows(access.FieldPoint) {
			// The box of the points as this caller is shown them (rounded
			// as the items are): the exact box would name the exact
			// coordinates of the outermost reports.
			ext.BBox = orb.Bound{Min: coarse(ext.BBox.Min), Max: coarse(ext.BBox.Max)}
		}
	default:
		ext, err = h.extents.get(h.deps.Index, col.ID, func() (geo.Extent, error) { return h.deps.Versions.UnitExtent(ctx, col.Level) })
	}
	if err != nil {
		return nil, err
	}
	spatial := gin.H{"crs": crs84}
	if !ext.Empty {
		spatial["bbox"] = [][4]float64{{ext.BBox.Min[0], ext.BBox.Min[1], ext.BBox.Max[0], ext.BBox.Max[1]}}
	}
	self := base + "/collections/" + col.ID
	return gin.H{
		"id":          col.ID,
		"title":       col.Title,
		"description": col.Description,
		"itemType":    "feature",
		"crs":         h.collectionCRS(),
		"storageCrs":  crs84,
		"extent": gin.H{
			"spatial":  spatial,
			"temporal": gin.H{"interval": [][2]*string{{timeString(ext.FirstFrom), nil}}, "trs": gregorian},
		},
		"links": []link{
			{self, "self", mediaJSON, col.Title},
			{self + "/items", "items", mediaGeoJSON, col.Title + " as GeoJSON"},
			{self + "/queryables", relQueryable, mediaSchema, "The properties " + col.ID + " can be filtered by"},
		},
	}, nil
}

func timeString(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}
