package casework

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// Deadlines and escalation: "小事不出网格，大事不出街，难事不出区". A case
// starts at the finest unit of its responsible chain, or higher when it is
// severe; when it sits past its deadline it climbs the chain one level at a
// time (grid → community → street → district) and each climb is recorded.
//
// Clocks run on wall time (what the standards call 紧急工作时). Cities that
// count office hours need a work calendar; that is not modelled yet.

// MinSeverity and MaxSeverity bound a report's severity: 1 简易, 2 一般,
// 3 突出, 4 重大 (the tiers of social-governance platforms).
const (
	MinSeverity = 1
	MaxSeverity = 4
)

// SeverityNames are the Chinese tier names, indexed by severity.
var SeverityNames = [MaxSeverity + 1]string{"", "简易", "一般", "突出", "重大"}

// Policy is the configurable part of the workflow: per severity, how long a
// level has to close a case, and the lowest level allowed to handle it; and
// whether whoever handled a case may also check it.
type Policy struct {
	Deadlines [MaxSeverity + 1]time.Duration // index 0 unused
	Floors    [MaxSeverity + 1]geo.Level     // the finest level that may handle the case
	// HandlerMayVerify lets the actor of a case's latest handle verify and
	// close it too, and whoever handled it reject it. False, the default,
	// keeps the duties apart (监管分离).
	HandlerMayVerify bool
}

// DefaultPolicy: 简易 5 days, 一般 2 days, 突出 8 hours from the community up,
// 重大 2 hours from the street up (大事不出街).
func DefaultPolicy() Policy {
	return Policy{
		Deadlines: [MaxSeverity + 1]time.Duration{0, 120 * time.Hour, 48 * time.Hour, 8 * time.Hour, 2 * time.Hour},
		Floors:    [MaxSeverity + 1]geo.Level{"", geo.MicroGrid, geo.MicroGrid, geo.Community, geo.Street},
	}
}

// ParsePolicy starts from DefaultPolicy and overrides it: deadlines is
// "1=120h,2=48h,3=8h,4=2h" and floors is "3=community,4=street"; either may
// be empty or name only some severities.
func ParsePolicy(deadlines, floors string) (Policy, error) {
	p := DefaultPolicy()
	err := eachSeverity("deadlines", deadlines, func(sev int, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 366*24*time.Hour {
			return geo.Invalid("deadlines", "severity %d: %q is not a duration from 1m to 8784h", sev, v)
		}
		p.Deadlines[sev] = d
		return nil
	})
	if err != nil {
		return p, err
	}
	err = eachSeverity("floors", floors, func(sev int, v string) error {
		l, err := geo.ParseLevel(v)
		if err != nil {
			return geo.Invalid("floors", "severity %d: %v", sev, err)
		}
		p.Floors[sev] = l
		return nil
	})
	return p, err
}

func eachSeverity(field, s string, fn func(int, string) error) error {
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		sev, err := strconv.Atoi(strings.TrimSpace(k))
		if !ok || err != nil || sev < MinSeverity || sev > MaxSeverity {
			return geo.Invalid(field, "%q: want SEVERITY=VALUE with a severity from 1 to 4", part)
		}
		if err := fn(sev, strings.TrimSpace(v)); err != nil {
			return err
		}
	}
	return nil
}

// String formats the policy as its flag values say it.
func (p Policy) String() string {
	var d, f []string
	for sev := MinSeverity; sev <= MaxSeverity; sev++ {
		d = append(d, fmt.Sprintf("%d=%s", sev, p.Deadlines[sev]))
		f = append(f, fmt.Sprintf("%d=%s", sev, p.Floors[sev]))
	}
	duties := "; a handler may not verify or close"
	if p.HandlerMayVerify {
		duties = "; a handler may verify and close"
	}
	return "deadlines " + strings.Join(d, ",") + "; floors " + strings.Join(f, ",") + duties
}

// Deadline is the time a level has for a case of severity sev.
func (p Policy) Deadline(sev int) time.Duration {
	if sev < MinSeverity || sev > MaxSeverity {
		sev = MinSeverity
	}
	return p.Deadlines[sev]
}

// assignment is a handling unit: a level and a code of the chain.
type assignment struct {
	level geo.Level
	code  string
}

// chainSlots returns the filled slots of a resolution's responsible chain,
// finest first. An enclave whose managing unit was not found has an empty
// chain; its responsible reference is then the only slot.
func chainSlots(res *geo.Resolution) []assignment {
	var out []assignment
	for i := geo.NumLevels - 1; i >= 0; i-- {
		if ref := *res.Chain.At(geo.Levels[i]); ref != nil {
			out = append(out, assignment{geo.Levels[i], ref.Code})
		}
	}
	if len(out) == 0 && res.Responsible != nil {
		out = append(out, assignment{res.Responsible.Level, res.Responsible.Code})
	}
	return out
}

