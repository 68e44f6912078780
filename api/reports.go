package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// reportRoutes registers reports, their workflow, statistics and patrols.
// Writes need the report permission; the scope is checked per report.
func (h *handlers) reportRoutes(v1 *gin.RouterGroup) {
	write := permit(access.PermReport)
	v1.GET("/categories", h.listCategories)
	v1 = v1.Group("", h.reportsConfigured)
	v1.POST("/reports", write, h.createReport)
	v1.POST(`/reports\:batch`, write, h.createReportBatch) // gin's escape for a literal colon
	v1.GET("/reports", h.listReports)
	v1.GET("/reports/:id", h.getReport)
	v1.POST("/reports/:id", write, h.reportAction) // custom methods: /v1/reports/{id}:reresolve
	v1.POST("/reports/:id/transitions", write, h.transition)
	v1.GET("/stats", h.stats)
	v1.POST("/patrols", write, h.createPatrol)
	v1.GET("/patrols/coverage", h.patrolCoverage)
}

// reportsConfigured answers 503 when the service was built without report
// storage, rather than failing inside a handler.
func (h *handlers) reportsConfigured(c *gin.Context) {
	if h.deps.Reports == nil || h.deps.Patrols == nil {
		fail(c, geo.Errorf(geo.EUNAVAILABLE, "", "this service has no report storage configured"))
		return
	}
	c.Next()
}

// policy is the case policy; a zero one (a wiring slip) falls back to the
// default rather than making every case overdue on arrival.
func (h *handlers) policy() casework.Policy {
	if h.deps.Policy.Deadlines[casework.MinSeverity] == 0 {
		return casework.DefaultPolicy()
	}
	return h.deps.Policy
}

// reportView is a report as the API shows it: the stored report with the
// category's readable name.
type reportView struct {
	*casework.Report
	CategoryName string `json:"category_name"`
}

func viewOf(r *casework.Report) reportView {
	v := reportView{Report: r}
	if cat, ok := casework.Categories.Lookup(r.Category); ok {
		v.CategoryName = cat.FullName()
	}
	return v
}

// createReport answers POST /v1/reports: 201 with the stored report when it
// is new, 200 with the stored report for a retry, 409 when the id holds a
// different report.
func (h *handlers) createReport(c *gin.Context) {
	body, err := readBody(c, maxReportBody)
	if err != nil {
		fail(c, err)
		return
	}
	in, err := decodeReport(body, "")
	if err == nil {
		err = h.claimReporter(c, &in)
	}
	if err != nil {
		fail(c, err)
		return
	}
	r, err := h.newReport(c, in, "", nil)
	if err != nil {
		fail(c, err)
		return
	}
	res, err := h.deps.Reports.CreateReports(c.Request.Context(), []casework.Report{r})
	if err != nil {
		fail(c, err)
		return
	}
	h.kickEvents()
	writeCreated(c, res[0])
}

// newReport completes an input's photos from photos (looked up when nil),
// validates it and resolves it at its observed time.
func (h *handlers) newReport(c *gin.Context, in casework.ReportInput, prefix string, photos map[string]casework.Photo) (casework.Report, error) {
	if len(in.Attachments) > 0 && photos == nil {
		var err error
		if photos, err = h.photoIndex(c.Request.Context(), in.Attachments); err != nil {
			return casework.Report{}, err
		}
	}
	if err := h.fillAttachments(c, in.Attachments, photos, prefix+"attachments"); err != nil {
		return casework.Report{}, err
	}
	now := time.Now()
	if err := in.Validate(now); err != nil {
		return casework.Report{}, prefixed(prefix, err)
	}
	min, err := minVersion(c)
	if err != nil {
		return casework.Report{}, err
	}
	res, err := h.deps.Resolver.Resolve(c.Request.Context(), geo.ResolveQuery{Point: in.Point, CRS: in.CRS, At: in.ObservedAt, MinVersion: min})
	if err != nil {
		return casework.Report{}, prefixed(prefix, err)
	}
	r, err := casework.NewReport(in, res, h.policy(), now)
	return r, prefixed(prefix, err)
}

// claimReporter ties a report to the caller: a grid worker's token reports
// as that worker; an admin may upload on behalf of anyone (a sync gateway),
// and reports as itself when it names nobody. The token's own name is
// recorded with the report's first step either way.
func (h *handlers) claimReporter(c *gin.Context, in *casework.ReportInput) error {
	p, ok := callerOf(c)
	if ok {
		in.RecordedBy = p.Name
	}
	switch {
	case !ok:
	case in.Reporter == "":
		in.Reporter = p.Name
	case p.Role == access.RoleAdmin || in.Reporter == p.Name:
	default:
		return geo.Errorf(geo.EFORBIDDEN, "reporter", "this token reports as %q and may not report as %q", p.Name, clip(in.Reporter))
	}
	return nil
}

func writeCreated(c *gin.Context, res casework.CreateResult) {
	switch res.Outcome {
	case casework.Created:
		c.Header("Location", "/v1/reports/"+res.Report.ID)
		c.JSON(http.StatusCreated, viewOf(&res.Report))
	case casework.Existing:
		c.JSON(http.StatusOK, viewOf(&res.Report))
	default:
		fail(c, differentID(res.Report.ID, ""))
	}
}

func differentID(id, prefix string) error {
	return geo.Errorf(geo.ECONFLICT, prefix+"id", "report %s is already stored with different content; a new report needs a new id", id)
}

// batchResult is one slot of a batch answer.
type batchResult struct {
	Index  int         `json:"index"`
	ID     string      `json:"id,omitempty"`
	Status int         `json:"status"`
	Report *reportView `json:"report,omitempty"`
	Error  *Problem    `json:"error,omitempty"`
}

