package casework

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// legal is the workflow written out independently of the implementation's
// table: every (state, action) pair not listed here must be refused.
var legal = map[State]map[Action]State{
	StateReported:   {ActionAccept: StateAccepted, ActionReject: StateRejected, ActionEscalate: StateReported},
	StateAccepted:   {ActionDispatch: StateDispatched, ActionReject: StateRejected, ActionEscalate: StateAccepted},
	StateDispatched: {ActionHandle: StateHandled, ActionReturn: StateAccepted, ActionEscalate: StateDispatched},
	StateHandled:    {ActionVerify: StateVerified, ActionReopen: StateReopened, ActionEscalate: StateHandled},
	StateVerified:   {ActionClose: StateClosed, ActionReopen: StateReopened, ActionEscalate: StateVerified},
	StateClosed:     {ActionReopen: StateReopened},
	StateRejected:   {ActionReopen: StateReopened},
	StateReopened:   {ActionDispatch: StateDispatched, ActionReject: StateRejected, ActionEscalate: StateReopened},
}

func TestEveryTransition(t *testing.T) {
	for _, from := range States {
		for _, a := range UserActions {
			want, ok := legal[from][a]
			t.Run(string(from)+"/"+string(a), func(t *testing.T) {
				got, err := Next(from, a)
				if ok {
					if err != nil || got != want {
						t.Fatalf("Next = %q, %v; want %q", got, err, want)
					}
					return
				}
				var ge *geo.Error
				if !errors.As(err, &ge) || ge.Code != geo.ECONFLICT || ge.Field != "action" {
					t.Fatalf("illegal step gave %v; want ECONFLICT on action", err)
				}
				if !strings.Contains(ge.Message, "in state "+string(from)) {
					t.Errorf("message %q does not name the current state", ge.Message)
				}
			})
		}
	}
}

// caseFixture returns an open hazard at a grid of a full chain, due in 48 h.
func caseFixture(now time.Time) *Report {
	res := geo.Resolution{Status: geo.StatusManaged, Chain: geo.Chain{
		Grid: &geo.Ref{Code: "120104001001001"}, Community: &geo.Ref{Code: "120104001001"},
		Street: &geo.Ref{Code: "120104001"}, District: &geo.Ref{Code: "120104"}}}
	in := ReportInput{ID: "5b2e9b7e-8a55-4d2c-9a5e-1c3f5e0e0a01", Kind: KindHazard, Category: "E0506", Severity: 2,
		Point: [2]float64{117.15, 39.11}, Reporter: "王伟", ObservedAt: now.Add(-time.Hour)}
	r, err := NewReport(in, res, DefaultPolicy(), now)
	if err != nil {
		panic(err)
	}
	return &r
}

