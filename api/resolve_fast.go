package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// The fast path of GET /v1/resolve. The route is the hottest there is (every
// report, every tap on the worker's map), and its common case needs little
// of the router: no token, no cross-origin headers, no body, parameters
// that parse, an index that can answer at once. For that case alone it
// skips gin and its chain of middleware and answers with the same bytes and
// headers, counted in the same metrics; any other request, and any step
// that fails, goes to the router, which answers it (errors included) as it
// always has. TestFastResolveMatchesRouter holds the two to the same answers.

// resolvePath is the route the fast path serves.
const resolvePath = "/v1/resolve"

// nowResolver answers from memory without waiting (geo.Service does).
type nowResolver interface {
	ResolveNow(geo.ResolveQuery) (geo.Resolution, bool)
}

// fastResolve serves the common case of GET /v1/resolve.
type fastResolve struct {
	resolver   nowResolver
	ok         *instruments // GET /v1/resolve answered 200
	needsToken bool         // the route needs a token (no public reads)
	logLevel   slog.Level   // the level the access log writes at
}

// newFastResolve returns the fast path, or nil when the resolver cannot
// answer without waiting.
func newFastResolve(resolver geo.Resolver, m *metrics, auth AuthConfig, logAtInfo bool) *fastResolve {
	now, ok := resolver.(nowResolver)
	if !ok {
		return nil
	}
	f := &fastResolve{resolver: now, logLevel: slog.LevelDebug,
		needsToken: protected(resolvePath) && !auth.PublicReads,
		ok:         m.instrumentsFor(instrumentKey{route: resolvePath, method: http.MethodGet, status: statusLabel(http.StatusOK)})}
	if logAtInfo {
		f.logLevel = slog.LevelInfo
	}
	return f
}

// wrap puts the fast path in front of next (the router).
func (f *fastResolve) wrap(next http.Handler) http.Handler {
	if f == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.takes(r) || !f.serve(w, r) {
			next.ServeHTTP(w, r)
		}
	})
}

// takes reports whether r is the common case, as far as its method, path,
// headers and body tell.
func (f *fastResolve) takes(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == resolvePath && r.URL.RawPath == "" &&
		r.ContentLength == 0 && (r.Body == nil || r.Body == http.NoBody) &&
		!f.needsToken && len(r.Header["Authorization"]) == 0 && len(r.Header["Origin"]) == 0 &&
		!slog.Default().Enabled(r.Context(), f.logLevel)
}

// serve answers r and returns true, or returns false having written
// nothing, for the router to answer.
func (f *fastResolve) serve(w http.ResponseWriter, r *http.Request) (served bool) {
	defer func() {
		if rec := recover(); rec != nil {
			// Nothing is written before the last step: the router answers,
			// and its recovery turns a panic there into a 500.
			slog.ErrorContext(r.Context(), "resolve fast path panicked", "panic", rec)
			served = false
		}
	}()
	start := time.Now()
	raw := r.URL.RawQuery
	if _, clean := cleanQuery(raw); !clean {
		return false
	}
	q, fields, err := resolveQuery(raw, firstValue(r.Header, MinVersionHeader))
	if err != nil {
		return false
	}
	res, ok := f.resolver.ResolveNow(q)
	if !ok {
		return false
	}
	buf := getBuffer()
	defer putBuffer(buf)
	*buf = fields.appendResult(*buf, &res)
	if len(*buf) >= minGzipBytes && acceptsGzip(firstValue(r.Header, "Accept-Encoding")) {
		return false // worth compressing: the router's compressor does it
	}
	hd := w.Header()
	hd["Date"] = dateHeader(start)
	hd["Content-Type"] = jsonContentType
	hd[IndexVersionHeader] = versionHeaderValue(res.IndexVersion)
	hd["Vary"] = varyAcceptEncoding
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(*buf)
	f.ok.observe(start)
	return true
}

// firstValue is h.Get(key) for a key already in canonical form, without
// canonicalising it again (net/http canonicalises the request's keys).
func firstValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
