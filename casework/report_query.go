package casework

import (
	"context"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/paulmach/orb"
)

// ReportFilter selects reports for listing. Zero fields do not filter.
type ReportFilter struct {
	Unit string // a unit code of any level: reports whose responsible chain contains it
	// OrReporter, with Unit, adds the reports this reporter made wherever
	// they lie: a scoped worker's own reports across their grid's edge.
	OrReporter string
	States     []State
	Kinds      []ReportKind
	Categories []string // full codes (C0111) or class codes (C01)
	Severities []int
	Flag       string // only reports carrying this flag
	// Overdue, when set, keeps the open cases past their deadline now
	// (true), as the statistics' overdue_open counts them, or every other
	// report (false).
	Overdue  *bool
	From, To time.Time // observed in [From, To)
	BBox     *orb.Bound
	// CoarseBBox matches BBox against the points rounded to 0.002° (as
	// access.Coarse shows them to callers who may not see exact points),
	// so that boxes cannot locate a point more finely than it is shown.
	CoarseBBox bool
	Reporter   string
	After      string // cursor from the previous page
	Limit      int
}

// StatsQuery asks for counts in a unit over a period of China days.
type StatsQuery struct {
	Unit     string    // "" for every district
	From, To time.Time // days (ChinaDay), From inclusive, To exclusive
	Category string    // "" for every category; a class code (C01) or a full code
}

// GroupLevel is the level stats are broken down by: the level below the
// unit's (districts for the whole city; a grid is broken down by itself).
func (q StatsQuery) GroupLevel() geo.Level {
	if q.Unit == "" {
		return geo.District
	}
	l, err := geo.LevelOfCode(q.Unit)
	if err != nil {
		return geo.District
	}
	if r := l.Rank(); r+1 < geo.NumLevels {
		return geo.Levels[r+1]
	}
	return l
}

// StatsCell is one count: reports in one unit, state and category.
type StatsCell struct {
	Unit     string `json:"unit"`
	State    State  `json:"state"`
	Category string `json:"category"`
	Count    int64  `json:"count"`
	OnTime   int64  `json:"closed_on_time,omitempty"`
}

// Stats is the answer to a StatsQuery. Cells are the counts; a cell's unit
// is a unit of the group level, or the queried unit itself for reports that
// no unit of the group level answers for (an unmanaged spot in a community
// has no grid). OverdueOpen counts open cases past their deadline now, per
// unit.
type Stats struct {
	Query       StatsQuery
	GroupLevel  geo.Level
	Cells       []StatsCell
	OverdueOpen map[string]int64
	Names       map[string]string // unit names, for display
}

// StatDelta is a change of one statistics cell caused by one write.
type StatDelta struct {
	Day      time.Time
	Unit     string
	Category string
	State    State
	N        int
	OnTime   int
}

func statKey(r *Report) StatDelta {
	d := StatDelta{Day: geo.ChinaDay(r.ObservedAt), Unit: r.UnitCode, Category: r.Category, State: r.State}
	if r.State == StateClosed && r.ClosedOnTime != nil && *r.ClosedOnTime {
		d.OnTime = 1
	}
	return d
}

// StatDeltas returns the statistics changes of a write that turned before
// into after (before nil: a new report). Statistics are kept by the day the
// report was observed, its responsible unit, category and state.
func StatDeltas(before, after *Report) []StatDelta {
	a := statKey(after)
	a.N = 1
	if before == nil {
		return []StatDelta{a}
	}
	b := statKey(before)
	if b.Day.Equal(a.Day) && b.Unit == a.Unit && b.Category == a.Category && b.State == a.State {
		if b.OnTime == a.OnTime {
			return nil
		}
		a.N, a.OnTime = 0, a.OnTime-b.OnTime
		return []StatDelta{a}
	}
	b.N, b.OnTime = -1, -b.OnTime
	return []StatDelta{b, a}
}

// CreateOutcome says what happened to one report of a create call.
type CreateOutcome int

// The outcomes.
const (
	Created   CreateOutcome = iota // stored now
	Existing                       // the same report was stored before: the stored one is returned
	Different                      // the id is taken by a report with other content
)

// CreateResult is the answer for one report of a create call.
type CreateResult struct {
	Outcome CreateOutcome
	Report  Report // the stored report (for Different: the one holding the id)
}

// ReportStore keeps reports and their history. Every write is one
// transaction; creating is idempotent by id. Storage failures are
// EUNAVAILABLE, so clients retry, and a retry is safe.
type ReportStore interface {
	// CreateReports stores new reports in one transaction and answers for
	// each in order.
	CreateReports(ctx context.Context, rs []Report) ([]CreateResult, error)
	// GetReport returns a report with its full history, or ENOTFOUND.
	GetReport(ctx context.Context, id string) (Report, error)
	// ListReports returns one page, newest observation first, and the next cursor.
	ListReports(ctx context.Context, f ReportFilter) ([]Report, string, error)
	// Transition applies a person's request to a report under a row lock,
	// after TransitionRequest.Admit: a retry carrying the ClientID of a
	// step the same actor recorded, with the same body, returns the report
	// as it is, with replayed true; the same ClientID with another body is
	// ECONFLICT; and q.Authorize is asked, under the lock, for anything else.
	Transition(ctx context.Context, id string, q TransitionRequest, p Policy) (r Report, replayed bool, err error)
	// Reresolve re-runs resolve on the report's point (at now) and records
	// the old answer in the history. q (Action ActionReresolve) is admitted
	// as Transition admits a step: a retry of the same actor's recorded
	// re-resolution, by its ClientID, returns the report as it is, with
	// replayed true, and resolves nothing. resolve answers from data
	// version floor at least (0: any): the store asks again, with a floor,
	// when the boundaries moved past the answer before it was stored.
	Reresolve(ctx context.Context, id string, q TransitionRequest, resolve func(r Report, floor int64) (geo.Resolution, error)) (r Report, replayed bool, err error)
	// Escalate raises every overdue or under-floor open case, at most limit
	// of them, and returns how many were raised.
	Escalate(ctx context.Context, p Policy, now time.Time, limit int) (int, error)
	// Stats counts reports by unit, state and category.
	Stats(ctx context.Context, q StatsQuery) (Stats, error)
}
