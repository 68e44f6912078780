package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
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
		start := time.Now()
		c.Next()
		ctx := c.Request.Context()
		if !slog.Default().Enabled(ctx, level) {
			return
		}
		slog.LogAttrs(ctx, level, "request",
			slog.String("method", requestMethod(c)), slog.String("path", c.Request.URL.Path),
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
		if c.Request.ContentLength > max {
			fail(c, geo.Errorf(geo.ETOOLARGE, "body", "request body of %d bytes exceeds the limit of %d", c.Request.ContentLength, max))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		c.Next()
	}
}

// cors allows browser clients (dashboards on other origins) to read.
func cors(origins []string) gin.HandlerFunc {
	any := slices.Contains(origins, "*")
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		if origin != "" && (any || slices.Contains(origins, origin)) {
			h := c.Writer.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", "ETag, X-Cache, Link, Content-Crs")
			if c.Request.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match, If-None-Match")
				h.Set("Access-Control-Max-Age", "600")
				c.AbortWithStatus(http.StatusNoContent)
				return
			}
		}
		c.Next()
	}
}

// metrics holds the HTTP instruments.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
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

func (m *metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched" // never label by raw path: unbounded cardinality
		}
		method := requestMethod(c)
		m.requests.WithLabelValues(route, method, strconv.Itoa(c.Writer.Status())).Inc()
		m.latency.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
	}
}

func metricsHandler(reg *prometheus.Registry) gin.HandlerFunc {
	return gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
}
