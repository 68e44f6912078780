package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// requestDeadline bounds the routes that read and write the database in a
// few statements: a connection gone dark (a host gone without a reset, a
// stalled proxy) held such a request until the server cut the connection
// at two minutes, without an answer (a ninth attacker). Past d the
// database call fails, and the request is a 503 with Retry-After: a table
// locked by hand too (a request waited for the lock until the cut). d is
// above a topology edit's wait for its lock (30 s) and below the server's
// cut. Streams, uploads, downloads,
// batches and tiles (which have their own bounds) are left alone.
func requestDeadline(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !boundedRoute(c.Request) {
			c.Next()
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// requestWait is requestDeadline's bound.
const requestWait = 90 * time.Second

// boundedPrefixes are the paths of requestDeadline's routes.
var boundedPrefixes = []string{"/v1/units", "/v1/enclaves", "/v1/boundaries", "/v1/reports", "/v1/patrols",
	"/v1/stats", "/v1/audit", "/v1/me", "/v1/categories", "/ogc"}

func boundedRoute(r *http.Request) bool {
	for _, p := range boundedPrefixes {
		if strings.HasPrefix(r.URL.Path, p) {
			return true
		}
	}
	return false
}
