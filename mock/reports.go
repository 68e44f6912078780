package mock

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

var _ casework.ReportStore = (*Reports)(nil)

// Reports is an in-memory casework.ReportStore. Creating is idempotent by
// id, moves go through the domain's workflow (Report.Apply, Reattribute,
// Policy.Escalate) and a step carrying a recorded client id is a replay,
// as in the PostgreSQL store.
type Reports struct {
	// Err, if set, is returned by every call.
	Err error

	mu   sync.Mutex
	byID map[string]*casework.Report
}

func (s *Reports) call() (unlock func(), err error) {
	s.mu.Lock()
	if s.byID == nil {
		s.byID = map[string]*casework.Report{}
	}
	return s.mu.Unlock, s.Err
}

// CreateReports implements casework.ReportStore.
func (s *Reports) CreateReports(_ context.Context, rs []casework.Report) ([]casework.CreateResult, error) {
	unlock, err := s.call()
	defer unlock()
	if err != nil {
		return nil, err
	}
	out := make([]casework.CreateResult, len(rs))
	for i, r := range rs {
		stored, ok := s.byID[r.ID]
		switch {
		case !ok:
			r := r
			s.byID[r.ID] = &r
			out[i] = casework.CreateResult{Outcome: casework.Created, Report: r}
		case stored.Hash == r.Hash:
			out[i] = casework.CreateResult{Outcome: casework.Existing, Report: *stored}
		default:
			out[i] = casework.CreateResult{Outcome: casework.Different, Report: *stored}
		}
	}
	return out, nil
}

// lookup returns the stored report id or the store's error for it.
func (s *Reports) lookup(id string) (*casework.Report, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, geo.Invalid("id", "%q is not a UUID", id)
	}
	r, ok := s.byID[id]
	if !ok {
		return nil, geo.Errorf(geo.ENOTFOUND, "id", "no report has id %s", id)
	}
	return r, nil
}

// GetReport implements casework.ReportStore: a step that records nothing.
func (s *Reports) GetReport(_ context.Context, id string) (casework.Report, error) {
	return s.step(id, func(*casework.Report) (casework.Transition, error) { return casework.Transition{}, nil })
}

