package api

import (
	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/geo"
)

func (h *handlers) listEnclaves(c *gin.Context) {
	f, err := enclaveFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	enclaves, next, err := h.deps.Units.ListEnclaves(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	fc := geojson.NewFeatureCollection()
	for i := range enclaves {
		fc.Append(h.enclaveView(c, &enclaves[i]))
	}
	writeCollection(c, fc, next)
}

func enclaveFilter(c *gin.Context) (geo.EnclaveFilter, error) {
	var f geo.EnclaveFilter
	var err error
	if s := c.Query("managing"); s != "" {
		if f.Managing, err = parseCode("managing", s); err != nil {
			return f, err
		}
	}
	f.Window, err = listWindow(c)
	return f, err
}

func (h *handlers) getEnclave(c *gin.Context) {
	at, err := parseAt("at", c.Query("at"))
	if err != nil {
		fail(c, err)
		return
	}
	e, err := h.deps.Units.GetEnclave(c.Request.Context(), c.Param("code"), at)
	if err != nil {
		fail(c, err)
		return
	}
	f := h.enclaveView(c, &e)
	c.Header("ETag", viewTag(e.Version, e.Properties, f)) // what an edit names in If-Match (edit.go)
	writeGeoJSON(c, f)
}

func (h *handlers) enclaveHistory(c *gin.Context) {
	versions, err := h.deps.Units.EnclaveHistory(c.Request.Context(), c.Param("code"))
	if err != nil {
		fail(c, err)
		return
	}
	fc := geojson.NewFeatureCollection()
	for i := range versions {
		fc.Append(h.enclaveView(c, &versions[i]))
	}
	writeCollection(c, fc, "")
}

// enclaveFeature is an enclave version as a GeoJSON Feature.
func enclaveFeature(e *geo.Enclave) *geojson.Feature {
	f := geojson.NewFeature(e.Geom)
	f.ID = e.Code
	f.Properties = geojson.Properties{
		"code":          e.Code,
		"name":          e.Name,
		"managing_code": e.ManagingCode,
		"status":        e.Status,
		"reason":        e.Reason,
		"area_m2":       e.AreaM2,
		"version":       e.Version,
		"valid_from":    e.ValidFrom,
		"valid_to":      e.ValidTo,
		"created_by":    e.CreatedBy,
		"properties":    e.Properties,
	}
	return f
}
