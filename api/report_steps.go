package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// Workflow steps of a report: POST /v1/reports/{id}/transitions and
// POST /v1/reports/{id}:reresolve, with the caller's authority over them.

// transitionJSON is the wire form of a workflow step.
type transitionJSON struct {
	ClientID    string            `json:"client_id"`
	Action      string            `json:"action"`
	Actor       string            `json:"actor"`
	Note        string            `json:"note"`
	Assignee    string            `json:"assignee"`
	Expect      string            `json:"expect"`
	Attachments []json.RawMessage `json:"attachments"` // checksums of stored photos (处置后)
}

// transition answers POST /v1/reports/{id}/transitions.
func (h *handlers) transition(c *gin.Context) {
	var w transitionJSON
	body, err := readBody(c, maxReportBody)
	if err == nil {
		err = decodeUTF8(body, &w)
	}
	if err != nil {
		fail(c, err)
		return
	}
	q := casework.TransitionRequest{ClientID: w.ClientID, Action: casework.Action(w.Action), Actor: w.Actor,
		Note: w.Note, Assignee: w.Assignee, Expect: casework.State(w.Expect)}
	id := c.Param("id")
	denied, err := h.stepPhotos(c, &q, w.Attachments)
	if err != nil {
		fail(c, err)
		return
	}
	h.stepAuthority(c, &q, denied)
	r, replayed, err := h.deps.Reports.Transition(c.Request.Context(), id, q, h.policy())
	if err != nil {
		fail(c, err)
		return
	}
	h.committed(c)
	h.writeStepAnswer(c, &r, replayed)
}

// writeStepAnswer answers a workflow step or a re-resolution with the
// report as it is now. A replay is answered without asking the caller's
// scope (the step was the caller's own, and the case may have left it
// since), so it is the copy a GET by the caller may show: what the units
// handling the case now wrote after it left is not the caller's to read.
func (h *handlers) writeStepAnswer(c *gin.Context, r *casework.Report, replayed bool) {
	if replayed {
		c.Header("Idempotent-Replayed", "true")
		c.JSON(http.StatusOK, h.reportFor(c, r))
		return
	}
	c.JSON(http.StatusOK, viewOf(r))
}

// stepAuthority fills a step's actor (a transition's or a re-resolution's)
// from the caller's token and leaves the rest of the check to the store,
// which makes it under the report's lock (TransitionRequest.Authorize): a
// scoped token acts on the cases its units handle, and attaches only photos
// it may (denied, from stepPhotos). The store skips the check for a retry
// of the caller's own recorded step, so that a step a worker recorded is
// answered as recorded after the case was escalated (or re-resolved) out of
// the worker's scope, and asks it before it says anything of a client id
// another actor recorded.
func (h *handlers) stepAuthority(c *gin.Context, q *casework.TransitionRequest, denied error) {
	inScope := reportAuthority(c, &q.Actor, &q.RecordedBy)
	if inScope == nil && denied == nil {
		return
	}
	q.Authorize = func(r casework.Report) error {
		if inScope != nil {
			if err := inScope(r); err != nil {
				return err
			}
		}
		return denied
	}
}

// reportAuthority fills *actor from the caller's token (an admin may name
// another person), and *recorder with the token's own name whatever actor
// is named, and returns the check that the caller's scope covers the unit
// handling a report; nil when there is nothing to check (no token, or one
// without a scope).
func reportAuthority(c *gin.Context, actor, recorder *string) func(casework.Report) error {
	p, ok := callerOf(c)
	if !ok {
		return nil
	}
	*recorder = p.Name
	if p.Role != access.RoleAdmin || *actor == "" {
		*actor = p.Name
	}
	if p.Scope == "" {
		return nil
	}
	return func(r casework.Report) error {
		if !p.Covers(r.AssignedCode) {
			// Said without the handling unit, as a read outside the scope
			// is: a caller who may not see the case learns nothing of it.
			return geo.Errorf(geo.EFORBIDDEN, "id", "report %s is handled outside this token's scope %s", r.ID, p.Scope)
		}
		return nil
	}
}

// reportAction answers POST /v1/reports/{id}:reresolve. Gin cannot route a
// custom-method suffix inside a path segment, so the route takes the whole
// segment and splits it here.
func (h *handlers) reportAction(c *gin.Context) {
	id, verb, ok := strings.Cut(c.Param("id"), ":")
	if !ok || verb != "reresolve" {
		fail(c, geo.Errorf(geo.ENOTFOUND, "path", "no route POST %s; did you mean POST /v1/reports/{id}:reresolve?", clip(c.Request.URL.Path)))
		return
	}
	var w struct {
		ClientID string `json:"client_id"`
		Actor    string `json:"actor"`
		Note     string `json:"note"`
	}
	body, err := readBody(c, maxReportBody)
	if err == nil && len(strings.TrimSpace(string(body))) > 0 {
		err = decodeUTF8(body, &w)
	}
	if err != nil {
		fail(c, err)
		return
	}
	min, err := minVersion(c)
	if err != nil {
		fail(c, err)
		return
	}
	q := casework.TransitionRequest{ClientID: w.ClientID, Action: casework.ActionReresolve, Actor: w.Actor, Note: w.Note}
	h.stepAuthority(c, &q, nil)
	r, replayed, err := h.deps.Reports.Reresolve(c.Request.Context(), id, q, func(r casework.Report, floor int64) (geo.Resolution, error) {
		return h.deps.Resolver.Resolve(c.Request.Context(), geo.ResolveQuery{Point: r.Point, CRS: r.CRS, MinVersion: max(min, floor)})
	})
	if err != nil {
		fail(c, err)
		return
	}
	h.committed(c)
	h.writeStepAnswer(c, &r, replayed)
}

// decodeUTF8 decodes a small JSON body after checking its encoding.
func decodeUTF8(body []byte, v any) error {
	if !utf8.Valid(body) {
		return geo.Invalid(invalidUTF8Member(body), "not valid UTF-8; send text as UTF-8")
	}
	return strictJSON(body, v)
}
