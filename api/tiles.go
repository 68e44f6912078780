package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/internal/fastlane"
	"github.com/gridmap-dev/gridmap/tiles"
	"github.com/gridmap-dev/gridmap/web"
)

// Vector tiles, their TileJSON, the layer catalog, the MapLibre style and
// the dashboard that draws them.

// mediaMVT is the media type of Mapbox Vector Tiles.
const mediaMVT = "application/vnd.mapbox-vector-tile"

func (h *handlers) tileRoutes(r *gin.Engine) {
	r.GET("/tiles/catalog", h.tileCatalog)
	r.GET("/tiles/:layers", h.tileJSON)
	r.GET("/tiles/:layers/:z/:x/:y", h.tile)
	r.GET("/style.json", h.style)
	r.GET("/", h.dashboard)
	r.GET("/web/*file", h.webAsset)
}

// tileService returns the tile service, or fails the request when the
// server runs without one.
func (h *handlers) tileService(c *gin.Context) *tiles.Service {
	if h.deps.Tiles == nil {
		fail(c, geo.Errorf(geo.EUNAVAILABLE, "path", "this server does not serve tiles"))
	}
	return h.deps.Tiles
}

func (h *handlers) tile(c *gin.Context) {
	svc := h.tileService(c)
	if svc == nil {
		return
	}
	p, ok := callerOf(c)
	req, err := h.tileRequest(c.Request, svc, [4]string{c.Param("layers"), c.Param("z"), c.Param("x"), c.Param("y")}, p, ok)
	if err != nil {
		fail(c, err)
		return
	}
	// The client the rate limits know (a trusted proxy's header where one
	// is configured; an IPv6 /64): one client's uncached tiles wait behind
	// each other.
	req.Client = clientKey(c)
	t, hit, err := svc.Get(c.Request.Context(), req)
	if err != nil {
		fail(c, err) // a client that hung up is not an error: fail says nothing then
		return
	}
	h.answerTile(c.Writer, c.Request, t, hit, ok)
}

// tileRequest reads a tile request: its path parameters layers, z, x, y,
// its query and minimum version, for caller p (ok false: an anonymous one).
func (h *handlers) tileRequest(r *http.Request, svc *tiles.Service, params [4]string, p access.Principal, ok bool) (tiles.Request, error) {
	raw := r.URL.RawQuery
	req, err := svc.ParseRequestQuery(params[0], params[1], params[2], params[3], raw)
	if err == nil {
		mv, _ := rawQueryValue(raw, minVersionParam)
		req.MinVersion, err = parseMinVersion(mv, r.Header[MinVersionHeader])
	}
	if err != nil {
		return tiles.Request{}, err
	}
	if ok {
		req.Filter.Scope = p.Scope // cases outside a scoped caller's units are not drawn
	}
	req.Filter.Privacy = h.tilePrivacy(p, ok)
	return req, nil
}

// answerTile answers with a tile got by getTile for a caller signed in
// (known) or not; it returns the status it sent (200, or 304 when the
// client's copy is current).
func (h *handlers) answerTile(w http.ResponseWriter, r *http.Request, t *tiles.Tile, hit, known bool) int {
	hd := w.Header()
	hd["X-Cache"] = xCacheMiss
	if hit {
		hd["X-Cache"] = xCacheHit
	}
	hd["Cache-Control"] = h.tileCaching[0]
	if known {
		hd["Cache-Control"] = h.tileCaching[1]
	}
	return writeTile(w, r, t)
}

// Header values of tile answers.
var (
	xCacheHit      = []string{"hit"}
	xCacheMiss     = []string{"miss"}
	mvtContentType = []string{mediaMVT}
	gzipEncoding   = []string{"gzip"}
	noCacheControl = []string{"no-cache"}
	varyTile       = []string{"Accept-Encoding, Authorization"}
)

// writeTile answers with a tile: gzipped when the client takes it, 304
// when its copy is current. The header values were made with the tile. It
// returns the status it sent. A tile varies with the caller's token (a
// signed-in caller may see report points and names an anonymous one may
// not, a scoped one sees its scope's), so no cache may give one caller's
// copy to another.
func writeTile(w http.ResponseWriter, r *http.Request, t *tiles.Tile) int {
	hd := w.Header()
	addVary(hd, varyTile)
	useGzip := len(t.Raw) > 0 && acceptsGzip(r.Header.Get("Accept-Encoding"))
	etag, length, body := t.ETagHeader, t.LengthHeader, t.Raw
	if useGzip {
		etag, length, body = t.GzipETagHeader, t.GzipLengthHeader, t.Gzip
	}
	hd["Etag"] = etag
	if etagMatches(r.Header.Get("If-None-Match"), etag[0]) {
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified
	}
	if useGzip {
		hd["Content-Encoding"] = gzipEncoding
	}
	hd["Content-Length"] = length // for HEAD too, whatever the size
	hd["Content-Type"] = mvtContentType
	w.WriteHeader(http.StatusOK)
	if sw, ok := w.(fastlane.SharedWriter); ok {
		_, _ = sw.WriteShared(body) // the cache's bytes, which never change: the lane keeps no copy
	} else {
		_, _ = w.Write(body)
	}
	return http.StatusOK
}

