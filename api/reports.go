package api

import (
	"net/http"
	"time"

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
	v1.POST("/reports", write, h.trackPosition, h.createReport)
	v1.POST(`/reports\:batch`, write, h.trackPosition, h.createReportBatch) // gin's escape for a literal colon
	v1.GET("/reports", h.positionRead, h.listReports)
	v1.GET("/reports/:id", h.positionRead, h.getReport)
	v1.POST("/reports/:id", write, h.trackPosition, h.reportAction) // custom methods: /v1/reports/{id}:reresolve
	v1.POST("/reports/:id/transitions", write, h.trackPosition, h.transition)
	v1.GET("/stats", h.positionRead, h.stats)
	v1.POST("/patrols", write, h.trackPosition, h.createPatrol)
	v1.GET("/patrols/coverage", h.positionRead, h.patrolCoverage)
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
	res, err := h.storeReports(c, func(floor int64) ([]casework.Report, error) {
		r, err := h.newReport(c, in, "", nil, floor)
		return []casework.Report{r}, err
	})
	if err != nil {
		fail(c, err)
		return
	}
	h.committed(c)
	writeCreated(c, res[0])
}

// storeReports builds reports (resolving them, from data version floor at
// least) and stores them. Reports an edit's commit overtook between their
// resolution and their storing (geo.MovedError) are built again from the
// version it made and stored then: stored as resolved, they would say a
// unit was responsible at a moment the history gives to another.
func (h *handlers) storeReports(c *gin.Context, build func(floor int64) ([]casework.Report, error)) ([]casework.CreateResult, error) {
	var floor int64
	for attempt := 1; ; attempt++ {
		rs, err := build(floor)
		if err != nil || len(rs) == 0 {
			return nil, err
		}
		res, err := h.deps.Reports.CreateReports(c.Request.Context(), rs)
		moved, ok := geo.MovedTo(err)
		if !ok || attempt == storeAttempts {
			return res, err
		}
		floor = moved
	}
}

// storeAttempts bounds storeReports' rounds: a later round resolves from
// the version that overtook the one before, so only an edit committed
// during its few milliseconds overtakes it again; past the last, the
// client is told to send the reports again (503).
const storeAttempts = 3

// newReport completes an input's photos from photos (looked up when nil),
// validates it and resolves it at its observed time, from data version
// floor at least (and the request's min_version).
func (h *handlers) newReport(c *gin.Context, in casework.ReportInput, prefix string, photos map[string]casework.Photo, floor int64) (casework.Report, error) {
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
	at := in.ObservedAt
	if at.After(now) {
		// Ahead of this node's clock (a phone's clock runs fast): observed
		// now, as NewReport stores it; a version can still begin before a
		// moment to come, so none can be answered for yet.
		at = time.Time{}
	}
	res, err := h.deps.Resolver.Resolve(c.Request.Context(), geo.ResolveQuery{Point: in.Point, CRS: in.CRS, At: at, MinVersion: max(min, floor)})
	if err != nil {
		return casework.Report{}, prefixed(prefix, err)
	}
	// Received once resolved: the version answering was committed before
	// this moment, and the store's gate checks that no later one was
	// before the report is stored (migration 031).
	r, err := casework.NewReport(in, res, h.policy(), time.Now())
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
	var slots []int
	res, err := h.storeReports(c, func(floor int64) ([]casework.Report, error) {
		var valid []casework.Report
		slots = slots[:0]
		for i, in := range ins {
			out[i] = batchResult{Index: i, ID: in.ID} // afresh each round
			err := errs[i]
			var r casework.Report
			if err == nil {
				r, err = h.newReport(c, in, itemPrefix(i), photos, floor)
			}
			if err != nil {
				if code := geo.ErrorCodeOf(err); code == geo.EUNAVAILABLE || code == geo.EINTERNAL {
					return nil, err // not the report's fault: the client retries the batch
				}
				p := problemOf(err, "")
				out[i].Status, out[i].Error = p.Status, &p
				continue
			}
			valid = append(valid, r)
			slots = append(slots, i)
		}
		return valid, nil
	})
	if err != nil {
		fail(c, err)
		return
	}
	created, existing, failed := 0, 0, len(raws)-len(slots)
	if len(slots) > 0 {
		h.committed(c)
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