// atOrAbove returns the finest filled slot at level l or coarser.
func atOrAbove(slots []assignment, l geo.Level) (assignment, bool) {
	for _, s := range slots {
		if s.level.Rank() <= l.Rank() {
			return s, true
		}
	}
	return assignment{}, false
}

// initialAssignment is the finest unit of the chain, raised to the floor of
// the severity.
func (p Policy) initialAssignment(res *geo.Resolution, sev int) (assignment, string) {
	slots := chainSlots(res)
	if len(slots) == 0 {
		return assignment{}, ""
	}
	a := slots[0]
	floor := p.Floors[sev]
	if floor != "" && a.level.Rank() > floor.Rank() {
		if up, ok := atOrAbove(slots, floor); ok {
			return up, fmt.Sprintf("severity %d (%s) is handled from the %s up", sev, SeverityNames[sev], floor)
		}
	}
	return a, ""
}

// escalationStep is a decided climb.
type escalationStep struct {
	to     assignment
	reason string        // "severity", "overdue", "manual" or "overdue at the top"
	top    bool          // nothing above: recorded once, then the clock stops
	clock  time.Duration // the new level's time for the case
}

// escalation decides whether r climbs now. A manual escalation (a street
// "blowing the whistle", 吹哨) climbs one level regardless of the clock.
func (p Policy) escalation(r *Report, now time.Time, manual bool) (escalationStep, bool) {
	e, ok := p.decide(r, now, manual)
	e.clock = p.Deadline(r.Severity)
	return e, ok
}

func (p Policy) decide(r *Report, now time.Time, manual bool) (escalationStep, bool) {
	if !r.State.Open() || r.Kind == KindPatrolLog {
		return escalationStep{}, false
	}
	slots := chainSlots(&r.Resolution)
	cur := r.Level.Rank()
	if floor := p.Floors[clampSeverity(r.Severity)]; floor != "" && cur > floor.Rank() {
		if up, ok := atOrAbove(slots, floor); ok && up.level.Rank() < cur {
			return escalationStep{to: up, reason: "severity"}, true
		}
	}
	overdue := r.LevelDueAt != nil && !now.Before(*r.LevelDueAt)
	if !manual && !overdue {
		return escalationStep{}, false
	}
	for _, s := range slots {
		if s.level.Rank() < cur {
			reason := "overdue"
			if manual {
				reason = "manual"
			}
			return escalationStep{to: s, reason: reason}, true
		}
	}
	if manual {
		return escalationStep{}, false
	}
	return escalationStep{to: assignment{r.Level, r.AssignedCode}, reason: "overdue at the top", top: true}, true
}

// Escalate raises r if it is overdue at its level or handled below the
// floor of its severity, and returns the step to record; ok is false when
// nothing is due. Overdue at the top of the chain is recorded once and
// stops the level clock (难事不出区: the district keeps it).
func (p Policy) Escalate(r *Report, actor string, now time.Time) (t Transition, ok bool) {
	e, ok := p.escalation(r, now, false)
	if !ok {
		return Transition{}, false
	}
	return r.escalate(e, actor, now), true
}

func (r *Report) escalate(e escalationStep, actor string, now time.Time) Transition {
	detail := map[string]any{"reason": e.reason, "from": map[string]any{"level": r.Level, "code": r.AssignedCode}}
	if r.LevelDueAt != nil && now.After(*r.LevelDueAt) {
		detail["overdue_by"] = now.Sub(*r.LevelDueAt).Round(time.Second).String()
	}
	var note string
	switch {
	case e.top:
		note = fmt.Sprintf("overdue at the top of its chain (%s %s); it stays there", r.Level, r.AssignedCode)
		r.LevelDueAt = nil
	default:
		note = fmt.Sprintf("raised from %s %s to %s %s (%s)", r.Level, r.AssignedCode, e.to.level, e.to.code, e.reason)
		r.Level, r.AssignedCode = e.to.level, e.to.code
		r.LevelDueAt = timePtr(now.Add(e.clock))
	}
	r.Escalations++
	r.UpdatedAt = now
	r.Events++
	return Transition{Seq: r.Events, Action: ActionEscalate, From: r.State, To: r.State, Level: r.Level,
		Code: r.AssignedCode, Assignee: r.Assignee, Actor: actor, At: now, Note: note, Detail: detail}
}

func clampSeverity(sev int) int {
	return min(max(sev, MinSeverity), MaxSeverity)
}
