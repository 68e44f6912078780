package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
)

// Editing single boundaries: POST creates, PUT revises, DELETE
// retires. Every write names the version it revises in If-Match (the ETag
// of GET), runs in one transaction, is logged under the token's name and
// reaches every replica's resolver and tiles through NOTIFY.

func (h *handlers) editRoutes(v1 *gin.RouterGroup) {
	edit := permit(access.PermEditBoundaries)
	v1.POST("/units", edit, h.createUnit)
	v1.PUT("/units/:code", edit, h.putUnit)
	v1.DELETE("/units/:code", edit, h.retireUnit)
	v1.POST("/enclaves", edit, h.createEnclave)
	v1.PUT("/enclaves/:code", edit, h.putEnclave)
	v1.DELETE("/enclaves/:code", edit, h.retireEnclave)
}

// boundaryKind is what the create, PUT and DELETE handlers need to know
// about one kind of boundary (a unit, an enclave); the flow is the same.
type boundaryKind[T any] struct {
	path    string                                 // collection path, for Location
	target  func(*gin.Context) (string, int, bool) // code and If-Match of a PUT or DELETE; on failure it has answered
	current currentFunc
	decode  func(f *geojson.Feature, mp orb.MultiPolygon, pathCode string) (T, error)
	code    func(*T) string // the boundary's code
	version func(*T) int
	scope   func(*T) string // the code the caller's scope must cover to write it
	feature func(*T) *geojson.Feature
	create  func(geo.BoundaryEditor, context.Context, string, T) (geo.EditResult[T], error)
	edit    func(geo.BoundaryEditor, context.Context, string, T, int) (geo.EditResult[T], error)
	retire  func(geo.BoundaryEditor, context.Context, string, string, int) (geo.EditResult[T], error)
}

func (h *handlers) unitKind() boundaryKind[geo.Unit] {
	return boundaryKind[geo.Unit]{
		path:    "/v1/units/",
		target:  func(c *gin.Context) (string, int, bool) { return h.editTarget(c, h.currentUnit) },
		current: h.currentUnit,
		decode:  unitFromFeature,
		code:    func(u *geo.Unit) string { return u.Code },
		version: func(u *geo.Unit) int { return u.Version },
		// A unit's code is its own scope. On PUT it is the URL's, which
		// editTarget has already checked, so checking it again changes nothing.
		scope:   func(u *geo.Unit) string { return u.Code },
		feature: unitFeature,
		create:  geo.BoundaryEditor.CreateUnit,
		edit:    geo.BoundaryEditor.EditUnit,
		retire:  geo.BoundaryEditor.RetireUnit,
	}
}

func (h *handlers) createUnit(c *gin.Context) { createBoundary(h, c, h.unitKind()) }
func (h *handlers) putUnit(c *gin.Context)    { putBoundary(h, c, h.unitKind()) }
func (h *handlers) retireUnit(c *gin.Context) { retireBoundary(h, c, h.unitKind()) }

func createBoundary[T any](h *handlers, c *gin.Context, k boundaryKind[T]) {
	f, mp, err := readFeature(c)
	if err != nil {
		fail(c, err)
		return
	}
	v, err := k.decode(f, mp, "")
	if err == nil {
		err = authorize(c, access.PermEditBoundaries, k.scope(&v))
	}
	if err != nil {
		fail(c, err)
		return
	}
	res, err := k.create(h.deps.Editor, c.Request.Context(), actor(c), v)
	if err != nil {
		h.failEdit(c, err, k.current, k.code(&v))
		return
	}
	c.Header("Location", k.path+k.code(&v))
	h.applied(c)
	status := http.StatusCreated
	if res.Replayed {
		status = http.StatusOK
	}
	writeEdit(c, status, k, res)
}

// writeEdit answers an accepted edit: the stored version with its ETag and
// warnings, marked when it was a retry of an edit stored already.
func writeEdit[T any](c *gin.Context, status int, k boundaryKind[T], res geo.EditResult[T]) {
	if res.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	writeEdited(c, status, k.version(&res.Version), editedFeature(k.feature(&res.Version), res.Warnings))
}