func TestApply(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	p := DefaultPolicy()
	walk := func(r *Report, at time.Time, actions ...Action) error {
		for _, a := range actions {
			q := TransitionRequest{Action: a, Actor: "监督中心", Note: "理由"}
			if a == ActionHandle {
				q.Actor = "城管处置组"
			}
			step, err := r.Apply(q, p, at)
			if err != nil {
				return err
			}
			r.History = append(r.History, step)
		}
		return nil
	}
	full := []Action{ActionAccept, ActionDispatch, ActionHandle, ActionVerify, ActionClose}
	t.Run("closed within the deadline", func(t *testing.T) {
		r := caseFixture(now)
		if err := walk(r, now.Add(time.Hour), full...); err != nil {
			t.Fatal(err)
		}
		if r.State != StateClosed || r.ClosedAt == nil || !*r.ClosedOnTime || r.LevelDueAt != nil || r.Events != 6 {
			t.Errorf("closed report: %+v", r)
		}
	})
	t.Run("closed late, then reopened", func(t *testing.T) {
		r := caseFixture(now)
		if err := walk(r, now.Add(72*time.Hour), full...); err != nil {
			t.Fatal(err)
		}
		if *r.ClosedOnTime {
			t.Error("closed 72 h after a 48 h deadline counts as on time")
		}
		if err := walk(r, now.Add(73*time.Hour), ActionReopen); err != nil {
			t.Fatal(err)
		}
		if r.State != StateReopened || r.ClosedAt != nil || r.ClosedOnTime != nil || r.LevelDueAt == nil {
			t.Errorf("reopened report: %+v", r)
		}
	})
	// A fix that fails its check keeps the level's clock: a reviewer kept
	// an overdue case from escalating by handling and reopening it again
	// and again, each reopen starting a fresh clock.
	t.Run("reopened before closing keeps the level's clock", func(t *testing.T) {
		r := caseFixture(now)
		if err := walk(r, now.Add(time.Hour), ActionAccept, ActionDispatch); err != nil {
			t.Fatal(err)
		}
		due := *r.LevelDueAt
		for i := 0; i < 3; i++ {
			if err := walk(r, now.Add(time.Duration(2+i)*time.Hour), ActionHandle, ActionReopen, ActionDispatch); err != nil {
				t.Fatal(err)
			}
		}
		if !r.LevelDueAt.Equal(due) {
			t.Errorf("the level's clock moved from %s to %s through failed checks", due, r.LevelDueAt)
		}
		if err := walk(r, now.Add(6*time.Hour), ActionHandle, ActionVerify, ActionReopen); err != nil {
			t.Fatal(err)
		}
		if !r.LevelDueAt.Equal(due) {
			t.Errorf("reopened after verifying: the level's clock moved from %s to %s", due, r.LevelDueAt)
		}
	})
	// An attacker holding one worker's token kept an overdue case at the
	// grid by rejecting and reopening it whenever its clock ran low: the
	// reopen of a rejected case started a fresh clock.
	t.Run("rejected and reopened keeps the level's clock", func(t *testing.T) {
		r := caseFixture(now)
		due := *r.LevelDueAt
		for i := 0; i < 3; i++ {
			if err := walk(r, now.Add(time.Duration(40+i)*time.Hour), ActionReject, ActionReopen); err != nil {
				t.Fatal(err)
			}
			if r.LevelDueAt == nil || !r.LevelDueAt.Equal(due) {
				t.Fatalf("after reject and reopen %d: the level's clock is %v, want %s", i+1, r.LevelDueAt, due)
			}
		}
		if e, ok := p.decide(r, now.Add(49*time.Hour), false); !ok || e.reason != "overdue" {
			t.Errorf("the reopened case is not escalated when its level's time has run out: %+v %v", e, ok)
		}
	})
	cases := []struct {
		name  string
		q     TransitionRequest
		field string
	}{
		{"reject without a reason", TransitionRequest{Action: ActionReject, Actor: "a"}, "note"},
		{"no actor", TransitionRequest{Action: ActionAccept}, "actor"},
		{"unknown action", TransitionRequest{Action: "approve", Actor: "a"}, "action"},
		{"system action", TransitionRequest{Action: ActionReresolve, Actor: "a"}, "action"},
		{"bad client id", TransitionRequest{Action: ActionAccept, Actor: "a", ClientID: "x"}, "client_id"},
		{"stale expectation", TransitionRequest{Action: ActionAccept, Actor: "a", Expect: StateAccepted}, "expect"},
		{"illegal step", TransitionRequest{Action: ActionClose, Actor: "a"}, "action"},
		{"invalid UTF-8 note", TransitionRequest{Action: ActionAccept, Actor: "a", Note: "\xff"}, "note"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := caseFixture(now)
			before := *r
			_, err := r.Apply(c.q, p, now)
			var ge *geo.Error
			if !errors.As(err, &ge) || ge.Field != c.field {
				t.Fatalf("err %v; want one naming %q", err, c.field)
			}
			if r.State != before.State || r.Events != before.Events {
				t.Error("a refused step changed the report")
			}
		})
	}
	t.Run("patrol logs have no workflow", func(t *testing.T) {
		r := caseFixture(now)
		r.Kind, r.State = KindPatrolLog, StateClosed
		if _, err := r.Apply(TransitionRequest{Action: ActionReopen, Actor: "a", Note: "x"}, p, now); geo.ErrorCodeOf(err) != geo.ECONFLICT {
			t.Errorf("err %v", err)
		}
	})
}