// ListReports implements casework.ReportStore for the unit (with
// OrReporter), state and kind filters: newest observation first, the cursor an offset.
func (s *Reports) ListReports(_ context.Context, f casework.ReportFilter) ([]casework.Report, string, error) {
	unlock, err := s.call()
	defer unlock()
	if err != nil {
		return nil, "", err
	}
	var out []casework.Report
	for _, r := range s.byID {
		mine := f.OrReporter != "" && r.Reporter == f.OrReporter
		if (strings.HasPrefix(r.UnitCode, f.Unit) || mine) && (len(f.States) == 0 || slices.Contains(f.States, r.State)) &&
			(len(f.Kinds) == 0 || slices.Contains(f.Kinds, r.Kind)) {
			out = append(out, *r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ObservedAt.After(out[j].ObservedAt) })
	from, _ := strconv.Atoi(f.After)
	out = out[min(from, len(out)):]
	if len(out) <= f.Limit {
		return out, "", nil
	}
	return out[:f.Limit], strconv.Itoa(from + f.Limit), nil
}

// Transition implements casework.ReportStore.
func (s *Reports) Transition(_ context.Context, id string, q casework.TransitionRequest, p casework.Policy) (casework.Report, bool, error) {
	if err := q.Validate(); err != nil {
		return casework.Report{}, false, err
	}
	return s.admitted(id, &q, func(r *casework.Report) (casework.Transition, error) {
		return r.Apply(q, p, now())
	})
}

// Reresolve implements casework.ReportStore.
func (s *Reports) Reresolve(_ context.Context, id string, q casework.TransitionRequest, resolve func(casework.Report, int64) (geo.Resolution, error)) (casework.Report, bool, error) {
	if err := q.ValidateReresolve(); err != nil {
		return casework.Report{}, false, err
	}
	return s.admitted(id, &q, func(r *casework.Report) (casework.Transition, error) {
		res, err := resolve(*r, 0)
		if err != nil {
			return casework.Transition{}, err
		}
		return r.Reattribute(res, &q, now())
	})
}

// admitted is step for a person's request q: a replay of a recorded step
// (admit) answers the report as it is, with true, and does not move it.
func (s *Reports) admitted(id string, q *casework.TransitionRequest, move func(*casework.Report) (casework.Transition, error)) (casework.Report, bool, error) {
	replayed := false
	r, err := s.step(id, func(r *casework.Report) (casework.Transition, error) {
		var err error
		if replayed, err = admit(r, q); err != nil || replayed {
			return casework.Transition{}, err
		}
		return move(r)
	})
	return r, replayed, err
}

// admit finds the step q's client id names in r's history, if any, and
// lets casework decide (TransitionRequest.Admit), as the store does.
func admit(r *casework.Report, q *casework.TransitionRequest) (bool, error) {
	var recorded *casework.Transition
	if i := slices.IndexFunc(r.History, func(t casework.Transition) bool { return t.ClientID == q.ClientID }); q.ClientID != "" && i >= 0 {
		recorded = &r.History[i]
	}
	return q.Admit(r, recorded)
}

// step moves report id by move, which changes a copy and returns the step
// to record (none, with Seq 0, for a replay); the stored report changes
// only when move succeeds.
func (s *Reports) step(id string, move func(*casework.Report) (casework.Transition, error)) (casework.Report, error) {
	unlock, err := s.call()
	defer unlock()
	if err != nil {
		return casework.Report{}, err
	}
	r, err := s.lookup(id)
	if err != nil {
		return casework.Report{}, err
	}
	next := *r
	t, err := move(&next)
	switch {
	case err != nil:
		return casework.Report{}, err
	case t.Seq == 0:
		return *r, nil
	}
	next.History = append(slices.Clone(r.History), t)
	*r = next
	return next, nil
}

// Escalate implements casework.ReportStore.
func (s *Reports) Escalate(_ context.Context, p casework.Policy, at time.Time, limit int) (int, error) {
	unlock, err := s.call()
	defer unlock()
	if err != nil {
		return 0, err
	}
	raised := 0
	for _, r := range s.byID {
		if raised == limit {
			break
		}
		if t, ok := p.Escalate(r, "gridmap:escalate", at); ok {
			r.History = append(r.History, t)
			raised++
		}
	}
	return raised, nil
}

// Stats implements casework.ReportStore: counts by the unit of the group
// level, state and category of the reports observed in the period.
func (s *Reports) Stats(_ context.Context, q casework.StatsQuery) (casework.Stats, error) {
	unlock, err := s.call()
	defer unlock()
	if err != nil {
		return casework.Stats{}, err
	}
	st := casework.Stats{Query: q, GroupLevel: q.GroupLevel(), OverdueOpen: map[string]int64{}, Names: map[string]string{}}
	cells := map[casework.StatsCell]int64{}
	n := st.GroupLevel.CodeLength()
	for _, r := range s.byID {
		day := geo.ChinaDay(r.ObservedAt)
		if !strings.HasPrefix(r.UnitCode, q.Unit) || day.Before(q.From) || !day.Before(q.To) ||
			q.Category != "" && !strings.HasPrefix(r.Category, q.Category) {
			continue
		}
		unit := q.Unit
		if len(r.UnitCode) >= n {
			unit = r.UnitCode[:n]
		}
		cells[casework.StatsCell{Unit: unit, State: r.State, Category: r.Category}]++
	}
	for c, count := range cells {
		c.Count = count
		st.Cells = append(st.Cells, c)
	}
	for _, code := range append([]string{q.Unit}, cellUnits(st.Cells)...) {
		if name, ok := unitNames[code]; ok {
			st.Names[code] = name
		}
	}
	return st, nil
}

// unitNames are the names of the units of the default resolver's chain,
// the only units this package knows.
var unitNames = map[string]string{District: "南开区", Street: "长虹街道", Community: "光明路社区", Grid: "第1网格"}

// cellUnits lists the units of cells.
func cellUnits(cells []casework.StatsCell) []string {
	codes := make([]string, len(cells))
	for i, c := range cells {
		codes[i] = c.Unit
	}
	return codes
}

// photoUses lists the reports listing a photo, in the report or a step.
func (s *Reports) photoUses(checksum string) []casework.PhotoUse {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []casework.PhotoUse
	for _, r := range s.byID {
		if usesPhoto(r, checksum) {
			out = append(out, casework.PhotoUse{ReportID: r.ID, UnitCode: r.UnitCode, AssignedCode: r.AssignedCode, Reporter: r.Reporter})
		}
	}
	return out
}

func usesPhoto(r *casework.Report, checksum string) bool {
	lists := [][]casework.Attachment{r.Attachments}
	for _, t := range r.History {
		lists = append(lists, t.Attachments)
	}
	for _, l := range lists {
		for _, a := range l {
			if a.Checksum == checksum {
				return true
			}
		}
	}
	return false
}