// tileCaching returns the Cache-Control values of tiles for anonymous and
// signed-in callers. By default browsers keep tiles but revalidate them on
// every use: an edit must never hide behind a browser cache, and the
// revalidation is a cheap 304. With a max-age, a signed-in caller's tiles
// are private: a shared cache (a CDN, a proxy) would otherwise store an
// answer to a request with a token and hand it to anyone (RFC 9111 §3.5).
func tileCaching(maxAge time.Duration) [2][]string {
	if maxAge <= 0 {
		return [2][]string{noCacheControl, noCacheControl}
	}
	age := "max-age=" + strconv.Itoa(int(maxAge.Seconds()))
	return [2][]string{{"public, " + age}, {"private, " + age}}
}

// tileJSON answers /tiles/{layers}.json.
func (h *handlers) tileJSON(c *gin.Context) {
	svc := h.tileService(c)
	if svc == nil {
		return
	}
	set, ok := strings.CutSuffix(c.Param("layers"), ".json")
	if !ok {
		fail(c, geo.Errorf(geo.ENOTFOUND, "path", "no route %s: TileJSON is at /tiles/{layers}.json", c.Request.URL.Path))
		return
	}
	// Read as a tile request is (its filter and min_version); the caller's
	// scope and privacy draw tiles, not their URLs.
	p, known := callerOf(c)
	req, err := h.tileRequest(c.Request, svc, [4]string{set, "0", "0", "0.mvt"}, p, known)
	if err != nil {
		fail(c, err)
		return
	}
	tj, err := svc.TileJSONFor(c.Request.Context(), req, h.baseURL(c))
	if err != nil {
		fail(c, err)
		return
	}
	serveJSON(c, tj)
}

func (h *handlers) tileCatalog(c *gin.Context) {
	svc := h.tileService(c)
	if svc == nil {
		return
	}
	cat, err := svc.CatalogFor(c.Request.Context(), h.baseURL(c))
	if err != nil {
		fail(c, err)
		return
	}
	serveJSON(c, cat)
}

func (h *handlers) style(c *gin.Context) {
	svc := h.tileService(c)
	if svc == nil {
		return
	}
	bounds, err := svc.Bounds(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	serveJSON(c, svc.Style(h.baseURL(c), bounds))
}

func (h *handlers) dashboard(c *gin.Context) {
	h.serveAsset(c, "index.html")
}

func (h *handlers) webAsset(c *gin.Context) {
	h.serveAsset(c, strings.TrimPrefix(c.Param("file"), "/"))
}

func (h *handlers) serveAsset(c *gin.Context, name string) {
	a, ok := web.Lookup(name)
	if !ok {
		fail(c, geo.Errorf(geo.ENOTFOUND, "path", "no file %s", c.Request.URL.Path))
		return
	}
	// The assets change only with the binary; the ETag makes revalidation cheap.
	c.Header("Cache-Control", "no-cache")
	serveBytes(c, a.ContentType, a.Raw, a.ETag, a.Gzip)
}

// acceptsGzip reads Accept-Encoding: gzip (or *) with a non-zero quality.
func acceptsGzip(header string) bool {
	for header != "" {
		var part string
		part, header, _ = strings.Cut(header, ",")
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.TrimSpace(coding)
		if !strings.EqualFold(coding, "gzip") && !strings.EqualFold(coding, "x-gzip") && coding != "*" {
			continue
		}
		params = strings.TrimSpace(params)
		if len(params) < 2 || !strings.EqualFold(params[:2], "q=") {
			return true
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(params[2:]), 64)
		return err == nil && v > 0
	}
	return false
}

// etagMatches applies If-None-Match with the weak comparison RFC 9110
// prescribes for it, treating the -gz variant as the same tag.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	base := func(t string) string {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		return strings.TrimSuffix(strings.TrimSuffix(t, `"`), "-gz") + `"`
	}
	for _, t := range strings.Split(header, ",") {
		if strings.TrimSpace(t) == "*" || base(t) == base(etag) {
			return true
		}
	}
	return false
}