func TestEscalation(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	p := DefaultPolicy()
	late := now.Add(49 * time.Hour)
	cases := []struct {
		name      string
		setup     func(r *Report)
		at        time.Time
		wantLevel geo.Level
		wantCode  string
		want      bool
	}{
		{"not due yet", func(r *Report) {}, now.Add(time.Hour), geo.Grid, "120104001001001", false},
		{"overdue at the grid", func(r *Report) {}, late, geo.Community, "120104001001", true},
		{"overdue at the community", func(r *Report) { r.Level, r.AssignedCode = geo.Community, "120104001001" }, late, geo.Street, "120104001", true},
		{"overdue at the street", func(r *Report) { r.Level, r.AssignedCode = geo.Street, "120104001" }, late, geo.District, "120104", true},
		{"overdue at the top", func(r *Report) { r.Level, r.AssignedCode = geo.District, "120104" }, late, geo.District, "120104", true},
		{"closed cases stay", func(r *Report) { r.State = StateClosed }, late, geo.Grid, "120104001001001", false},
		{"severe case below its floor", func(r *Report) { r.Severity = 4 }, now, geo.Street, "120104001", true},
		{"no grid in the chain (unmanaged)", func(r *Report) {
			r.Resolution.Grid = nil
			r.Level, r.AssignedCode = geo.Community, "120104001001"
		}, late, geo.Street, "120104001", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := caseFixture(now)
			c.setup(r)
			tr, ok := p.Escalate(r, "gridmap:escalate", c.at)
			if ok != c.want || r.Level != c.wantLevel || r.AssignedCode != c.wantCode {
				t.Fatalf("ok %v, now at %s %s; want %v, %s %s", ok, r.Level, r.AssignedCode, c.want, c.wantLevel, c.wantCode)
			}
			if !ok {
				return
			}
			if tr.Action != ActionEscalate || tr.From != r.State || tr.To != r.State || tr.Detail["reason"] == nil || r.Escalations != 1 {
				t.Errorf("step %+v", tr)
			}
			if _, again := p.Escalate(r, "gridmap:escalate", c.at); again {
				t.Error("escalated twice at the same moment")
			}
		})
	}
	t.Run("manual escalation (吹哨)", func(t *testing.T) {
		r := caseFixture(now)
		tr, err := r.Apply(TransitionRequest{Action: ActionEscalate, Actor: "街道"}, p, now)
		if err != nil || r.Level != geo.Community || tr.Detail["reason"] != "manual" {
			t.Fatalf("%v, %+v", err, tr)
		}
	})
}

func TestInitialAssignment(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for sev, want := range map[int]geo.Level{1: geo.Grid, 2: geo.Grid, 3: geo.Community, 4: geo.Street} {
		r := caseFixture(now)
		res := r.Resolution
		in := r.ReportInput
		in.Severity = sev
		got, err := NewReport(in, res, DefaultPolicy(), now)
		if err != nil || got.Level != want {
			t.Errorf("severity %d starts at %s (%v); want %s", sev, got.Level, err, want)
		}
		// A raised start is said in the step's detail, for clients' own words.
		floor, raised := got.History[0].Detail["floor"]
		if raised != (want != geo.Grid) || raised && floor != want {
			t.Errorf("severity %d: the report step's floor is %v (%v)", sev, floor, raised)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	cases := []struct {
		deadlines, floors, field string
	}{
		{"1=240h,4=30m", "4=district", ""},
		{"", "", ""},
		{"5=1h", "", "deadlines"},
		{"1=soon", "", "deadlines"},
		{"1=10s", "", "deadlines"},
		{"", "2=province", "floors"},
		{"1", "", "deadlines"},
	}
	for _, c := range cases {
		t.Run(c.deadlines+"|"+c.floors, func(t *testing.T) {
			p, err := ParsePolicy(c.deadlines, c.floors)
			var ge *geo.Error
			switch {
			case c.field == "" && err != nil:
				t.Fatal(err)
			case c.field != "" && (!errors.As(err, &ge) || ge.Field != c.field):
				t.Fatalf("err %v; want one naming %s", err, c.field)
			case c.deadlines == "1=240h,4=30m" && (p.Deadline(1) != 240*time.Hour || p.Deadline(4) != 30*time.Minute || p.Floors[4] != geo.District || p.Deadline(2) != 48*time.Hour):
				t.Errorf("policy %s", p)
			}
		})
	}
}

// TestAdmitAsksTheRecordingToken: a retry of a recorded step is a replay
// only through the token that recorded it (or a step recorded before
// tokens were, which has none); under the same actor's name through
// another token it is a conflict on client_id.
func TestAdmitAsksTheRecordingToken(t *testing.T) {
	r := &Report{ReportInput: ReportInput{ID: "r1"}}
	cases := []struct {
		name, recordedBy, caller string
		replay                   bool
	}{
		{"the same token", "留园里网格员", "留园里网格员", true},
		{"a step from before tokens were recorded", "", "留园里网格员", true},
		{"no tokens at all", "", "", true},
		{"an admin naming the actor", "留园里网格员", "指挥中心", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recorded := &Transition{Action: ActionAccept, Actor: "留园里网格员", RecordedBy: c.recordedBy}
			q := TransitionRequest{ClientID: "c1", Action: ActionAccept, Actor: "留园里网格员", RecordedBy: c.caller}
			replay, err := q.Admit(r, recorded)
			if c.replay && (!replay || err != nil) {
				t.Fatalf("replay %v, %v; want a replay", replay, err)
			}
			if !c.replay && (replay || geo.ErrorCodeOf(err) != geo.ECONFLICT) {
				t.Fatalf("replay %v, %v; want a conflict on client_id", replay, err)
			}
		})
	}
}
