package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb/geojson"

	"gridmap/geo"
)

// Editing single boundaries (issue 7): POST creates, PUT revises, DELETE
// retires. Every write names the version it revises in If-Match (the ETag
// of GET), runs in one transaction, is logged under the token's name and
// reaches every replica's resolver and tiles through NOTIFY.

func (h *handlers) editRoutes(v1 *gin.RouterGroup) {
	edit := permit(geo.PermEditBoundaries)
	v1.POST("/units", edit, h.createUnit)
	v1.PUT("/units/:code", edit, h.putUnit)
	v1.DELETE("/units/:code", edit, h.retireUnit)
	v1.POST("/enclaves", edit, h.createEnclave)
	v1.PUT("/enclaves/:code", edit, h.putEnclave)
	v1.DELETE("/enclaves/:code", edit, h.retireEnclave)
}

func (h *handlers) createUnit(c *gin.Context) {
	f, mp, err := readFeature(c)
	if err != nil {
		fail(c, err)
		return
	}
	u, err := unitFromFeature(f, mp, "")
	if err == nil {
		err = authorize(c, geo.PermEditBoundaries, u.Code)
	}
	if err != nil {
		fail(c, err)
		return
	}
	res, err := h.deps.Editor.CreateUnit(c.Request.Context(), actor(c), u)
	if err != nil {
		h.failEdit(c, err, h.currentUnit, u.Code)
		return
	}
	c.Header("Location", "/v1/units/"+u.Code)
	writeEdited(c, http.StatusCreated, res.Version.Version, editedFeature(unitFeature(&res.Version), res.Warnings))
}

func (h *handlers) putUnit(c *gin.Context) {
	code, ifVersion, ok := h.editTarget(c, h.currentUnit)
	if !ok {
		return
	}
	f, mp, err := readFeature(c)
	if err != nil {
		fail(c, err)
		return
	}
	u, err := unitFromFeature(f, mp, code)
	if err != nil {
		fail(c, err)
		return
	}
	res, err := h.deps.Editor.EditUnit(c.Request.Context(), actor(c), u, ifVersion)
	if err != nil {
		h.failEdit(c, err, h.currentUnit, code)
		return
	}
	writeEdited(c, http.StatusOK, res.Version.Version, editedFeature(unitFeature(&res.Version), res.Warnings))
}

func (h *handlers) retireUnit(c *gin.Context) {
	code, ifVersion, ok := h.editTarget(c, h.currentUnit)
	if !ok {
		return
	}
	u, err := h.deps.Editor.RetireUnit(c.Request.Context(), actor(c), code, ifVersion)
	if err != nil {
		h.failEdit(c, err, h.currentUnit, code)
		return
	}
	writeGeoJSON(c, unitFeature(&u))
}

// editTarget reads and checks what every PUT and DELETE of a unit needs:
// the code (in scope) and the version revised. On failure it has answered.
func (h *handlers) editTarget(c *gin.Context, current currentFunc) (string, int, bool) {
	code, err := parseCode("code", c.Param("code"))
	if err == nil {
		err = authorize(c, geo.PermEditBoundaries, code)
	}
	if err != nil {
		fail(c, err)
		return "", 0, false
	}
	ifVersion, err := ifMatch(c)
	if err != nil {
		h.failEdit(c, err, current, code)
		return "", 0, false
	}
	return code, ifVersion, true
}

// currentFunc fetches the current version of a code as a feature (nil when
// there is none) and its version number.
type currentFunc func(ctx context.Context, code string) (*geojson.Feature, int, error)

func (h *handlers) currentUnit(ctx context.Context, code string) (*geojson.Feature, int, error) {
	u, err := h.deps.Units.GetUnit(ctx, code, zeroTime)
	if err != nil {
		return nil, 0, err
	}
	return unitFeature(&u), u.Version, nil
}

func (h *handlers) currentEnclave(ctx context.Context, code string) (*geojson.Feature, int, error) {
	e, err := h.deps.Units.GetEnclave(ctx, code, zeroTime)
	if err != nil {
		return nil, 0, err
	}
	return enclaveFeature(&e), e.Version, nil
}

// staleProblem is a problem that carries the current version, so a client
// whose edit lost can show the other person's boundary without asking again.
type staleProblem struct {
	Problem
	Current *geojson.Feature `json:"current"`
}

// failEdit answers an edit's error. A failed or missing precondition and a
// conflict carry the current version (null when the code has none) and its
// ETag.
func (h *handlers) failEdit(c *gin.Context, err error, current currentFunc, code string) {
	switch geo.ErrorCodeOf(err) {
	case geo.EPRECONDITION, geo.EPRECONDITIONREQUIRED, geo.ECONFLICT:
	default:
		fail(c, err)
		return
	}
	cur, version, cerr := current(c.Request.Context(), code)
	if cerr != nil && geo.ErrorCodeOf(cerr) != geo.ENOTFOUND {
		fail(c, cerr)
		return
	}
	if cur != nil {
		c.Header("ETag", etag(version))
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(statusOf[geo.ErrorCodeOf(err)], staleProblem{Problem: problemOf(err, c.Request.URL.Path), Current: cur})
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
