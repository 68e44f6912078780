package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// Answers a client revalidates instead of fetching again: each carries an
// ETag that hashes its bytes, and a request whose If-None-Match names it
// gets 304 with no body. A dashboard or a wall screen polling figures that
// have not changed then moves a few hundred bytes a poll, not the figures.

// Media types of JSON answers.
const (
	jsonMediaType    = "application/json; charset=utf-8"
	geoJSONMediaType = "application/geo+json"
)

// serveJSON writes v as JSON with a strong ETag, gzipped when the client
// takes gzip, to be revalidated on every use (it follows the data). For
// what is the same for every caller: TileJSON, the catalog, the style.
func serveJSON(c *gin.Context, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-cache")
	serveBytes(c, jsonMediaType, b, `"`+bodyHash(b)+`"`, func() []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		_, _ = w.Write(b) // writing to memory cannot fail
		_ = w.Close()
		return buf.Bytes()
	})
}

// servePrivateJSON writes v as JSON of the given media type for one caller
// (reports, statistics: what a token may see), with a weak ETag of its
// bytes, Cache-Control "private, no-cache" and Vary: Authorization: no
// shared cache keeps it, a browser asks again on each use, sending the
// ETag, and a cache in the browser (a phone's service worker) keeps one
// copy per token — without it a phone showed the last worker's cases to
// the next. The router's compressor gzips it; the ETag is weak because it
// names the content, whichever encoding carries it.
func servePrivateJSON(c *gin.Context, mediaType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(c, err)
		return
	}
	etag := `W/"` + bodyHash(b) + `"`
	hd := c.Writer.Header()
	hd.Set("Cache-Control", "private, no-cache")
	if !slices.Contains(hd.Values("Vary"), "Authorization") {
		addVary(hd, varyAuthorization)
	}
	hd.Set("ETag", etag)
	if etagMatches(c.GetHeader("If-None-Match"), etag) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, mediaType, b)
}

// bodyHash names a body: 144 bits of its SHA-256, base64url.
func bodyHash(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:18])
}

// serveBytes writes a body with a strong ETag, answering 304 when the
// client holds it already, gzipped when the client takes gzip. The gzip
// representation has its own ETag ("…-gz"), as strong validators must differ
// between encodings; If-None-Match accepts either, since both name the
// same content.
func serveBytes(c *gin.Context, mediaType string, raw []byte, etag string, gz func() []byte) {
	hd := c.Writer.Header()
	hd.Add("Vary", "Accept-Encoding")
	useGzip := len(raw) > 0 && acceptsGzip(c.GetHeader("Accept-Encoding"))
	if useGzip {
		etag = strings.TrimSuffix(etag, `"`) + `-gz"`
	}
	hd.Set("ETag", etag)
	if etagMatches(c.GetHeader("If-None-Match"), etag) {
		c.Status(http.StatusNotModified)
		return
	}
	body := raw
	if useGzip {
		body = gz()
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("Content-Length", strconv.Itoa(len(body))) // for HEAD too, whatever the size
	c.Data(http.StatusOK, mediaType, body)
}