// createReportBatch answers POST /v1/reports:batch: up to MaxReportBatch
// reports stored in one transaction. Each report gets its own slot with the
// status it would have had alone; an invalid one does not stop the others.
// A storage failure fails the whole batch (nothing is stored) with 503, and
// the retry is safe.
func (h *handlers) createReportBatch(c *gin.Context) {
	body, err := readBody(c, maxBatchBody)
	if err != nil {
		fail(c, err)
		return
	}
	raws, err := decodeBatch(body)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]batchResult, len(raws))
	ins, errs := make([]casework.ReportInput, len(raws)), make([]error, len(raws))
	for i, raw := range raws {
		ins[i], errs[i] = decodeReport(raw, itemPrefix(i))
		if errs[i] == nil {
			errs[i] = prefixed(itemPrefix(i), h.claimReporter(c, &ins[i]))
		}
	}
	photos, err := h.photoIndex(c.Request.Context(), batchAttachments(ins, errs)...)
	if err != nil {
		fail(c, err)
		return
	}
	var valid []casework.Report
	var slots []int
	for i, in := range ins {
		out[i].Index = i
		err := errs[i]
		var r casework.Report
		if err == nil {
			r, err = h.newReport(c, in, itemPrefix(i), photos)
		}
		out[i].ID = in.ID
		if err != nil {
			if code := geo.ErrorCodeOf(err); code == geo.EUNAVAILABLE || code == geo.EINTERNAL {
				fail(c, err) // not the report's fault: the client retries the batch
				return
			}
			p := problemOf(err, "")
			out[i].Status, out[i].Error = p.Status, &p
			continue
		}
		valid = append(valid, r)
		slots = append(slots, i)
	}
	created, existing, failed := 0, 0, len(raws)-len(valid)
	if len(valid) > 0 {
		res, err := h.deps.Reports.CreateReports(c.Request.Context(), valid)
		if err != nil {
			fail(c, err)
			return
		}
		h.kickEvents()
		for k, i := range slots {
			r := res[k]
			switch r.Outcome {
			case casework.Created:
				v := viewOf(&r.Report)
				out[i].Status, out[i].Report = http.StatusCreated, &v
				created++
			case casework.Existing:
				v := viewOf(&r.Report)
				out[i].Status, out[i].Report = http.StatusOK, &v
				existing++
			default:
				p := problemOf(differentID(r.Report.ID, itemPrefix(i)), "")
				out[i].Status, out[i].Error = p.Status, &p
				failed++
			}
		}
	}
	c.JSON(http.StatusOK, gin.H{"count": len(raws), "created": created, "existing": existing, "failed": failed, "results": out})
}

// batchAttachments lists the attachments of the inputs that decoded.
func batchAttachments(ins []casework.ReportInput, errs []error) [][]casework.Attachment {
	var out [][]casework.Attachment
	for i := range ins {
		if errs[i] == nil {
			out = append(out, ins[i].Attachments)
		}
	}
	return out
}

func (h *handlers) getReport(c *gin.Context) {
	r, err := h.deps.Reports.GetReport(c.Request.Context(), c.Param("id"))
	if err == nil {
		err = h.inScope(c, &r)
	}
	if err != nil {
		fail(c, err)
		return
	}
	servePrivateJSON(c, jsonMediaType, h.reportFor(c, &r))
}

// inScope refuses a scoped caller a report outside its scope. A report
// belongs to the units of its responsible chain, to whoever handles it, and
// to its reporter.
func (h *handlers) inScope(c *gin.Context, r *casework.Report) error {
	p, ok := callerOf(c)
	if !ok || reportVisible(p, r.UnitCode, r.AssignedCode, r.Reporter) {
		return nil
	}
	return geo.Errorf(geo.EFORBIDDEN, "id", "report %s is outside this token's scope %s", r.ID, p.Scope)
}

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
	h.kickEvents()
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
	r, replayed, err := h.deps.Reports.Reresolve(c.Request.Context(), id, q, func(r casework.Report) (geo.Resolution, error) {
		return h.deps.Resolver.Resolve(c.Request.Context(), geo.ResolveQuery{Point: r.Point, CRS: r.CRS, MinVersion: min})
	})
	if err != nil {
		fail(c, err)
		return
	}
	h.kickEvents()
	h.writeStepAnswer(c, &r, replayed)
}

// decodeUTF8 decodes a small JSON body after checking its encoding.
func decodeUTF8(body []byte, v any) error {
	if !utf8.Valid(body) {
		return geo.Invalid(invalidUTF8Member(body), "not valid UTF-8; send text as UTF-8")
	}
	return strictJSON(body, v)
}

// listCategories answers GET /v1/categories: the code list reports use,
// and the case policy a client names units and offers steps by.
func (h *handlers) listCategories(c *gin.Context) {
	p := h.policy()
	serveJSON(c, gin.H{"categories": casework.Categories.All(), "severities": casework.SeverityNames[1:],
		"states": casework.States, "actions": casework.UserActions, "policy": policyJSON(p),
		"handler_may_verify": p.HandlerMayVerify})
}

// policyJSON says, for each severity, its deadline and the finest level
// that handles it: a phone names the unit a report will go to before it is
// sent.
func policyJSON(p casework.Policy) []gin.H {
	out := make([]gin.H, 0, casework.MaxSeverity)
	for sev := casework.MinSeverity; sev <= casework.MaxSeverity; sev++ {
		from := p.Floors[sev]
		if from == "" {
			from = geo.MicroGrid
		}
		out = append(out, gin.H{"severity": sev, "name": casework.SeverityNames[sev],
			"deadline_s": p.Deadlines[sev].Seconds(), "handled_from": from})
	}
	return out
}
