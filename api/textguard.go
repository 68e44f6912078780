package api

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/geo"
)

// textGuard refuses, before any handler runs, a request whose path or query
// holds text no field can take: invalid UTF-8 or a NUL. PostgreSQL cannot
// store or compare either (SQLSTATE 22021), and no code, cursor or filter
// value legitimately contains one; the 400 names the parameter, so every
// route answers the same way instead of each meeting the database's error.
// A query pair that does not parse (a malformed %-escape, a ';') is refused
// too: the router's query parser drops such a pair without a word, so
// /v1/reports?unit=%zz listed every report, the filter gone.
func textGuard() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !cleanText(c.Request.URL.Path) {
			fail(c, geo.Invalid("path", "the path is not valid UTF-8 or holds a NUL character"))
			return
		}
		if raw := c.Request.URL.RawQuery; raw != "" {
			if field, why, ok := checkQuery(raw); !ok {
				fail(c, geo.Invalid(field, "%s %s", field, why))
				return
			}
		}
		c.Next()
	}
}

// cleanText reports whether s is valid UTF-8 without a NUL.
func cleanText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// Why checkQuery refuses a query.
const (
	notText      = "is not valid UTF-8 or holds a NUL character"
	badEscape    = "holds a malformed %-escape (a % must be followed by two hexadecimal digits; send a % itself as %25)"
	badSeparator = "holds a ';': parameters are separated by '&' (send a ';' itself as %3B)"
)

// cleanQuery reports whether checkQuery finds nothing to refuse.
func cleanQuery(raw string) bool {
	_, _, ok := checkQuery(raw)
	return ok
}

// checkQuery checks every pair of a raw query: it must parse, and its name
// and value must be valid UTF-8 without a NUL. On failure it returns the
// parameter to name (clipped: names can be hostile too; "query" when the
// name itself is at fault) and why.
func checkQuery(raw string) (field, why string, ok bool) {
	if plainQuery(raw) {
		return "", "", true
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&") // no slice of pairs: this runs on every request
		k, v, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(k)
		switch {
		case err != nil:
			return "query", "names a parameter with a malformed %-escape", false
		case !cleanText(name):
			return "query", notText, false
		case strings.Contains(k, ";"):
			return "query", badSeparator, false
		}
		value, err := url.QueryUnescape(v)
		switch {
		case err != nil:
			return clip(name), badEscape, false
		case strings.Contains(v, ";"):
			return clip(name), badSeparator, false
		case !cleanText(value):
			return clip(name), notText, false
		}
	}
	return "", "", true
}

// plainQuery reports whether a raw query is printable ASCII without escapes
// or ';', which has nothing to unescape and nothing checkQuery refuses:
// most queries, checked in one pass.
func plainQuery(raw string) bool {
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c < 0x20 || c > 0x7E || c == '%' || c == '+' || c == ';' {
			return false
		}
	}
	return true
}
