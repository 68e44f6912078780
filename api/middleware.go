package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gridmap-dev/gridmap/geo"
)

// recovery turns a panic into a 500 problem and logs it with the route.
func recovery() gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, rec any) {
		fail(c, &geo.Error{Code: geo.EINTERNAL, Err: fmt.Errorf("panic: %v", rec)})
	})
}

// accessLog logs every request once, after it is answered: at info level
// when Deps.LogRequests asks for it, otherwise at debug level.
func accessLog(atInfo bool) gin.HandlerFunc {
	level := slog.LevelDebug
	if atInfo {
		level = slog.LevelInfo
	}
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		if !slog.Default().Enabled(ctx, level) {
			c.Next()
			return
		}
		start := time.Now()
		c.Next()
		slog.LogAttrs(ctx, level, "request",
			slog.String("method", clip(requestMethod(c))), slog.String("path", c.Request.URL.Path),
			slog.String("route", c.FullPath()), slog.Int("status", c.Writer.Status()),
			slog.Duration("took", time.Since(start)), slog.Int("bytes", max(c.Writer.Size(), 0)),
			slog.String("client", c.ClientIP()))
	}
}

// headKey marks a HEAD request served as GET (headAsGet).
type headKey struct{}

func contextWithHead(ctx context.Context) context.Context {
	return context.WithValue(ctx, headKey{}, true)
}

// requestMethod is the method the client sent: HEAD for a HEAD served as GET.
func requestMethod(c *gin.Context) string {
	if head, _ := c.Request.Context().Value(headKey{}).(bool); head {
		return http.MethodHead
	}
	return c.Request.Method
}

// limitBody caps request bodies; the decoders see an error past the cap and
// answer 413.
func limitBody(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := plainBody(c.Request); err != nil {
			fail(c, err)
			return
		}
		if c.Request.ContentLength > max {
			fail(c, geo.Errorf(geo.ETOOLARGE, "body", "request body of %d bytes exceeds the limit of %d", c.Request.ContentLength, max))
			return
		}
		if b := c.Request.Body; b != nil && b != http.NoBody {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		}
		c.Next()
	}
}

// plainBody refuses a body sent with a Content-Encoding (gzip, say): bodies
// are read as they come, and a compressed one would fail as malformed JSON
// at byte 1, which tells the client nothing of the cause.
func plainBody(r *http.Request) error {
	enc := r.Header.Get("Content-Encoding")
	if enc == "" || strings.EqualFold(strings.TrimSpace(enc), "identity") || r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	return geo.Errorf(geo.EUNSUPPORTED, "Content-Encoding",
		"request bodies are read as sent, not decompressed: send the body without Content-Encoding %q", clip(enc))
}

// corsPolicy is the origins allowed to call the API from a browser
// (Deps.CORSOrigins; "*" allows every origin).
type corsPolicy struct {
	any     bool
	origins []string
}

func newCORSPolicy(origins []string) corsPolicy {
	return corsPolicy{any: slices.Contains(origins, "*"), origins: origins}
}

// corsExposed are the headers a browser client may read: the version to
// revise, the data version and write position to ask other nodes for (read
// your writes), when to retry, a replay.
var corsExposed = []string{"ETag, X-Cache, Link, Content-Crs, Location, Retry-After, " + IndexVersionHeader + ", " + WritePositionHeader + ", Idempotent-Replayed"}

// grant adds to hd what an answer to origin carries when the policy allows
// it, and reports whether it does. Both the router's middleware and the
// fast path use it, so their answers are the same.
func (p corsPolicy) grant(hd http.Header, origin string) bool {
	if origin == "" || !p.any && !slices.Contains(p.origins, origin) {
		return false
	}
	hd["Access-Control-Allow-Origin"] = []string{origin}
	hd.Add("Vary", "Origin")
	hd["Access-Control-Expose-Headers"] = corsExposed
	return true
}

// cors allows browser clients (dashboards on other origins) to read.
func cors(policy corsPolicy) gin.HandlerFunc {
	return func(c *gin.Context) {
		if policy.grant(c.Writer.Header(), c.GetHeader("Origin")) && c.Request.Method == http.MethodOptions {
			h := c.Writer.Header()
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match, If-None-Match, "+MinVersionHeader+", "+MinPositionHeader)
			h.Set("Access-Control-Max-Age", "600")
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		c.Next()
	}
}

// metrics holds the HTTP instruments. Every label comes from a closed set,
// so that no client can grow the metrics: the route is a registered
// template (or "unmatched"), the method one of the standard ones (or
// OTHER), the status one gridmap answers with (or its class, "4xx").
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	cache    sync.Map // instrumentKey → *instruments
}

// instrumentKey names the instruments of one kind of answer.
type instrumentKey struct {
	route, method, status string
}

// instruments are the resolved instruments of one kind of answer, so that
// a request does not hash its labels again.
type instruments struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridmap_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gridmap_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

// middleware counts and times every answer. It also stamps the Date header
// from the clock reading it takes anyway, so that net/http does not read
// the clock and format a date once more per answer.
func (m *metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Writer.Header()["Date"] = dateHeader(start)
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched" // never label by raw path: unbounded cardinality
		}
		k := instrumentKey{route: route, method: methodLabel(requestMethod(c)), status: statusLabel(c.Writer.Status())}
		m.instrumentsFor(k).observe(start)
	}
}

// instrumentsFor returns the instruments of one kind of answer.
func (m *metrics) instrumentsFor(k instrumentKey) *instruments {
	in, ok := m.cache.Load(k)
	if !ok {
		in, _ = m.cache.LoadOrStore(k, &instruments{requests: m.requests.WithLabelValues(k.route, k.method, k.status),
			latency: m.latency.WithLabelValues(k.route, k.method)})
	}
	return in.(*instruments)
}

// observe counts an answer begun at start.
func (i *instruments) observe(start time.Time) {
	i.requests.Inc()
	i.latency.Observe(time.Since(start).Seconds())
}

// dateValue is the Date header of one second.
type dateValue struct {
	sec   int64
	value []string
}

// dateCache holds the Date header of the latest second an answer began in.
var dateCache atomic.Pointer[dateValue]

// dateHeader is the Date header value for now, formatted once per second.
// The slice is shared by the answers of that second: a handler that sets
// Date replaces it, and one that adds to it gets a copy (its capacity is 1).
func dateHeader(now time.Time) []string {
	sec := now.Unix()
	if d := dateCache.Load(); d != nil && d.sec == sec {
		return d.value
	}
	d := &dateValue{sec: sec, value: []string{now.UTC().Format(http.TimeFormat)}}
	dateCache.Store(d)
	return d.value
}

// methodLabel is the method, or OTHER for one outside the standard set.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// statusLabels are the statuses gridmap answers with, labelled as they are.
var statusLabels = func() map[int]string {
	m := map[int]string{}
	for _, s := range []int{200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405, 406, 409, 410, 412,
		413, 415, 416, 422, 428, 429, 431, 500, 502, 503, 504} {
		m[s] = strconv.Itoa(s)
	}
	return m
}()

// statusLabel is a status as a label: itself when gridmap answers with it,
// else its class.
func statusLabel(status int) string {
	if l, ok := statusLabels[status]; ok {
		return l
	}
	if status < 100 || status > 599 {
		return "other"
	}
	return string(rune('0'+status/100)) + "xx"
}

func metricsHandler(reg *prometheus.Registry) gin.HandlerFunc {
	return gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
}
