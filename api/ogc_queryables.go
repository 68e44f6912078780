package api

import (
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/geo"
)

// OGC API – Features Part 3, Queryables: what each collection can be
// filtered by (with equality, as query parameters of items), as a JSON
// Schema, so QGIS and GDAL need not guess.

// queryableSchemas describe the queryables: title and JSON type.
var queryableSchemas = map[string]jsonObj{
	"code":           {"type": "string", "title": "Code (GB/T 2260 prefix, then the local sequence)"},
	"name":           {"type": "string", "title": "Name"},
	"parent_code":    {"type": "string", "title": "Code of the parent unit"},
	"district_code":  {"type": "string", "title": "District (区) code, 6 digits"},
	"street_code":    {"type": "string", "title": "Street (街道/乡镇) code, 9 digits"},
	"community_code": {"type": "string", "title": "Community (社区/村) code, 12 digits"},
	"created_by":     {"type": "string", "title": "Who made the version"},
	"managing_code":  {"type": "string", "title": "Code of the managing unit"},
	"status":         {"type": "string", "title": "Status"},
	"id":             {"type": "string", "title": "Identifier"},
	"level":          {"type": "string", "title": "Level", "enum": []string{"district", "street", "community", "grid", "microgrid"}},
	"kind":           {"type": "string", "title": "Kind of report", "enum": []string{"hazard", "event", "patrol_log"}},
	"category":       {"type": "string", "title": "Category (部件/事件 classification code)"},
	"severity":       {"type": "integer", "title": "Severity, 1 (简易) to 4 (重大)", "minimum": 1, "maximum": 4},
	"state":          {"type": "string", "title": "Workflow state"},
	"unit_code":      {"type": "string", "title": "Code of the unit the report landed at"},
}

func (h *handlers) ogcQueryables(c *gin.Context) {
	col, ok := requestedCollection(c)
	if !ok {
		return
	}
	props := jsonObj{}
	for _, q := range h.queryablesFor(c, col) {
		s, ok := queryableSchemas[q]
		if !ok {
			s = jsonObj{"type": "string", "title": q}
		}
		props[q] = s
	}
	writeOGC(c, mediaSchema, jsonObj{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  h.baseURL(c) + c.Request.URL.Path,
		"type":                 "object",
		"title":                col.Title,
		"description":          "The properties of " + col.ID + " that items filters on by equality, e.g. ?" + col.queryables()[0] + "=…",
		"properties":           props,
		"additionalProperties": false,
	})
}

// collectionCRS is the crs list of a collection: every system offered when
// the store reprojects, else CRS84 alone.
func (h *handlers) collectionCRS() []string {
	if _, ok := h.deps.Versions.(geo.Reprojector); ok {
		return ogcCRSList
	}
	return []string{crs84}
}

// queryablesFor are the collection's queryables this caller may filter by:
// not who saved a version where editors' names are hidden (nameFilter).
func (h *handlers) queryablesFor(c *gin.Context, col ogcCollection) []string {
	if h.nameFilter(c, "created_by") == nil {
		return col.queryables()
	}
	return slices.DeleteFunc(slices.Clone(col.queryables()), func(q string) bool { return q == "created_by" })
}
