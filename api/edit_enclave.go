package api

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
)

// An enclave belongs, for access control, to the unit that manages it: an
// editor may create, move or retire only enclaves whose managing code lies
// in their scope, and may neither hand an enclave of theirs to a unit
// outside it nor take over someone else's.

var zeroTime time.Time

func (h *handlers) enclaveKind() boundaryKind[geo.Enclave] {
	return boundaryKind[geo.Enclave]{
		path:    "/v1/enclaves/",
		target:  h.enclaveTarget,
		current: h.currentEnclave,
		decode:  enclaveFromFeature,
		code:    func(e *geo.Enclave) string { return e.Code },
		version: func(e *geo.Enclave) int { return e.Version },
		scope:   func(e *geo.Enclave) string { return e.ManagingCode },
		feature: enclaveFeature,
		create:  geo.BoundaryEditor.CreateEnclave,
		edit:    geo.BoundaryEditor.EditEnclave,
		retire:  geo.BoundaryEditor.RetireEnclave,
	}
}

func (h *handlers) createEnclave(c *gin.Context) { createBoundary(h, c, h.enclaveKind()) }
func (h *handlers) putEnclave(c *gin.Context)    { putBoundary(h, c, h.enclaveKind()) }
func (h *handlers) retireEnclave(c *gin.Context) { retireBoundary(h, c, h.enclaveKind()) }

// enclaveTarget checks that the caller's scope covers the enclave's current
// managing unit (a retired enclave's last one) and reads the version
// revised. The store writes only over the version named in If-Match
// (checked under its lock), or answers a retry of the caller's own edit
// stored already: either way the version the scope was checked against is
// the one revised, or the caller's own.
func (h *handlers) enclaveTarget(c *gin.Context) (string, int, bool) {
	code := c.Param("code")
	// A looser check than at create: an enclave stored before the code
	// rule (say "a/b", sent as a%2Fb) can still be revised and retired.
	err := geo.ValidateStoredEnclaveCode("code", code)
	if err != nil {
		fail(c, err)
		return "", 0, false
	}
	cur, err := h.lastEnclave(c.Request.Context(), code)
	switch {
	case geo.ErrorCodeOf(err) == geo.ENOTFOUND:
		// No version at all: the store says 404 below.
	case err != nil:
		fail(c, err)
		return "", 0, false
	default:
		if err := authorize(c, access.PermEditBoundaries, cur.ManagingCode); err != nil {
			fail(c, err)
			return "", 0, false
		}
	}
	ifVersion, err := h.ifVersion(c, h.currentEnclave, code)
	if err != nil {
		h.failEdit(c, err, h.currentEnclave, code)
		return "", 0, false
	}
	return code, ifVersion, true
}

// lastEnclave is the enclave's current version or, when it is retired, its
// last one. A retired enclave still belongs to the unit that managed it: a
// retire of it is refused (412) or, retried, answered with that version,
// which only that unit's editors may see.
func (h *handlers) lastEnclave(ctx context.Context, code string) (geo.Enclave, error) {
	cur, err := h.deps.Units.GetEnclave(ctx, code, zeroTime)
	if geo.ErrorCodeOf(err) != geo.ENOTFOUND {
		return cur, err
	}
	versions, err := h.deps.Units.EnclaveHistory(ctx, code)
	if err != nil {
		return geo.Enclave{}, err
	}
	if len(versions) == 0 {
		return geo.Enclave{}, geo.Errorf(geo.ENOTFOUND, "code", "no enclave %s", code)
	}
	return versions[len(versions)-1], nil
}