func putBoundary[T any](h *handlers, c *gin.Context, k boundaryKind[T]) {
	code, ifVersion, ok := k.target(c)
	if !ok {
		return
	}
	f, mp, err := readFeature(c)
	if err != nil {
		fail(c, err)
		return
	}
	v, err := k.decode(f, mp, code)
	if err == nil {
		err = authorize(c, access.PermEditBoundaries, k.scope(&v))
	}
	if err != nil {
		fail(c, err)
		return
	}
	res, err := k.edit(h.deps.Editor, c.Request.Context(), actor(c), v, ifVersion)
	if err != nil {
		h.failEdit(c, err, k.current, code)
		return
	}
	h.applied(c)
	writeEdit(c, http.StatusOK, k, res)
}

func retireBoundary[T any](h *handlers, c *gin.Context, k boundaryKind[T]) {
	code, ifVersion, ok := k.target(c)
	if !ok {
		return
	}
	res, err := k.retire(h.deps.Editor, c.Request.Context(), actor(c), code, ifVersion)
	if err != nil {
		h.failEdit(c, err, k.current, code)
		return
	}
	h.applied(c)
	if res.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	writeGeoJSON(c, k.feature(&res.Version))
}

// editTarget reads and checks what every PUT and DELETE of a unit needs:
// the code (in scope) and the version revised. On failure it has answered.
func (h *handlers) editTarget(c *gin.Context, current currentFunc) (string, int, bool) {
	code, err := parseCode("code", c.Param("code"))
	if err == nil {
		err = authorize(c, access.PermEditBoundaries, code)
	}
	if err != nil {
		fail(c, err)
		return "", 0, false
	}
	ifVersion, err := h.ifVersion(c, current, code)
	if err != nil {
		h.failEdit(c, err, current, code)
		return "", 0, false
	}
	return code, ifVersion, true
}

// currentFunc fetches the current version of a code as the caller may see
// it (nil when there is none), with the ETag a GET would give that copy and
// the version number. A conflict's answer carries it: a create that names
// a code another unit holds must not hand over what a GET would withhold.
type currentFunc func(c *gin.Context, code string) (view *geojson.Feature, tag string, version int, err error)

func (h *handlers) currentUnit(c *gin.Context, code string) (*geojson.Feature, string, int, error) {
	u, err := h.deps.Units.GetUnit(c.Request.Context(), code, zeroTime)
	if err != nil {
		return nil, "", 0, err
	}
	f := h.unitView(c, &u)
	return f, viewTag(u.Version, u.Properties, f), u.Version, nil
}

func (h *handlers) currentEnclave(c *gin.Context, code string) (*geojson.Feature, string, int, error) {
	e, err := h.deps.Units.GetEnclave(c.Request.Context(), code, zeroTime)
	if err != nil {
		return nil, "", 0, err
	}
	f := h.enclaveView(c, &e)
	return f, viewTag(e.Version, e.Properties, f), e.Version, nil
}

// staleProblem is a problem that carries the current version, so a client
// whose edit lost can show the other person's boundary without asking again.
type staleProblem struct {
	Problem
	Current *geojson.Feature `json:"current"`
}

// failEdit answers an edit's error. A failed or missing precondition and a
// conflict carry the current version as the caller may see it (null when
// the code has none) and that copy's ETag.
func (h *handlers) failEdit(c *gin.Context, err error, current currentFunc, code string) {
	switch geo.ErrorCodeOf(err) {
	case geo.EPRECONDITION, geo.EPRECONDITIONREQUIRED, geo.ECONFLICT:
	default:
		fail(c, err)
		return
	}
	cur, tag, _, cerr := current(c, code)
	if cerr != nil && geo.ErrorCodeOf(cerr) != geo.ENOTFOUND {
		fail(c, cerr)
		return
	}
	if cur != nil {
		c.Header("ETag", tag)
	}
	c.Abort()
	c.Header("Content-Type", "application/problem+json")
	c.Data(statusOf[geo.ErrorCodeOf(err)], "application/problem+json",
		problemBytes(staleProblem{Problem: problemOf(err, c.Request.URL.Path), Current: cur}))
}

func writeEdited(c *gin.Context, status, version int, f *geojson.Feature) {
	c.Header("ETag", etag(version))
	c.Header("Content-Type", "application/geo+json")
	c.JSON(status, f)
}

// actor is the name the change log records: the token's.
func actor(c *gin.Context) string {
	p, _ := callerOf(c)
	return p.Name
}
