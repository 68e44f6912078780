package api

import (
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/geo"
)

// Every request body is read through one of the two helpers below, each
// bounded twice: a declared Content-Length past the route's limit is
// refused before a byte is read, and the reader stops at the limit whatever
// the client declared (chunked bodies declare nothing). The decoders then
// count what they decode (points, fixes, reports, vertices) and stop at
// their own limit, so no body makes the server build something
// proportional to its size before refusing it.

// Body limits per route. The middleware's MaxBodyBytes is the outer bound;
// these are the bounds that matter.
const (
	maxReportBody = 4 << 20  // one report: a few KB of text
	maxBatchBody  = 32 << 20 // MaxReportBatch reports, read whole and split in place
	maxPatrolBody = 16 << 20 // casework.MaxFixes fixes, streamed
	maxEditBody   = 32 << 20 // one boundary: maxEditVertices vertices
	// MaxReportBatch bounds one POST /v1/reports:batch (an offline phone's queue).
	MaxReportBatch = 1000
)

// boundedBody returns the request body capped at limit, or ETOOLARGE at
// once when the client declared a longer one.
func boundedBody(c *gin.Context, limit int64) (io.Reader, error) {
	if n := c.Request.ContentLength; n > limit {
		return nil, geo.Errorf(geo.ETOOLARGE, "body", "request body of %d bytes exceeds the limit of %d", n, limit)
	}
	if c.Request.Body == nil {
		return http.NoBody, nil
	}
	return &limitedBody{r: c.Request.Body, left: limit, limit: limit}, nil
}

// limitedBody reads at most limit bytes and then fails with the same error
// http.MaxBytesReader gives, so every decoder reports it as a 413.
type limitedBody struct {
	r           io.Reader
	left, limit int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One byte more tells a body of exactly limit bytes from a longer one.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n == 0 {
			return 0, io.EOF
		}
		return 0, &http.MaxBytesError{Limit: l.limit}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// jsonBody is the request body as a streaming JSON scanner, bounded at limit.
func jsonBody(c *gin.Context, limit int64) (*jsonScanner, error) {
	r, err := boundedBody(c, limit)
	if err != nil {
		return nil, err
	}
	return newJSONScanner(r), nil
}

// readBody reads the whole request body, bounded at limit: for bodies that
// must be seen whole (a report is checked byte for byte as UTF-8).
func readBody(c *gin.Context, limit int64) ([]byte, error) {
	r, err := boundedBody(c, limit)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(r)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, geo.Errorf(geo.ETOOLARGE, "body", "request body exceeds %d bytes", tooBig.Limit)
	case err != nil:
		return nil, geo.Invalid("body", "cannot read the request body: %v", err)
	}
	return b, nil
}
