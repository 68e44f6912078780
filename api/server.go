// Package api is gridmap's HTTP interface: the gin router, one file of
// handlers per resource, middleware (logging, metrics, limits, CORS) and
// errors as application/problem+json. Handlers call the domain packages
// (geo, access, casework) and their stores; they hold no rules of their own.
// Their contract is tested over in-memory fakes (contract_*_test.go, package
// mock) and, where the database decides, against PostGIS.
package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/internal/shares"
	"github.com/gridmap-dev/gridmap/tiles"
)

// Deps is what the API needs from the rest of gridmap.
type Deps struct {
	Units    geo.UnitStore
	Resolver geo.Resolver
	// Index is the resolver index's follower: writes answer once this node
	// has applied them, and readyz names its data version. Nil skips both.
	Index geo.Follower
	// DataVersion reads the data version the node's database holds now:
	// a read drawn from the database that names a version waits for it
	// (read-your-writes through a node on a standby behind its primary).
	// Nil: the index's version stands for it (none: such reads do not wait).
	DataVersion func(ctx context.Context) (int64, error)
	// Positions gives the write position of the database after a commit
	// and waits for a standby's replay to reach one: read-your-writes of
	// reports, steps, patrols and photos (positions.go). Nil: neither.
	Positions Positions
	// ReadOnly reports whether the node's database is a hot standby, now:
	// writes then answer 503. It is asked per request, for a standby may
	// be promoted (and a primary rejoin as a standby). Nil: never.
	ReadOnly func() bool
	// Ready reports whether the service can answer: the database responds
	// and the in-memory state is loaded.
	Ready func(ctx context.Context) error
	// Background ends when the node stops, after the servers have
	// drained; the reads the API starts off the request path (a token in
	// use, read again ahead of its cache time) end with it. Nil:
	// context.Background().
	Background context.Context
	// Registry receives the HTTP metrics; nil makes a private one.
	Registry *prometheus.Registry
	// CORSOrigins lists the origins allowed to call the API from a browser;
	// "*" allows any.
	CORSOrigins []string

	// Tokens authenticates bearer tokens; nil refuses every write with 401.
	Tokens access.TokenStore
	// Auth is the access policy; nil means DefaultAuthConfig (public reads).
	Auth *AuthConfig
	// PublicFields are the personal fields anonymous reads may carry (the
	// zero value: none); callers signed in within scope see them all.
	PublicFields access.Exposure
	// Editor changes single boundaries (PUT/POST/DELETE of units and enclaves).
	Editor geo.BoundaryEditor
	// Topology makes the edits that change several boundaries at once
	// (move a shared vertex, split, merge); nil answers them with 503.
	Topology geo.TopologyEditor
	// Versions serves the OGC API – Features collections at /ogc.
	Versions geo.VersionStore
	// PublicURL is the service's external base URL (https://host[/prefix]),
	// used for the absolute links of /ogc; "" derives it from each request.
	PublicURL string
	// TrustedProxies lists the proxies whose X-Forwarded-For is believed
	// for the client address (rate limits per address); nil trusts none.
	TrustedProxies []string

	// Reports keeps reports and their cases; Patrols keeps patrol tracks.
	Reports casework.ReportStore
	Patrols casework.PatrolStore
	// Policy holds the case deadlines and escalation floors per severity.
	Policy casework.Policy
	// Photos keeps the photos reports and workflow steps use; nil answers
	// the attachment routes with 503.
	Photos casework.PhotoStore

	// Tiles draws the vector tiles, their TileJSON, the style and the
	// catalog; nil answers those routes with 503.
	Tiles *tiles.Service
	// TileMaxAge is the Cache-Control max-age of tiles; 0 sends no-cache
	// (clients revalidate with the ETag, so an edit shows at once).
	TileMaxAge time.Duration

	// LogRequests logs every request at info level (otherwise at debug).
	LogRequests bool

	// Imports runs uploaded boundary files (POST /v1/imports); Audit answers
	// the coverage audit (GET /v1/audit). Nil disables them.
	Imports geo.Importer
	Audit   geo.Auditor

	// Events streams the event record at GET /v1/events; nil answers 503.
	// EventHeartbeat is the time between heartbeats (0: the default).
	Events         *geo.EventHub
	EventHeartbeat time.Duration

	// Now is the clock that says which China day is today for statistics,
	// the big screen and patrol coverage; nil means time.Now.
	Now func() time.Time
}

// MaxBodyBytes bounds every request body; bigger bodies get 413.
const MaxBodyBytes = 64 << 20

