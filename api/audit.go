package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/audit"
	"github.com/gridmap-dev/gridmap/geo"
)

// getAudit answers GET /v1/audit?unit=: the coverage defects under a unit
// (default: the caller's scope, else the whole city) as GeoJSON, with the
// summary as the foreign member "summary"; an overlap between children of
// two parents is under either. min_area/min_width compute it afresh with
// another tolerance.
func (h *handlers) getAudit(c *gin.Context) {
	if h.deps.Audit == nil {
		fail(c, geo.Errorf(geo.EUNAVAILABLE, "", "the audit is not enabled on this server"))
		return
	}
	q, err := auditQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	res, err := h.deps.Audit.Audit(c.Request.Context(), q)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Content-Type", "application/geo+json")
	c.JSON(http.StatusOK, audit.FeatureCollection(res))
}

func auditQuery(c *gin.Context) (geo.AuditQuery, error) {
	var q geo.AuditQuery
	if s := c.Query("unit"); s != "" {
		code, err := parseCode("unit", s)
		if err != nil {
			return q, err
		}
		q.Unit = code
	} else if p, ok := callerOf(c); ok {
		q.Unit = p.Scope
	}
	if _, ok := callerOf(c); ok {
		if err := requireScope(c, q.Unit); err != nil {
			return q, err
		}
	}
	if c.Query("min_area") != "" || c.Query("min_width") != "" {
		t, err := toleranceParams(c.Query("min_area"), c.Query("min_width"))
		if err != nil {
			return q, err
		}
		q.Tolerance = &t
	}
	return q, nil
}
