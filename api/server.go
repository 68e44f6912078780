// Package api is gridmap's HTTP interface: the gin router, one file of
// handlers per resource, middleware (logging, metrics, limits, CORS) and
// errors as application/problem+json. Handlers call the geo domain and its
// stores; they hold no rules of their own.
package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"gridmap/geo"
)

// Deps is what the API needs from the rest of gridmap.
type Deps struct {
	Units    geo.UnitStore
	Resolver geo.Resolver
	// Ready reports whether the service can answer: the database responds
	// and the in-memory state is loaded.
	Ready func(ctx context.Context) error
	// Registry receives the HTTP metrics; nil makes a private one.
	Registry *prometheus.Registry
	// CORSOrigins lists the origins allowed to call the API from a browser;
	// "*" allows any.
	CORSOrigins []string
}

// MaxBodyBytes bounds every request body; bigger bodies get 413.
const MaxBodyBytes = 64 << 20

// New returns the HTTP handler.
func New(d Deps) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.ContextWithFallback = true
	r.HandleMethodNotAllowed = true
	_ = r.SetTrustedProxies(nil)
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	m := newMetrics(d.Registry)
	r.Use(recovery(), accessLog(), m.middleware(), cors(d.CORSOrigins), limitBody(MaxBodyBytes))
	r.NoRoute(func(c *gin.Context) {
		fail(c, geo.Errorf(geo.ENOTFOUND, "path", "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		writeProblem(c, Problem{Type: "https://gridmap.dev/problems/method", Title: "Method Not Allowed",
			Status: http.StatusMethodNotAllowed, Detail: c.Request.Method + " is not allowed here", Code: "method"})
	})
	h := &handlers{deps: d}
	h.routes(r, d.Registry)
	return r
}

type handlers struct {
	deps Deps
}

func (h *handlers) routes(r *gin.Engine, reg *prometheus.Registry) {
	r.GET("/healthz", h.healthz)
	r.GET("/readyz", h.readyz)
	r.GET("/metrics", metricsHandler(reg))
	r.GET("/openapi.json", serveOpenAPI)

	v1 := r.Group("/v1")
	v1.GET("/units", h.listUnits)
	v1.GET("/units/:code", h.getUnit)
	v1.GET("/units/:code/history", h.unitHistory)
	v1.GET("/enclaves", h.listEnclaves)
	v1.GET("/enclaves/:code", h.getEnclave)
	v1.GET("/enclaves/:code/history", h.enclaveHistory)
	v1.GET("/resolve", h.resolveOne)
	v1.POST("/resolve", h.resolveMany)
}

func (h *handlers) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (h *handlers) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if h.deps.Ready != nil {
		if err := h.deps.Ready(ctx); err != nil {
			writeProblem(c, Problem{Type: "https://gridmap.dev/problems/unavailable", Title: "Service Unavailable",
				Status: http.StatusServiceUnavailable, Detail: "not ready: " + err.Error(), Code: string(geo.EUNAVAILABLE)})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

func serveOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPIDoc)
}
