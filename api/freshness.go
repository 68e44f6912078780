package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/geo"
)

// Freshness: every answer drawn from the resolver index says which data
// version it reflects, every write answers only once this node's index has
// applied it and says the version that includes it, and a read may ask for
// at least a version (read-your-writes on any node).
const (
	// IndexVersionHeader carries the data version an answer reflects.
	IndexVersionHeader = "Gridmap-Index-Version"
	// MinVersionHeader (or the min_version parameter) names the oldest data
	// version a read may be answered from.
	MinVersionHeader = "Gridmap-Min-Version"
	minVersionParam  = "min_version"
)

// minVersion reads the minimum data version a request asks for (0: any).
func minVersion(c *gin.Context) (int64, error) {
	return parseMinVersion(c.Query(minVersionParam), c.Request.Header[MinVersionHeader])
}

// parseMinVersion reads the min_version parameter and the header's values
// (header is the request's slice of them; a value may be a comma-separated
// list, as a proxy joins repeated lines): the strictest counts, so that a
// proxy or library adding one cannot loosen what the caller asked for.
func parseMinVersion(param string, header []string) (int64, error) {
	v, err := parseVersion(minVersionParam, param)
	for _, line := range header {
		for rest := line; err == nil && rest != ""; {
			var one string
			one, rest, _ = strings.Cut(rest, ",")
			var h int64
			h, err = parseVersion(MinVersionHeader, strings.TrimSpace(one))
			v = max(v, h)
		}
	}
	return v, err
}

// parseVersion reads one data version given as field ("": none, 0).
func parseVersion(field, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, geo.Invalid(field, "%q is not a data version (a whole number ≥ 0, as %s answers carry)", clip(s), IndexVersionHeader)
	}
	return v, nil
}

// setIndexVersion names the data version of an answer.
func setIndexVersion(c *gin.Context, v int64) {
	c.Writer.Header()[IndexVersionHeader] = versionHeaderValue(v)
}

// applied waits until this node's index reflects the write just committed
// and names that data version in the answer. The write is committed
// whatever happens here: a wait that times out is logged, not failed.
func (h *handlers) applied(c *gin.Context) int64 {
	if h.deps.Index == nil {
		return 0
	}
	v, err := h.deps.Index.CatchUp(c.Request.Context())
	if err != nil {
		slog.WarnContext(c.Request.Context(), "a write answered before this node's index applied it", "version", v, "err", err)
	}
	if v > 0 {
		setIndexVersion(c, v)
	}
	return v
}

// readOnly answers every write on a node attached to a hot standby with a
// 503 that says so; reads (including POST /v1/resolve) pass.
func readOnly(standby func() bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !protected(c.Request.URL.Path) || !isWrite(c) || !standby() {
			c.Next()
			return
		}
		refuseReadOnly(c)
	}
}

// refuseReadOnly answers a write on a standby node: 503, try the primary.
func refuseReadOnly(c *gin.Context) {
	c.Header("Retry-After", "60")
	writeProblem(c, Problem{Type: "https://gridmap.dev/problems/read-only", Title: "Service Unavailable",
		Status: http.StatusServiceUnavailable, Code: "read_only", Instance: c.Request.URL.Path,
		Detail: "this node serves a read-only standby of the database: send writes to a node on the primary"})
}
