package api

import (
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// maxStatsDays bounds a statistics period.
const maxStatsDays = 3 * 366

// statsTotals sums counts over some cells.
type statsTotals struct {
	Code         string           `json:"code,omitempty"`
	Name         string           `json:"name,omitempty"`
	Count        int64            `json:"count"`       // every report: cases and patrol logs
	PatrolLogs   int64            `json:"patrol_logs"` // records, not cases: outside the figures below
	Open         int64            `json:"open"`
	Closed       int64            `json:"closed"`
	ClosedOnTime int64            `json:"closed_on_time"`
	OnTimeShare  *float64         `json:"on_time_share"` // closed on time / closed; null when none closed
	OverdueOpen  int64            `json:"overdue_open"`  // open now and past the deadline
	ByState      map[string]int64 `json:"by_state"`      // cases only
	ByCategory   map[string]int64 `json:"by_category,omitempty"`
}

func (t *statsTotals) add(c casework.StatsCell) {
	t.Count += c.Count
	if t.ByCategory != nil {
		t.ByCategory[c.Category] += c.Count
	}
	if cat, ok := casework.Categories.Lookup(c.Category); ok && cat.Type == casework.CategoryPatrol {
		t.PatrolLogs += c.Count // closed on arrival with no deadline: would skew the share
		return
	}
	t.ByState[string(c.State)] += c.Count
	switch {
	case c.State == casework.StateClosed:
		t.Closed += c.Count
		t.ClosedOnTime += c.OnTime
	case c.State.Open():
		t.Open += c.Count
	}
}

func (t *statsTotals) finish() {
	if t.Closed > 0 {
		s := casework.Share(int(t.ClosedOnTime), int(t.Closed))
		t.OnTimeShare = &s
	}
}

// stats answers GET /v1/stats?unit=&from=&to=&category=: counts by unit
// (the level below the one asked for) × state × category of the reports
// observed in the period, the share closed within deadline, and the open
// cases overdue now. from and to are dates in China time, both included;
// the default is the 30 days up to today.
func (h *handlers) stats(c *gin.Context) {
	q, err := scopedStatsQuery(c, geo.ChinaDay(h.deps.Now()))
	if err != nil {
		fail(c, err)
		return
	}
	st, err := h.deps.Reports.Stats(c.Request.Context(), q)
	if err == nil {
		err = knownUnit(q.Unit, st.Names)
	}
	if err != nil {
		fail(c, err)
		return
	}
	byUnit := map[string]*statsTotals{}
	total := &statsTotals{ByState: map[string]int64{}, ByCategory: map[string]int64{}}
	unitOf := func(code string) *statsTotals {
		t, ok := byUnit[code]
		if !ok {
			t = &statsTotals{Code: code, Name: st.Names[code], ByState: map[string]int64{}}
			byUnit[code] = t
		}
		return t
	}
	for _, cell := range st.Cells {
		unitOf(cell.Unit).add(cell)
		total.add(cell)
	}
	for code, n := range st.OverdueOpen {
		unitOf(code).OverdueOpen = n
		total.OverdueOpen += n
	}
	units := make([]*statsTotals, 0, len(byUnit))
	for _, t := range byUnit {
		t.finish()
		units = append(units, t)
	}
	sort.Slice(units, func(i, j int) bool { return units[i].Code < units[j].Code })
	total.finish()
	var unit any
	if q.Unit != "" {
		unit = gin.H{"code": q.Unit, "name": st.Names[q.Unit]}
	}
	cells := st.Cells
	if cells == nil {
		cells = []casework.StatsCell{}
	}
	servePrivateJSON(c, jsonMediaType, gin.H{
		"unit": unit, "group_level": st.GroupLevel, "category": q.Category,
		"from": q.From.Format(time.DateOnly), "to": q.To.AddDate(0, 0, -1).Format(time.DateOnly),
		"totals": total, "units": units, "cells": cells,
	})
}

// knownUnit fails a statistics request for a unit that never existed
// (names holds every unit the answer names, current or retired): zeros
// would read as a quiet unit, not as a mistyped code.
func knownUnit(code string, names map[string]string) error {
	if _, ok := names[code]; code != "" && !ok {
		return geo.Errorf(geo.ENOTFOUND, "unit", "unit %s does not exist", code)
	}
	return nil
}

// statsParams are the parameters of GET /v1/stats and /v1/stats/overview.
var statsParams = []string{"unit", "category", "from", "to"}

// scopedStatsQuery is statsQuery narrowed to the caller's scope.
func scopedStatsQuery(c *gin.Context, today time.Time) (casework.StatsQuery, error) {
	if err := onlyParams(c, statsParams); err != nil {
		return casework.StatsQuery{}, err
	}
	q, err := statsQuery(c, today)
	if err == nil {
		err = scopeFilter(c, &q.Unit)
	}
	return q, err
}

// statsQuery reads the unit, category and period of a statistics request;
// the period ends on today (a ChinaDay) unless to says otherwise.
func statsQuery(c *gin.Context, today time.Time) (casework.StatsQuery, error) {
	var q casework.StatsQuery
	var err error
	if s := c.Query("unit"); s != "" {
		if q.Unit, err = parseCode("unit", s); err != nil {
			return q, err
		}
	}
	if q.Category = c.Query("category"); q.Category != "" {
		if _, ok := casework.Categories.Lookup(q.Category); !ok && !isCategoryClass(q.Category) {
			return q, geo.Invalid("category", "unknown category or class %q (e.g. C0111 or C01)", clip(q.Category))
		}
	}
	to, err := parseDay("to", c.Query("to"), today)
	if err != nil {
		return q, err
	}
	from, err := parseDay("from", c.Query("from"), to.AddDate(0, 0, -29))
	if err != nil {
		return q, err
	}
	switch days := int(to.Sub(from).Hours()/24) + 1; {
	case days < 1:
		return q, geo.Invalid("from", "from (%s) is after to (%s)", from.Format(time.DateOnly), to.Format(time.DateOnly))
	case days > maxStatsDays:
		return q, geo.Invalid("from", "the period has %d days; at most %d are allowed", days, maxStatsDays)
	}
	q.From, q.To = from, to.AddDate(0, 0, 1)
	return q, nil
}

// parseDay reads a date (YYYY-MM-DD, a China day) or returns def.
func parseDay(field, s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return t, geo.Invalid(field, "%q is not a date such as 2026-03-01", clip(s))
	}
	return t, nil
}
