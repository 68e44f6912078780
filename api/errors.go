package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/geo"
)

// statusOf is the one table that maps error codes to HTTP statuses.
var statusOf = map[geo.ErrorCode]int{
	geo.EINVALID:      http.StatusBadRequest,
	geo.ENOTFOUND:     http.StatusNotFound,
	geo.ECONFLICT:     http.StatusConflict,
	geo.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	geo.EUNAVAILABLE:  http.StatusServiceUnavailable,
	geo.EUNAUTHORIZED: http.StatusUnauthorized,
	geo.EFORBIDDEN:    http.StatusForbidden,
	geo.EPRECONDITION: http.StatusPreconditionFailed,
	geo.EINTERNAL:     http.StatusInternalServerError,
	// Access control and optimistic concurrency.
	geo.EPRECONDITIONREQUIRED: http.StatusPreconditionRequired,
	geo.ERATELIMITED:          http.StatusTooManyRequests,
	geo.EUNSUPPORTED:          http.StatusUnsupportedMediaType,
}

// Problem is an RFC 9457 problem document. Field names the offending
// parameter or JSON member.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	Field    string `json:"field,omitempty"`
	Code     string `json:"code"`
	// Token says why a token sent was refused (401): "unknown",
	// "revoked" or "expired" (with ExpiredAt), so that an app can say
	// which in its own language and time zone.
	Token     string     `json:"token,omitempty"`
	ExpiredAt *time.Time `json:"expired_at,omitempty"`
}

// problemOf turns any error into the problem a client may see. Internal
// details never leave: an unclassified error becomes "internal error".
func problemOf(err error, instance string) Problem {
	code := geo.ErrorCodeOf(err)
	status := statusOf[code]
	p := Problem{
		Type:     "https://gridmap.dev/problems/" + string(code),
		Title:    http.StatusText(status),
		Status:   status,
		Instance: instance,
		Code:     string(code),
	}
	var ge *geo.Error
	if errors.As(err, &ge) && code != geo.EINTERNAL {
		p.Detail, p.Field = ge.Message, ge.Field
	} else {
		p.Detail = "internal error; it has been logged"
	}
	var refused *tokenRefusal
	if errors.As(err, &refused) {
		p.Token, p.ExpiredAt = refused.why, refused.expiredAt
	}
	return p
}

// fail writes err as application/problem+json and aborts the request. A
// client that went away is not an error: nothing is logged or written.
func fail(c *gin.Context, err error) {
	if errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil {
		c.Abort()
		return
	}
	p := problemOf(err, c.Request.URL.Path)
	if p.Status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "2")
	}
	switch {
	case p.Status == http.StatusServiceUnavailable && !failedBelow(err):
		// Not a failure of this server: a min_version not reached yet, a
		// part it runs without. A warning, so that errors mean failures,
		// once every outageLogEvery a route.
		if ok, quiet := refusals.allow(c.FullPath(), time.Now()); ok {
			slog.WarnContext(c.Request.Context(), "request failed", "route", c.FullPath(), "err", err,
				"similar_not_logged", quiet)
		}
	case p.Status == http.StatusServiceUnavailable:
		// The database or storage is away: every request needing it fails
		// alike, so a route says so once every outageLogEvery.
		if ok, quiet := outages.allow(c.FullPath(), time.Now()); ok {
			slog.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(), "err", err,
				"similar_not_logged", quiet)
		}
	case p.Status >= 500:
		slog.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(), "err", err)
	}
	writeProblem(c, p)
}

// failedBelow reports whether err comes from something beneath the
// request (the database, storage): an error with a cause, or no geo.Error.
func failedBelow(err error) bool {
	var ge *geo.Error
	return !errors.As(err, &ge) || ge.Err != nil
}

func writeProblem(c *gin.Context, p Problem) {
	c.Abort()
	c.Header("Content-Type", "application/problem+json") // over a type a handler set before it failed
	c.Data(p.Status, "application/problem+json", problemBytes(p))
}

// problemBytes encodes a problem as it is: without encoding/json's HTML
// escapes, which turned a detail's "Bearer <token>" into
// "Bearer \u003ctoken\u003e".
func problemBytes(p any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p) // a problem always encodes
	return b.Bytes()
}
