package api

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// The command centre's big screen (指挥大屏): the page at /screen and the
// figures it opens with, GET /v1/stats/overview. After that the screen
// follows GET /v1/events and updates its figures from the events, not by
// asking again.

func (h *handlers) screenRoutes(r *gin.Engine) {
	r.GET("/screen", func(c *gin.Context) { h.serveAsset(c, "screen.html") })
	r.GET("/v1/stats/overview", h.overview)
}

// overviewFigures are the key figures of a unit.
type overviewFigures struct {
	ReportsToday   int64                   `json:"reports_today"` // cases observed today (China time)
	Open           int64                   `json:"open"`
	OpenBySeverity map[string]int64        `json:"open_by_severity"` // "1".."4"
	OverdueOpen    int64                   `json:"overdue_open"`     // open and past the deadline now
	Closed         int64                   `json:"closed"`           // of the period's cases
	ClosedOnTime   int64                   `json:"closed_on_time"`
	OnTimeShare    *float64                `json:"on_time_share"` // closed within deadline / closed; null when none closed
	Unmanaged      gin.H                   `json:"unmanaged"`     // gaps of the coverage audit: count, area_m2
	Patrol         casework.CoverageTotals `json:"patrol_today"`
}

// overview answers GET /v1/stats/overview?unit=&from=&to=: the key figures,
// the trend by day, the cases by category and the ranking of the child
// units by open and overdue cases. The period defaults to the 30 days up
// to today.
func (h *handlers) overview(c *gin.Context) {
	store, ok := h.deps.Reports.(casework.OverviewStore)
	if !ok || h.deps.Patrols == nil {
		fail(c, geo.Errorf(geo.EUNAVAILABLE, "", "this service has no statistics configured"))
		return
	}
	// One reading of the clock: the default period must end on the day the
	// figures call today, also when the request straddles midnight.
	today := geo.ChinaDay(h.deps.Now())
	q, err := scopedStatsQuery(c, today)
	if err != nil {
		fail(c, err)
		return
	}
	o, err := store.Overview(c.Request.Context(), q)
	if err == nil {
		err = knownUnit(q.Unit, o.Names)
	}
	if err != nil {
		fail(c, err)
		return
	}
	patrol, err := h.patrolTotals(c, q.Unit, today)
	if err != nil {
		fail(c, err)
		return
	}
	days := o.Days()
	figs := figuresOf(&o, days, today.Format(time.DateOnly))
	figs.Unmanaged = gin.H{"count": o.Gaps, "area_m2": o.GapAreaM2}
	figs.Patrol = patrol
	var unit any
	if q.Unit != "" {
		unit = gin.H{"code": q.Unit, "name": o.Names[q.Unit], "level": levelName(q.Unit)}
	}
	servePrivateJSON(c, jsonMediaType, gin.H{"unit": unit, "group_level": q.GroupLevel(), "today": today.Format(time.DateOnly),
		"from": q.From.Format(time.DateOnly), "to": q.To.AddDate(0, 0, -1).Format(time.DateOnly),
		"figures": figs, "trend": days, "by_category": o.ByCategory(), "ranking": o.Ranking(),
		"children": o.Names})
}

// figuresOf sums the key figures.
func figuresOf(o *casework.Overview, days []casework.DayTotals, today string) overviewFigures {
	f := overviewFigures{OpenBySeverity: map[string]int64{}}
	for s := casework.MinSeverity; s <= casework.MaxSeverity; s++ {
		f.OpenBySeverity[string(rune('0'+s))] = o.Open[s]
		f.Open += o.Open[s]
		f.OverdueOpen += o.OverdueBy[s]
	}
	for _, d := range days {
		if d.Day == today {
			f.ReportsToday = d.Reports
		}
		f.Closed += d.Closed
		f.ClosedOnTime += d.ClosedOnTime
	}
	if f.Closed > 0 {
		s := casework.Share(int(f.ClosedOnTime), int(f.Closed))
		f.OnTimeShare = &s
	}
	return f
}

func levelName(code string) string {
	l, err := geo.LevelOfCode(code)
	if err != nil {
		return ""
	}
	return string(l)
}
