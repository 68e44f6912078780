package api

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/tiles"
)

// The fast path of the two hottest routes, GET /v1/resolve (every report,
// every tap on the worker's map) and GET /tiles/{layers}/{z}/{x}/{y} (every
// pan of every map). Their common case needs little of the router: no
// token or one the authenticator has cached, no cross-origin headers, no
// body, parameters that parse. For that case alone the fast path skips gin
// and its chain of middleware and answers with the same bytes and headers,
// counted in the same metrics; any other request, and any step that fails
// before the answer, goes to the router, which answers it (errors
// included) as it always has.
// TestFastResolveMatchesRouter and TestFastTilesMatchRouter hold the two to
// the same answers.

// Routes the fast path serves, as the router names them in its metrics.
const (
	resolvePath = "/v1/resolve"
	tilesPrefix = "/tiles/"
	tileRoute   = "/tiles/:layers/:z/:x/:y"
)

// fastPath serves the common case of the hottest routes.
type fastPath struct {
	h          *handlers
	resolver   nowResolver    // nil: resolves go to the router
	tiles      *tiles.Service // nil: tiles go to the router
	auth       *authenticator // the router's: its cache of tokens
	needsToken bool           // reads need a token (no public reads)
	origins    corsPolicy     // the router's: the origins a browser may read from
	logLevel   slog.Level     // the level the access log writes at

	resolveOK, tileOK, tileNotModified *instruments
}

// newFastPath returns the fast path of h's routes, sharing m's
// instruments, the router's token cache and its CORS policy.
func newFastPath(h *handlers, m *metrics, auth *authenticator, origins corsPolicy) *fastPath {
	// Both routes are under protected prefixes: they need a token unless
	// reads are public.
	f := &fastPath{h: h, tiles: h.deps.Tiles, auth: auth, logLevel: slog.LevelDebug, needsToken: !auth.cfg.PublicReads,
		origins: origins}
	f.resolver, _ = h.deps.Resolver.(nowResolver)
	if h.deps.LogRequests {
		f.logLevel = slog.LevelInfo
	}
	get := func(route string, status int) *instruments {
		return m.instrumentsFor(instrumentKey{route: route, method: http.MethodGet, status: statusLabel(status)})
	}
	f.resolveOK = get(resolvePath, http.StatusOK)
	f.tileOK, f.tileNotModified = get(tileRoute, http.StatusOK), get(tileRoute, http.StatusNotModified)
	return f
}

// wrap puts the fast path in front of next (the router).
func (f *fastPath) wrap(next http.Handler) http.Handler {
	return fastFront{fast: f, next: next}
}

// fastFront is the fast path in front of the router: the handler New
// returns.
type fastFront struct {
	fast *fastPath
	next http.Handler
}

// ServeHTTP answers r on the fast path, or has the router answer it.
func (h fastFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.fast.plain(r) || !h.fast.serve(w, r) {
		h.next.ServeHTTP(w, r)
	}
}

// AnswerNow answers r from the fast path, or returns false having written
// nothing: internal/fastlane's Answerer, for connections served without
// net/http. Only what is answered from memory: resolves (the index) and
// tiles the cache holds at the versions this node has applied. A tile to
// draw may wait on the database, and a request there must end when its
// client goes away, which only net/http notices.
func (h fastFront) AnswerNow(w http.ResponseWriter, r *http.Request) bool {
	return h.fast.plain(r) && h.fast.answer(w, r, true)
}

// plain reports whether r is a common case as far as its method, path,
// query, headers and body tell: nothing that the router's middleware would
// act on but what the fast path does as it does (the text guard's checks
// pass; no body to handle; no access log line to write; at most one
// Origin, granted by grantOrigin). Its caller is decided by caller.
func (f *fastPath) plain(r *http.Request) bool {
	if r.Method != http.MethodGet || r.URL.RawPath != "" || !cleanText(r.URL.Path) ||
		r.ContentLength != 0 || (r.Body != nil && r.Body != http.NoBody) ||
		len(r.Header["Origin"]) > 1 || slog.Default().Enabled(r.Context(), f.logLevel) {
		return false
	}
	return cleanQuery(r.URL.RawQuery)
}

// caller returns who r comes from as the router's authenticator would find
// it without asking the database: anonymous (known false) when r has no
// token and reads are public, else the principal of a cached token. ok is
// false for the router to decide (a token to look up or refuse, none where
// one is needed). A dashboard or a wall screen signed in sends its token
// with every tile and resolve.
func (f *fastPath) caller(r *http.Request) (p access.Principal, known, ok bool) {
	switch h := r.Header["Authorization"]; {
	case len(h) == 0 || len(h) == 1 && h[0] == "": // an empty header is no token, to the router too
		return access.Principal{}, false, !f.needsToken
	case len(h) == 1:
		p, ok = f.auth.cachedCaller(h[0], f.auth.cfg.Now())
		return p, ok, ok
	}
	return access.Principal{}, false, false
}

// grantOrigin adds to an answer the fast path has committed to what the
// router's CORS middleware would: a browser on an allowed origin may read
// it (a dashboard or a portal served from another origin).
func (f *fastPath) grantOrigin(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header["Origin"]; len(origin) == 1 {
		f.origins.grant(w.Header(), origin[0])
	}
}

// serve answers r and returns true, or returns false having written
// nothing, for the router to answer.
func (f *fastPath) serve(w http.ResponseWriter, r *http.Request) bool {
	return f.answer(w, r, false)
}

// answer is serve, answering only from memory when now is set (AnswerNow).
func (f *fastPath) answer(w http.ResponseWriter, r *http.Request, now bool) (served bool) {
	defer func() {
		if rec := recover(); rec != nil {
			// Nothing is written before the last step: the router answers,
			// and its recovery turns a panic there into a 500.
			slog.ErrorContext(r.Context(), "fast path panicked", "path", r.URL.Path, "panic", rec)
			served = false
		}
	}()
	// The path first: a token is looked up only for a request the fast
	// path may answer.
	isTile := false
	switch path := r.URL.Path; {
	case path == resolvePath && f.resolver != nil:
	case strings.HasPrefix(path, tilesPrefix) && f.tiles != nil:
		isTile = true
	default:
		return false
	}
	p, known, ok := f.caller(r)
	switch {
	case !ok:
		return false
	case isTile:
		return f.tile(w, r, p, known, now)
	}
	return f.resolve(w, r) // every caller may resolve
}

// firstValue is h.Get(key) for a key already in canonical form, without
// canonicalising it again (net/http canonicalises the request's keys).
func firstValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
