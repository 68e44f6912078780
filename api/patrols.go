package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// createPatrol answers POST /v1/patrols: it stores the track and answers
// what it achieved for the worker's grid (given, or the grid where most of
// the track lies) and the grid's coverage so far that day.
func (h *handlers) createPatrol(c *gin.Context) {
	s, err := jsonBody(c, maxPatrolBody)
	var in casework.PatrolInput
	if err == nil {
		in, err = readPatrol(s)
	}
	if err == nil {
		err = h.claimWorker(c, &in)
	}
	if err == nil {
		err = claimGrid(c, in.Grid)
	}
	if err == nil {
		err = in.Validate(time.Now())
	}
	if err != nil {
		fail(c, err)
		return
	}
	p, err := h.measurePatrol(c, in)
	if err != nil {
		fail(c, err)
		return
	}
	outcome, stored, err := h.deps.Patrols.CreatePatrol(c.Request.Context(), p)
	if err != nil {
		fail(c, err)
		return
	}
	status := http.StatusCreated
	switch outcome {
	case casework.Existing:
		status = http.StatusOK
	case casework.Different:
		fail(c, geo.Errorf(geo.ECONFLICT, "id", "patrol %s is already stored with different content; a new track needs a new id", p.ID))
		return
	}
	h.answerPosition(c) // a patrol records no event to wake readers for
	out := gin.H{"id": stored.ID, "worker": stored.Worker, "grid": nil, "summary": summaryJSON(stored.Summary),
		"received_at": stored.ReceivedAt, "res": casework.PatrolRes}
	if stored.Grid != "" {
		out["grid"] = gin.H{"code": stored.Grid, "name": stored.GridName}
		day := geo.ChinaDay(stored.Summary.Start)
		if d, err := h.deps.Patrols.PatrolDay(c.Request.Context(), stored.Grid, day); err == nil {
			if cov := d.Coverage(gridCellCache); len(cov) == 1 {
				if !h.exposure(c, stored.Grid).Shows(access.FieldReporter) {
					cov[0].Workers = []string{}
				}
				out["day"] = gin.H{"date": day.Format(time.DateOnly), "coverage": cov[0]}
			}
		}
	}
	c.JSON(status, out)
}

// claimWorker ties a track to the caller as claimReporter does a report.
func (h *handlers) claimWorker(c *gin.Context, in *casework.PatrolInput) error {
	p, ok := callerOf(c)
	switch {
	case !ok:
	case in.Worker == "":
		in.Worker = p.Name
	case p.Role == access.RoleAdmin || in.Worker == p.Name:
	default:
		return geo.Errorf(geo.EFORBIDDEN, "worker", "this token reports as %q and may not upload for %q", p.Name, clip(in.Worker))
	}
	return nil
}

// patrolScope is the unit a caller's patrols are credited within: the
// scope its writes are made under, which permit put on the request (a
// scoped token's, admins exempt), "" for everywhere. A report may be filed
// anywhere, but a patrol counts for the coverage of a grid and the cells
// it visits, figures a street is judged by: a worker may not credit them
// to grids outside their own area.
func patrolScope(c *gin.Context) string { return geo.EditScopeOf(c.Request.Context()) }

// claimGrid refuses a patrol that names a grid outside the caller's scope.
func claimGrid(c *gin.Context, grid string) error {
	if scope := patrolScope(c); grid != "" && scope != "" && !strings.HasPrefix(grid, scope) {
		return geo.Errorf(geo.EFORBIDDEN, "grid", "grid %s is outside this token's scope %s; a patrol counts for a grid of one's own", clip(grid), scope)
	}
	return nil
}

// maxGridSamples bounds the fixes resolved to find the worker's grid.
const maxGridSamples = 256

