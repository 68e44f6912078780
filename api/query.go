package api

import (
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// The hot paths' plumbing: reading query parameters without building a map
// of them, shared header values, and pooled answer buffers. GET /v1/resolve
// and cached tiles are served tens of thousands of times a second, and
// everything allocated per request is paid again in garbage collection.

// rawQueryValue returns the first value of name in a raw query string,
// unescaped; ok is false when the parameter is absent.
func rawQueryValue(raw, name string) (value string, ok bool) {
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		key, val, _ := strings.Cut(part, "=")
		if unescapeQuery(key) == name {
			return unescapeQuery(val), true
		}
	}
	return "", false
}

// unescapeQuery unescapes a query key or value; it allocates only when
// there is something to unescape. A malformed escape is left as it is, for
// the parsers to name the field and reject it.
func unescapeQuery(s string) string {
	if !hasEscapes(s) {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// hasEscapes reports whether s holds '%' or '+'. Parameter names and
// values are short: a plain loop beats strings.ContainsAny's set lookup.
func hasEscapes(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' || s[i] == '+' {
			return true
		}
	}
	return false
}

// Header values shared by every answer that carries them: a header map
// holds the slice, net/http only reads it, so one slice serves all.
var (
	jsonContentType   = []string{"application/json"}
	ndjsonContentType = []string{"application/x-ndjson"}
	csvContentType    = []string{"text/csv; charset=utf-8"}
)

// versionCache caches the header value of the latest data version seen:
// the version changes with edits, not with requests.
var versionCache atomic.Pointer[versionValue]

type versionValue struct {
	v int64
	s []string
}

// versionHeaderValue returns the Gridmap-Index-Version value of v.
func versionHeaderValue(v int64) []string {
	if c := versionCache.Load(); c != nil && c.v == v {
		return c.s
	}
	c := &versionValue{v: v, s: []string{strconv.FormatInt(v, 10)}}
	versionCache.Store(c)
	return c.s
}

// answerBuffers recycles the buffers answers are encoded into.
var answerBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func getBuffer() *[]byte { return answerBuffers.Get().(*[]byte) }

// putBuffer returns a buffer to the pool, unless an answer made it huge.
func putBuffer(b *[]byte) {
	if cap(*b) <= 64<<10 {
		*b = (*b)[:0]
		answerBuffers.Put(b)
	}
}
