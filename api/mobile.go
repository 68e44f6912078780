package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
)

// The grid worker's app (/m/, web/m) and what it asks about its token.

func (h *handlers) mobileRoutes(r *gin.Engine, v1 *gin.RouterGroup) {
	r.GET("/m", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/m/") })
	r.GET("/m/*file", h.mobileAsset)
	v1.GET("/me", h.me)
}

// mapWorker is the script of MapLibre's web worker.
const mapWorker = "maplibre-gl-worker.mjs"

// mobileAsset serves the app's files; /m/ itself is the app's page (and
// /m is sent there, so that the page's relative links resolve in /m/).
func (h *handlers) mobileAsset(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("file"), "/")
	if name == "" {
		name = "index.html"
	}
	if name == mapWorker {
		// MapLibre's worker, served inside /m/: a worker's script is
		// answered by the service worker only within its scope, and the
		// map must draw offline too.
		h.serveAsset(c, "vendor/maplibre-gl/"+mapWorker)
		return
	}
	if name == "sw.js" {
		// The service worker may control all of /m/ (its own directory);
		// browsers check it for updates on every start regardless of cache
		// headers, and its content names the version of every app file.
		c.Header("Service-Worker-Allowed", "/m/")
	}
	h.serveAsset(c, "m/"+name)
}

// me answers GET /v1/me: who the caller's token stands for, what it may do,
// and the unit of its scope with the box around it — what the app needs to
// draw the worker's grid and to offer the actions the token allows. The
// token's id is the app's stable name for the worker: token names are not
// unique (two 王五 of one grid), and what a phone saved for one token must
// be sent with that token alone, never under whoever signs in next.
func (h *handlers) me(c *gin.Context) {
	p, ok := callerOf(c)
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="gridmap"`)
		fail(c, geo.Errorf(geo.EUNAUTHORIZED, "Authorization", "this request needs a bearer token (Authorization: Bearer …)"))
		return
	}
	perms := []access.Permission{}
	for _, perm := range []access.Permission{access.PermRead, access.PermReport, access.PermEditBoundaries, access.PermManageTokens} {
		if p.Role.Can(perm) {
			perms = append(perms, perm)
		}
	}
	// The answer is the token's own (servePrivateJSON: Vary Authorization):
	// the app's service worker keeps a copy for offline starts, and a copy
	// must never answer for another token.
	out := gin.H{"token_id": p.TokenID, "name": p.Name, "role": p.Role, "scope": nilIfBlank(p.Scope), "expires_at": p.ExpiresAt.UTC(),
		"permissions": perms, "unit": nil}
	if p.Scope != "" && h.deps.Units != nil {
		u, err := h.deps.Units.GetUnit(c.Request.Context(), p.Scope, time.Time{})
		if err != nil && geo.ErrorCodeOf(err) != geo.ENOTFOUND {
			fail(c, err)
			return
		}
		if err == nil {
			b := u.Geom.Bound()
			out["unit"] = gin.H{"code": u.Code, "name": u.Name, "level": u.Level, "parent_code": u.ParentCode,
				"bbox": []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}}
		}
	}
	servePrivateJSON(c, jsonMediaType, out)
}

func nilIfBlank(s string) any {
	if s == "" {
		return nil
	}
	return s
}