// measurePatrol finds the grid, measures the track against it, and tags
// the visited cells with the unit holding their centre. Both use the
// current boundaries: a patrol is measured when it is uploaded.
func (h *handlers) measurePatrol(c *gin.Context, in casework.PatrolInput) (casework.Patrol, error) {
	ctx := c.Request.Context()
	p := casework.Patrol{PatrolInput: in, ReceivedAt: time.Now().UTC().Truncate(time.Microsecond), Hash: in.Fingerprint()}
	fixes := in.WGS84Fixes()
	if p.Grid == "" {
		step := max(1, len(fixes)/maxGridSamples)
		var qs []geo.ResolveQuery
		for i := 0; i < len(fixes); i += step {
			qs = append(qs, geo.ResolveQuery{Point: fixes[i].Point})
		}
		res, _ := h.deps.Resolver.ResolveMany(ctx, qs)
		p.Grid = casework.MajorityGrid(res)
	}
	// A track mostly outside the caller's area is kept, credited to no grid.
	scope := patrolScope(c)
	if !strings.HasPrefix(p.Grid, scope) {
		p.Grid = ""
	}
	var gridGeom orb.MultiPolygon
	var cells casework.CellSet
	if p.Grid != "" {
		u, err := h.deps.Units.GetUnit(ctx, p.Grid, time.Time{})
		if geo.ErrorCodeOf(err) == geo.ENOTFOUND {
			return p, geo.Invalid("grid", "no current grid has code %s", p.Grid)
		}
		if err != nil {
			return p, err
		}
		gridGeom, p.GridName, cells = u.Geom, u.Name, gridCellCache.Set(&u)
	}
	summary, visits := casework.SummariseTrack(fixes, gridGeom, cells)
	qs := make([]geo.ResolveQuery, len(visits))
	for i, v := range visits {
		qs[i] = geo.ResolveQuery{Point: casework.CellCentre(v.Cell)}
	}
	res, errs := h.deps.Resolver.ResolveMany(ctx, qs)
	kept := visits[:0]
	for i, v := range visits {
		if errs[i] == nil {
			v.Unit = casework.GeographicCode(&res[i])
		}
		// Cells outside the caller's area (or in none) count for nobody.
		if scope == "" || strings.HasPrefix(v.Unit, scope) {
			kept = append(kept, v)
		}
	}
	p.Summary, p.Visits = summary, kept
	return p, nil
}

func summaryJSON(s casework.TrackSummary) gin.H {
	return gin.H{"start": s.Start, "end": s.End, "distance_m": s.DistanceM,
		"inside_s": s.Inside.Seconds(), "outside_s": s.Outside.Seconds(), "untracked_s": s.Untracked.Seconds(),
		"grid_cells": s.GridCells, "visited_cells": s.VisitedCells, "coverage": s.Coverage}
}

// patrolCoverage answers GET /v1/patrols/coverage?unit=&date=: for every
// grid under the unit, the share of its cells visited that day (by anyone)
// and the time patrols of the grid spent inside and outside it.
func (h *handlers) patrolCoverage(c *gin.Context) {
	unit, err := parseCode("unit", c.Query("unit"))
	if err == nil {
		err = scopeFilter(c, &unit)
	}
	if err != nil {
		fail(c, err)
		return
	}
	day, err := parseDay("date", c.Query("date"), geo.ChinaDay(h.deps.Now()))
	if err != nil {
		fail(c, err)
		return
	}
	grids, totals, err := h.coverage(c, unit, day)
	if err != nil {
		fail(c, err)
		return
	}
	servePrivateJSON(c, jsonMediaType, gin.H{"unit": unit, "date": day.Format(time.DateOnly), "res": casework.PatrolRes,
		"totals": totals, "grids": grids})
}

// patrolTotals is the coverage of the grids under unit on a day, summed.
func (h *handlers) patrolTotals(c *gin.Context, unit string, day time.Time) (casework.CoverageTotals, error) {
	_, totals, err := h.coverage(c, unit, day)
	return totals, err
}

// coverage is every grid's coverage under unit on a day, and the totals.
// Workers' names go only to callers who may see them.
func (h *handlers) coverage(c *gin.Context, unit string, day time.Time) ([]casework.GridCoverage, casework.CoverageTotals, error) {
	d, err := h.deps.Patrols.PatrolDay(c.Request.Context(), unit, day)
	if err != nil {
		return nil, casework.CoverageTotals{}, err
	}
	grids := d.Coverage(gridCellCache)
	for i, g := range grids {
		if !h.exposure(c, g.Code).Shows(access.FieldReporter) {
			grids[i].Workers = []string{}
		}
	}
	return grids, casework.SumCoverage(grids), nil
}
