package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gridmap/geo"
)

// An enclave belongs, for access control, to the unit that manages it: an
// editor may create, move or retire only enclaves whose managing code lies
// in their scope, and may neither hand an enclave of theirs to a unit
// outside it nor take over someone else's.

var zeroTime time.Time

func (h *handlers) createEnclave(c *gin.Context) {
	f, mp, err := readFeature(c)
	if err != nil {
		fail(c, err)
		return
	}
	e, err := enclaveFromFeature(f, mp, "")
	if err == nil {
		err = authorize(c, geo.PermEditBoundaries, e.ManagingCode)
	}
	if err != nil {
		fail(c, err)
		return
	}
	res, err := h.deps.Editor.CreateEnclave(c.Request.Context(), actor(c), e)
	if err != nil {
		h.failEdit(c, err, h.currentEnclave, e.Code)
		return
	}
	c.Header("Location", "/v1/enclaves/"+e.Code)
	writeEdited(c, http.StatusCreated, res.Version.Version, editedFeature(enclaveFeature(&res.Version), res.Warnings))
}

func (h *handlers) putEnclave(c *gin.Context) {
	code, ifVersion, ok := h.enclaveTarget(c)
	if !ok {
		return
	}
	f, mp, err := readFeature(c)
	if err != nil {
		fail(c, err)
		return
	}
	e, err := enclaveFromFeature(f, mp, code)
	if err == nil {
		err = authorize(c, geo.PermEditBoundaries, e.ManagingCode)
	}
	if err != nil {
		fail(c, err)
		return
	}
	res, err := h.deps.Editor.EditEnclave(c.Request.Context(), actor(c), e, ifVersion)
	if err != nil {
		h.failEdit(c, err, h.currentEnclave, code)
		return
	}
	writeEdited(c, http.StatusOK, res.Version.Version, editedFeature(enclaveFeature(&res.Version), res.Warnings))
}

func (h *handlers) retireEnclave(c *gin.Context) {
	code, ifVersion, ok := h.enclaveTarget(c)
	if !ok {
		return
	}
	e, err := h.deps.Editor.RetireEnclave(c.Request.Context(), actor(c), code, ifVersion)
	if err != nil {
		h.failEdit(c, err, h.currentEnclave, code)
		return
	}
	writeGeoJSON(c, enclaveFeature(&e))
}

// enclaveTarget checks that the caller's scope covers the enclave's current
// managing unit and reads the version revised. The check holds for the
// version the edit will revise: if the current version is not the one named
// in If-Match, the answer is 412 here, before anything is written (and the
// store checks again under its lock).
func (h *handlers) enclaveTarget(c *gin.Context) (string, int, bool) {
	code := c.Param("code")
	if code == "" || len(code) > 64 {
		fail(c, geo.Invalid("code", "%q is not an enclave code", clip(code)))
		return "", 0, false
	}
	cur, err := h.deps.Units.GetEnclave(c.Request.Context(), code, zeroTime)
	switch {
	case geo.ErrorCodeOf(err) == geo.ENOTFOUND:
		// Nothing current: the store says 404 or 412 (retired) below.
	case err != nil:
		fail(c, err)
		return "", 0, false
	default:
		if err := authorize(c, geo.PermEditBoundaries, cur.ManagingCode); err != nil {
			fail(c, err)
			return "", 0, false
		}
	}
	ifVersion, err := ifMatch(c)
	if err == nil && cur.Version != 0 && cur.Version != ifVersion {
		err = geo.Errorf(geo.EPRECONDITION, "If-Match", "enclave %s is at version %d, not %d: someone else saved it meanwhile", code, cur.Version, ifVersion)
	}
	if err != nil {
		h.failEdit(c, err, h.currentEnclave, code)
		return "", 0, false
	}
	return code, ifVersion, true
}