// New returns the HTTP handler. Every GET route also answers HEAD.
func New(d Deps) http.Handler {
	engine, fast := buildEngine(d)
	return fast.wrap(headAsGet(engine))
}

// newEngine is the gin router with its middleware and routes.
func newEngine(d Deps) *gin.Engine {
	engine, _ := buildEngine(d)
	return engine
}

// buildEngine makes the gin router and the fast path of its hottest routes,
// which shares the router's metrics.
func buildEngine(d Deps) (*gin.Engine, *fastPath) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.ContextWithFallback = true
	r.HandleMethodNotAllowed = true
	r.UseRawPath = true                       // a%2Fb is one path segment: an enclave stored with such a code can be retired
	_ = r.SetTrustedProxies(d.TrustedProxies) // validated by the caller (cmd/gridmap)
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	m := newMetrics(d.Registry)
	auth := DefaultAuthConfig
	if d.Auth != nil {
		auth = *d.Auth
	}
	origins := newCORSPolicy(d.CORSOrigins)
	r.Use(recovery(), accessLog(d.LogRequests), m.middleware(), cors(origins), floorRates(), compress(), bodyLimit(), textGuard(),
		requestDeadline(requestWait))
	if d.ReadOnly == nil {
		d.ReadOnly = func() bool { return false }
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	authn := newAuthenticator(auth, d.Tokens)
	authn.readOnly = d.ReadOnly
	if d.Background != nil {
		authn.background = d.Background
	}
	// Who is asking comes before where to send a write: a caller without a
	// token is told it needs one (401), not to try the primary, where it
	// would be refused all the same.
	r.Use(authn.middleware(), readOnly(d.ReadOnly))
	r.NoRoute(func(c *gin.Context) {
		fail(c, geo.Errorf(geo.ENOTFOUND, "path", "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		writeProblem(c, Problem{Type: "https://gridmap.dev/problems/method", Title: "Method Not Allowed",
			Status: http.StatusMethodNotAllowed, Detail: clip(requestMethod(c)) + " is not allowed here", Code: "method"})
	})
	h := &handlers{deps: d, tileCaching: tileCaching(d.TileMaxAge), photoTurns: &shares.Counter{Max: photoTurnsPerToken}}
	d.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridmap_photo_uploads_under_way",
		Help: "Photo uploads being read, waiting for a decode turn or decoded (each token has at most 2)."},
		func() float64 { return float64(h.photoTurns.Total()) }))
	h.routes(r, d.Registry)
	return r, newFastPath(h, m, authn, origins)
}

type handlers struct {
	deps        Deps
	tileCaching [2][]string       // Cache-Control of tiles: [0] to anonymous callers, [1] to signed-in ones
	missed      geo.MissedVersion // the version a boundary read last waited for in vain (fresh_reads.go)
	photoTurns  *shares.Counter   // each token's photo uploads under way (photo_turns.go)
	extents     extentCache       // the OGC collections' extents at the index's version (ogc_extents.go)
}

func (h *handlers) routes(r *gin.Engine, reg *prometheus.Registry) {
	r.GET("/healthz", h.healthz)
	r.GET("/readyz", h.readyz)
	r.GET("/metrics", metricsHandler(reg))
	r.GET("/openapi.json", serveOpenAPI)

	v1 := r.Group("/v1")
	v1.GET("/units", h.boundaryRead(unitListParams...), h.listUnits)
	v1.GET("/units/:code", h.boundaryRead("at"), h.getUnit)
	v1.GET("/units/:code/history", h.boundaryRead(), h.unitHistory)
	v1.GET("/enclaves", h.boundaryRead(enclaveListParams...), h.listEnclaves)
	v1.GET("/enclaves/:code", h.boundaryRead("at"), h.getEnclave)
	v1.GET("/enclaves/:code/history", h.boundaryRead(), h.enclaveHistory)
	v1.GET("/resolve", h.resolveOne)
	v1.POST("/resolve", h.resolveMany)
	h.editRoutes(v1)
	h.topologyRoutes(v1)
	h.ogcRoutes(r)
	h.reportRoutes(v1)
	h.attachmentRoutes(v1)
	h.mobileRoutes(r, v1)
	h.tileRoutes(r)
	h.importRoutes(v1)
	h.eventRoutes(v1)
	h.screenRoutes(r)
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
	body := gin.H{"status": "ready", "role": "primary"}
	if h.deps.ReadOnly() {
		body["role"] = "standby"
	}
	if h.deps.Index != nil {
		v := h.deps.Index.Version()
		setIndexVersion(c, v)
		body["index_version"] = v
	}
	c.JSON(http.StatusOK, body)
}

func serveOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPIDoc)
}
