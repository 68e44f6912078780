package casework

import (
	"context"
	"sort"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// Overview is what a command centre's screen (指挥大屏) shows of a unit: the
// reports per day of a period, per category, the open cases by severity and
// per child unit, and the unmanaged land under it. Counts are those of
// Stats (the same rollup, exact); patrol logs are records, not cases, and
// are left out of the case figures.
type Overview struct {
	Query StatsQuery
	// Cells are the period's counts by China day, category and state.
	Cells []DayCell
	// Open holds the open cases by severity (index 1–4) and OverdueBy
	// those of them past their deadline now.
	Open, OverdueBy [MaxSeverity + 1]int64
	// Children are the open and overdue cases per unit of the group level.
	Children []ChildCases
	// Gaps and GapAreaM2 are the unmanaged gaps (失管) of the coverage audit
	// under the unit.
	Gaps      int64
	GapAreaM2 float64
	Names     map[string]string
}

// DayCell is one count of the rollup: reports observed on a day, of one
// category, now in one state.
type DayCell struct {
	Day      string `json:"day"` // YYYY-MM-DD, China time
	Category string `json:"category"`
	State    State  `json:"state"`
	Count    int64  `json:"count"`
	OnTime   int64  `json:"closed_on_time,omitempty"`
}

// ChildCases counts the open cases handled under one unit.
type ChildCases struct {
	Code    string `json:"code"`
	Name    string `json:"name,omitempty"`
	Open    int64  `json:"open"`
	Overdue int64  `json:"overdue"`
}

// OverviewStore answers overviews, reading everything in one snapshot.
type OverviewStore interface {
	Overview(ctx context.Context, q StatsQuery) (Overview, error)
}

// DayTotals are the case figures of one day.
type DayTotals struct {
	Day          string `json:"day"`
	Reports      int64  `json:"reports"` // cases observed that day
	Closed       int64  `json:"closed"`
	ClosedOnTime int64  `json:"closed_on_time"`
}

// Days sums the cells per day over every day of the period (days without
// reports included, as zero), oldest first.
func (o *Overview) Days() []DayTotals {
	by := map[string]*DayTotals{}
	var out []DayTotals
	for d := o.Query.From; d.Before(o.Query.To); d = d.AddDate(0, 0, 1) {
		out = append(out, DayTotals{Day: d.Format(time.DateOnly)})
	}
	for i := range out {
		by[out[i].Day] = &out[i]
	}
	for _, c := range o.Cells {
		t, ok := by[c.Day]
		if !ok || isPatrolCategory(c.Category) {
			continue
		}
		t.Reports += c.Count
		if c.State == StateClosed {
			t.Closed += c.Count
			t.ClosedOnTime += c.OnTime
		}
	}
	return out
}

// CategoryCount is the number of cases of one category.
type CategoryCount struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// ByCategory counts the period's cases per category, the most first.
func (o *Overview) ByCategory() []CategoryCount {
	n := map[string]int64{}
	for _, c := range o.Cells {
		if !isPatrolCategory(c.Category) {
			n[c.Category] += c.Count
		}
	}
	out := make([]CategoryCount, 0, len(n))
	for code, count := range n {
		if count == 0 {
			continue
		}
		cc := CategoryCount{Code: code, Name: code, Count: count}
		if cat, ok := Categories.Lookup(code); ok {
			cc.Name = cat.Name
		}
		out = append(out, cc)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Code < out[j].Code
	})
	return out
}

func isPatrolCategory(code string) bool {
	cat, ok := Categories.Lookup(code)
	return ok && cat.Type == CategoryPatrol
}

// Ranking orders the child units by open cases, then overdue, then code.
func (o *Overview) Ranking() []ChildCases {
	out := make([]ChildCases, len(o.Children))
	for i, c := range o.Children {
		c.Name = o.Names[c.Code]
		out[i] = c
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Open != b.Open {
			return a.Open > b.Open
		}
		if a.Overdue != b.Overdue {
			return a.Overdue > b.Overdue
		}
		return a.Code < b.Code
	})
	return out
}

// UnitLevelRank is the rank of the level a statistics query is about: its
// unit's, or -1 for the whole city.
func (q StatsQuery) UnitLevelRank() int {
	if q.Unit == "" {
		return -1
	}
	l, err := geo.LevelOfCode(q.Unit)
	if err != nil {
		return -1
	}
	return l.Rank()
}
