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
func textGuard() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !cleanText(c.Request.URL.Path) {
			fail(c, geo.Invalid("path", "the path is not valid UTF-8 or holds a NUL character"))
			return
		}
		if raw := c.Request.URL.RawQuery; raw != "" {
			if field, ok := cleanQuery(raw); !ok {
				fail(c, geo.Invalid(field, "%s is not valid UTF-8 or holds a NUL character", field))
				return
			}
		}
		c.Next()
	}
}

// cleanText reports whether s is valid UTF-8 without a NUL.
func cleanText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// cleanQuery checks every name and value of a raw query; on failure it
// returns the parameter to name (clipped: names can be hostile too).
func cleanQuery(raw string) (string, bool) {
	if plainQuery(raw) {
		return "", true
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&") // no slice of pairs: this runs on every request
		k, v, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(k)
		if err != nil || !cleanText(name) {
			return "query", false
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			continue // malformed escapes are the parameter parser's to report
		}
		if !cleanText(value) {
			return clip(name), false
		}
	}
	return "", true
}

// plainQuery reports whether a raw query is printable ASCII without escapes,
// which has nothing to unescape and nothing cleanQuery refuses: most
// queries, checked in one pass.
func plainQuery(raw string) bool {
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c < 0x20 || c > 0x7E || c == '%' || c == '+' {
			return false
		}
	}
	return true
}
