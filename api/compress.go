package api

import (
	"compress/gzip"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// Compression of answers, as pg_featureserv and every web server do it: a
// client that sends Accept-Encoding: gzip gets JSON, GeoJSON and other text
// gzipped, streamed (nothing is held back but the first minGzipBytes, to
// leave tiny answers alone), with Vary: Accept-Encoding. Answers that are
// encoded already (tiles, assets and documents served by serveBytes, the
// Prometheus metrics) and types that do not shrink are passed through.
//
// ETags set by handlers are left as they are: those of /v1 name a stored
// version ("v3", what an edit sends back in If-Match), the same whatever the
// encoding; no range requests are served on what is compressed (photos,
// which answer ranges, are images and pass through), and Vary keeps caches'
// copies of the two encodings apart. (serveBytes, whose ETags hash the
// bytes, tags its own gzip bytes "…-gz".)

// minGzipBytes is the size below which an answer is sent as it is.
const minGzipBytes = 1024

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // the level is valid
	return w
}}

// gzipWriters recycles the middleware's writers (and their buffers): the
// middleware wraps every answer.
var gzipWriters = sync.Pool{New: func() any { return &gzipWriter{buf: make([]byte, 0, minGzipBytes)} }}

// compress is the middleware.
func compress() gin.HandlerFunc {
	return func(c *gin.Context) {
		w := gzipWriters.Get().(*gzipWriter)
		*w = gzipWriter{ResponseWriter: c.Writer, accept: acceptsGzip(c.GetHeader("Accept-Encoding")), buf: w.buf[:0]}
		c.Writer = w
		defer func() {
			w.finish()
			c.Writer = w.ResponseWriter
			*w = gzipWriter{buf: w.buf[:0]}
			gzipWriters.Put(w)
		}()
		c.Next()
	}
}

// varyAcceptEncoding is the Vary value of a compressible answer.
var varyAcceptEncoding = []string{"Accept-Encoding"}

// addVary adds the one value of vary to hd's Vary: after what is there (a
// CORS answer's Origin), or as vary itself, shared, when there is none —
// the hot paths then allocate nothing for it.
func addVary(hd http.Header, vary []string) {
	if _, ok := hd["Vary"]; ok {
		hd.Add("Vary", vary[0])
	} else {
		hd["Vary"] = vary
	}
}

// compressible reports whether a media type is worth gzipping.
func compressible(contentType string) bool {
	switch contentType { // the types gridmap itself sends, without parsing
	case "application/json", "application/geo+json", "application/problem+json", "application/schema+json":
		return true
	case "image/png", "image/jpeg", "image/webp", "application/vnd.mapbox-vector-tile", "application/x-protobuf", "text/event-stream":
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case mt == "text/event-stream":
		return false // a stream of events must reach the client as each is written
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/javascript", "application/xml", "image/svg+xml":
		return true
	}
	return false
}

// gzipWriter decides at the first minGzipBytes of the body (or at a flush,
// or at the end) whether to compress, from the headers set by then.
type gzipWriter struct {
	gin.ResponseWriter
	accept  bool
	decided bool
	buf     []byte
	gz      *gzip.Writer
}

// Write implements http.ResponseWriter.
func (w *gzipWriter) Write(p []byte) (int, error) {
	if !w.decided && !w.accept {
		_ = w.decide(false) // nothing to hold back for: only Vary to set
	}
	if !w.decided {
		if len(w.buf)+len(p) < minGzipBytes {
			w.buf = append(w.buf, p...)
			return len(p), nil
		}
		if err := w.decide(true); err != nil {
			return 0, err
		}
	}
	if w.gz != nil {
		return w.gz.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

// WriteString implements gin.ResponseWriter.
func (w *gzipWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// WriteHeaderNow implements gin.ResponseWriter: the headers leave now, so
// the decision is made now.
func (w *gzipWriter) WriteHeaderNow() {
	if !w.decided {
		_ = w.decide(len(w.buf) > 0)
	}
	w.ResponseWriter.WriteHeaderNow()
}

// Unwrap gives http.ResponseController the connection's writer (for write
// deadlines of long streams).
func (w *gzipWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush implements http.Flusher.
func (w *gzipWriter) Flush() {
	if !w.decided {
		_ = w.decide(true)
	}
	if w.gz != nil {
		_ = w.gz.Flush()
	}
	w.ResponseWriter.Flush()
}

// decide sets the headers for compressing (when big says the body is worth
// it and everything else allows it) and writes what was held back.
func (w *gzipWriter) decide(big bool) error {
	w.decided = true
	h := w.Header()
	status := w.Status()
	if h.Get("Content-Encoding") == "" && bodyAllowed(status) && compressible(h.Get("Content-Type")) {
		addVary(h, varyAcceptEncoding)
		if w.accept && big {
			h.Set("Content-Encoding", "gzip")
			h.Del("Content-Length")
			w.gz = gzipPool.Get().(*gzip.Writer)
			w.gz.Reset(w.ResponseWriter)
		}
	}
	buf := w.buf
	w.buf = w.buf[:0] // kept for the pool: nothing is held back once decided
	if len(buf) == 0 {
		return nil
	}
	var err error
	if w.gz != nil {
		_, err = w.gz.Write(buf)
	} else {
		_, err = w.ResponseWriter.Write(buf)
	}
	return err
}

// finish writes what is still held back and ends the gzip stream.
func (w *gzipWriter) finish() {
	if !w.decided && len(w.buf) > 0 {
		_ = w.decide(false)
	}
	if w.gz != nil {
		_ = w.gz.Close()
		w.gz.Reset(nil)
		gzipPool.Put(w.gz)
		w.gz = nil
	}
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// headAsGet answers HEAD on every GET route: the request is served as a GET
// and net/http, which knows the request was HEAD, sends the headers without
// the body. The original method stays known to logs and metrics.
func headAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		g := r.WithContext(contextWithHead(r.Context()))
		g.Method = http.MethodGet
		next.ServeHTTP(w, g)
	})
}
