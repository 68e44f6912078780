package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
)

// Topology-keeping edits: moving a vertex that several boundaries share,
// splitting a unit along a line, merging touching siblings. Each changes
// several boundaries in one transaction (geo.TopologyEditor), so what they
// share stays shared; the caller's scope is checked for every unit touched.
// The answer lists what was written, with the data version this node has
// applied (Gridmap-Index-Version), as every write does. A body may name the
// edit with a client_id (a UUID): its retry is answered as the first
// attempt was, with Idempotent-Replayed, and the id with another body or
// by another caller is 409 naming client_id (geo.RetryKey).

func (h *handlers) topologyRoutes(v1 *gin.RouterGroup) {
	edit := permit(access.PermEditBoundaries)
	v1.POST(`/boundaries\:move-vertex`, edit, h.moveVertex) // gin's escape for a literal colon
	v1.POST(`/units\:merge`, edit, h.mergeUnits)
	// gin cannot follow a parameter with a literal in one segment, so
	// /v1/units/{code}:split arrives here as code "…:split".
	v1.POST("/units/:code", edit, h.unitAction)
}

// topologyAnswer is the answer of a topology edit.
type topologyAnswer struct {
	// Units and Enclaves are the versions written (a retried move: the
	// boundaries already there).
	Units    *geojson.FeatureCollection `json:"units"`
	Enclaves *geojson.FeatureCollection `json:"enclaves"`
	// Retired are the codes closed without a successor.
	Retired []geo.VersionRef `json:"retired"`
	// Unchanged are the boundaries a retried move found already moved.
	Unchanged []geo.VersionRef  `json:"unchanged"`
	Warnings  []geo.ImportIssue `json:"warnings"`
}

func (h *handlers) moveVertex(c *gin.Context) {
	m, err := readVertexMove(c)
	if err != nil {
		fail(c, err)
		return
	}
	m.Allow = allowEdits(c)
	h.topologyEdit(c, func(ed geo.TopologyEditor) (geo.TopologyResult, error) {
		return ed.MoveVertex(c.Request.Context(), actor(c), m)
	})
}

func (h *handlers) mergeUnits(c *gin.Context) {
	m, err := readUnitMerge(c)
	if err == nil {
		err = authorizeAll(c, append([]string{m.Code}, m.Codes...))
	}
	if err != nil {
		fail(c, err)
		return
	}
	m.Allow = allowEdits(c)
	h.topologyEdit(c, func(ed geo.TopologyEditor) (geo.TopologyResult, error) {
		return ed.MergeUnits(c.Request.Context(), actor(c), m)
	})
}

// unitAction answers POST /v1/units/{code}:{action}; split is the one action.
func (h *handlers) unitAction(c *gin.Context) {
	code, action, _ := strings.Cut(c.Param("code"), ":")
	if action != "split" {
		fail(c, geo.Errorf(geo.ENOTFOUND, "", "no such route: POST a unit's %q; a unit is split with POST /v1/units/{code}:split",
			clip(c.Param("code"))))
		return
	}
	code, err := parseCode("code", code)
	if err == nil {
		err = authorize(c, access.PermEditBoundaries, code)
	}
	var s geo.UnitSplit
	if err == nil {
		s, err = readUnitSplit(c, code)
	}
	if err == nil {
		err = authorizeAll(c, s.Codes[:])
	}
	if err != nil {
		fail(c, err)
		return
	}
	s.Allow = allowEdits(c)
	h.topologyEdit(c, func(ed geo.TopologyEditor) (geo.TopologyResult, error) {
		return ed.SplitUnit(c.Request.Context(), actor(c), s)
	})
}

// topologyEdit runs an edit and answers with what it wrote (a replay: what
// the first attempt wrote, marked).
func (h *handlers) topologyEdit(c *gin.Context, run func(geo.TopologyEditor) (geo.TopologyResult, error)) {
	if h.deps.Topology == nil {
		fail(c, geo.Errorf(geo.EUNAVAILABLE, "", "topology edits are not enabled on this server"))
		return
	}
	res, err := run(h.deps.Topology)
	if err != nil {
		fail(c, err)
		return
	}
	h.applied(c)
	if res.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	c.JSON(http.StatusOK, topologyAnswerOf(res))
}

// allowEdits is the caller's permission to change a unit, for the store to
// ask about every unit an edit touches.
func allowEdits(c *gin.Context) geo.Allow {
	return func(code string) error { return authorize(c, access.PermEditBoundaries, code) }
}

// authorizeAll checks the caller's scope for the codes a request names
// ("" skipped), before the store reads anything.
func authorizeAll(c *gin.Context, codes []string) error {
	for _, code := range codes {
		if code == "" {
			continue
		}
		if err := authorize(c, access.PermEditBoundaries, code); err != nil {
			return err
		}
	}
	return nil
}

func topologyAnswerOf(res geo.TopologyResult) topologyAnswer {
	a := topologyAnswer{Units: geojson.NewFeatureCollection(), Enclaves: geojson.NewFeatureCollection(),
		Retired: res.Retired, Unchanged: res.Unchanged, Warnings: res.Warnings}
	for i := range res.Units {
		a.Units.Append(unitFeature(&res.Units[i]))
	}
	for i := range res.Enclaves {
		a.Enclaves.Append(enclaveFeature(&res.Enclaves[i]))
	}
	for _, list := range []*[]geo.VersionRef{&a.Retired, &a.Unchanged} {
		if *list == nil {
			*list = []geo.VersionRef{}
		}
	}
	if a.Warnings == nil {
		a.Warnings = []geo.ImportIssue{}
	}
	return a
}
