package casework

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// The case workflow of digital city management (CJ/T 315 立案、处置与结案):
// a report is filed (立案) or rejected, dispatched (派遣)
// to whoever must act, handled (处置), verified on the spot (核查) and
// closed (结案). A department may return a case it cannot handle (回退); a
// failed verification or a complaint after closing reopens it. Every move is
// one Transition with who, when and a note, kept forever.

// State is where a case stands.
type State string

// The states. Closed and rejected are final until reopened.
const (
	StateReported   State = "reported"   // 上报: received, not yet looked at
	StateAccepted   State = "accepted"   // 立案: filed as a case
	StateDispatched State = "dispatched" // 派遣: sent to whoever must act
	StateHandled    State = "handled"    // 处置: the handler says it is fixed
	StateVerified   State = "verified"   // 核查: a grid worker checked the fix on the spot
	StateClosed     State = "closed"     // 结案
	StateRejected   State = "rejected"   // 不予立案/作废: not a case (duplicate, not a problem)
	StateReopened   State = "reopened"   // 重新办理: the fix did not hold, or a complaint after closing
)

// States lists every state in workflow order.
var States = []State{StateReported, StateAccepted, StateDispatched, StateHandled,
	StateVerified, StateClosed, StateRejected, StateReopened}

// ParseState returns the state named s.
func ParseState(field, s string) (State, error) {
	if st := State(s); slices.Contains(States, st) {
		return st, nil
	}
	return "", geo.Invalid(field, "unknown state %q; want one of %s", geo.ClipTo(s, 20), joinStates(States))
}

// Open reports whether the case still needs work: it has a deadline and may
// be escalated.
func (s State) Open() bool { return s != StateClosed && s != StateRejected }

// Action is what a transition does.
type Action string

// The actions. Report, reresolve and (when automatic) escalate are done by
// gridmap itself; the others come from people through the API.
const (
	ActionReport    Action = "report"    // the report arrived
	ActionAccept    Action = "accept"    // 立案
	ActionReject    Action = "reject"    // 不予立案 / 作废
	ActionDispatch  Action = "dispatch"  // 派遣
	ActionReturn    Action = "return"    // 回退: the handler cannot act on it
	ActionHandle    Action = "handle"    // 处置完毕
	ActionVerify    Action = "verify"    // 核查通过
	ActionClose     Action = "close"     // 结案
	ActionReopen    Action = "reopen"    // 核查不通过 / 重新办理
	ActionEscalate  Action = "escalate"  // raised to the next level of the chain
	ActionReresolve Action = "reresolve" // attribution re-run after boundaries changed
)

// workflow is the state machine: from a state, an action leads to a state.
// Escalate is allowed in every open state and leaves the state as it is.
var workflow = map[State]map[Action]State{
	StateReported:   {ActionAccept: StateAccepted, ActionReject: StateRejected},
	StateAccepted:   {ActionDispatch: StateDispatched, ActionReject: StateRejected},
	StateDispatched: {ActionHandle: StateHandled, ActionReturn: StateAccepted},
	StateHandled:    {ActionVerify: StateVerified, ActionReopen: StateReopened},
	StateVerified:   {ActionClose: StateClosed, ActionReopen: StateReopened},
	StateClosed:     {ActionReopen: StateReopened},
	StateRejected:   {ActionReopen: StateReopened},
	StateReopened:   {ActionDispatch: StateDispatched, ActionReject: StateRejected},
}

// UserActions are the actions a person may ask for through the API.
var UserActions = []Action{ActionAccept, ActionReject, ActionDispatch, ActionReturn, ActionHandle,
	ActionVerify, ActionClose, ActionReopen, ActionEscalate}

// Allowed returns the user actions allowed in state s, in UserActions order.
func Allowed(s State) []Action {
	var out []Action
	for _, a := range UserActions {
		if _, ok := workflow[s][a]; ok || (a == ActionEscalate && s.Open()) {
			out = append(out, a)
		}
	}
	return out
}

// Next returns the state action a leads to from s, or ECONFLICT naming the
// current state and what is allowed in it.
func Next(s State, a Action) (State, error) {
	if a == ActionEscalate && s.Open() {
		return s, nil
	}
	if to, ok := workflow[s][a]; ok {
		return to, nil
	}
	allowed := make([]string, 0, 4)
	for _, x := range Allowed(s) {
		allowed = append(allowed, string(x))
	}
	return "", &geo.Error{Code: geo.ECONFLICT, Field: "action", Message: fmt.Sprintf(
		"cannot %s a report in state %s; allowed in state %s: %s", a, s, s, orNone(allowed))}
}

// Transition is one recorded step of a case's history.
type Transition struct {
	Seq      int       `json:"seq"`
	ClientID string    `json:"client_id,omitempty"` // the client's id for an idempotent retry
	Action   Action    `json:"action"`
	From     State     `json:"from,omitempty"`
	To       State     `json:"to"`
	Level    geo.Level `json:"level"` // the handling level after the step
	Code     string    `json:"code"`  // the handling unit after the step
	Assignee string    `json:"assignee,omitempty"`
	Actor    string    `json:"actor"`
	// RecordedBy is the name of the token that recorded the step: the
	// actor's own, or an admin's who named the actor (a clerk entering a
	// department's handle). Empty for a step recorded before migration 020,
	// by a service without tokens, or by gridmap itself.
	RecordedBy string         `json:"recorded_by,omitempty"`
	At         time.Time      `json:"at"`
	Note       string         `json:"note,omitempty"`
	Detail     map[string]any `json:"detail,omitempty"`
	// Attachments are the photos the step was taken with: the fixed spot
	// for a handle (处置后), what the check found for a verify or reopen.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// TransitionRequest is a person's request to move a case.
type TransitionRequest struct {
	ClientID string // optional UUID: a retry with the same id returns the recorded step
	Action   Action
	Actor    string
	// RecordedBy is the caller's token name ("" without tokens).
	RecordedBy string
	Note       string
	Assignee   string // for dispatch: the department or person sent to
	Expect     State  // optional: refuse unless the case is in this state
	// Attachments are stored photos of the step, looked up in the store.
	Attachments []Attachment
	// Authorize, when set, is the caller's right to act on the report as it
	// stands (a scoped token acts on the cases its units handle). The store
	// asks it under the report's lock, through Admit: for every new step,
	// and for a client id another actor recorded.
	Authorize func(Report) error
}

// Admit decides, under the store's lock on r, what request q gets before
// any move. recorded is the step q's client id already names, or nil.
//
// A retry of the actor's own recorded step, with the same body, through
// the same token (a token of the same name), is a replay (true): the store answers the report as it
// is, without asking Authorize, so that a step once recorded stays
// answered as recorded after the case moved out of the caller's scope.
// The same client id with another body is ECONFLICT naming client_id.
// Anything else must pass Authorize first: a client id another actor (or
// another token) recorded is then ECONFLICT too, and out of scope it is
// refused exactly as a new step is, saying nothing about the step.
func (q *TransitionRequest) Admit(r *Report, recorded *Transition) (replay bool, err error) {
	if recorded != nil && recorded.Actor == q.Actor && recordedAlike(recorded.RecordedBy, q.RecordedBy) {
		if !q.repeats(recorded) {
			return false, q.usedFor(r.ID)
		}
		return true, nil
	}
	if q.Authorize != nil {
		if err := q.Authorize(*r); err != nil {
			return false, err
		}
	}
	if recorded != nil {
		return false, q.usedFor(r.ID)
	}
	return false, nil
}

// recordedAlike says whether a step recorded through token was recorded
// through the caller's: a step from before tokens were recorded (empty)
// is taken for the caller's, as its actor was.
func recordedAlike(token, caller string) bool {
	return token == "" || token == caller
}

// usedFor is the conflict of a client id recorded for a different step,
// worded as a report id holding a different report is.
func (q *TransitionRequest) usedFor(id string) error {
	return geo.Errorf(geo.ECONFLICT, "client_id", "client_id %s is already recorded for report %s with different content; a new step needs a new client_id", q.ClientID, id)
}

// repeats says whether q asks again for recorded step t: the same action,
// actor, note, assignee (for a dispatch, the only action that sets it) and
// photos (checksums and names, in order). Expect, a precondition that is
// not recorded, is not compared.
func (q *TransitionRequest) repeats(t *Transition) bool {
	if t.Action != q.Action || t.Actor != q.Actor {
		return false
	}
	note := q.Note
	if q.Action == ActionEscalate {
		// The step's note is the request's and then the line gridmap
		// wrote about the escalation (see Apply).
		auto := t.Note[strings.LastIndexByte(t.Note, '\n')+1:]
		note = strings.TrimSpace(q.Note + "\n" + auto)
	}
	if t.Note != note || (q.Action == ActionDispatch && t.Assignee != q.Assignee) {
		return false
	}
	return slices.EqualFunc(t.Attachments, q.Attachments, func(a, b Attachment) bool {
		return a.Checksum == b.Checksum && a.Name == b.Name
	})
}

// Validate checks the request's own fields.
func (q *TransitionRequest) Validate() error {
	if !slices.Contains(UserActions, q.Action) {
		names := make([]string, len(UserActions))
		for i, a := range UserActions {
			names[i] = string(a)
		}
		return geo.Invalid("action", "unknown action %q; want one of %s", geo.ClipTo(string(q.Action), 20), strings.Join(names, ", "))
	}
	return q.validateFields()
}

// ValidateReresolve checks a request to re-run a report's attribution
// (Report.Reattribute): action ActionReresolve, which no client names in a
// step of its own, with an optional client id, the actor and a note.
func (q *TransitionRequest) ValidateReresolve() error {
	if q.Action != ActionReresolve {
		return geo.Invalid("action", "a re-resolution has action %s, not %q", ActionReresolve, geo.ClipTo(string(q.Action), 20))
	}
	return q.validateFields()
}

// validateFields checks everything but the action.
func (q *TransitionRequest) validateFields() error {
	if err := geo.CheckClientID(&q.ClientID); err != nil {
		return err
	}
	if err := checkName("actor", q.Actor, true); err != nil {
		return err
	}
	if err := checkText("note", q.Note, MaxNote); err != nil {
		return err
	}
	if (q.Action == ActionReject || q.Action == ActionReturn || q.Action == ActionReopen) && strings.TrimSpace(q.Note) == "" {
		return geo.Invalid("note", "a note giving the reason is required to %s a case", q.Action)
	}
	if err := checkName("assignee", q.Assignee, false); err != nil {
		return err
	}
	if q.Expect != "" {
		if _, err := ParseState("expect", string(q.Expect)); err != nil {
			return err
		}
	}
	return checkAttachments(q.Attachments)
}

// Apply moves r by a person's request at now and returns the step to
// record. r is changed only when the move is legal.
func (r *Report) Apply(q TransitionRequest, p Policy, now time.Time) (Transition, error) {
	if err := q.Validate(); err != nil {
		return Transition{}, err
	}
	if r.Kind == KindPatrolLog {
		return Transition{}, geo.Errorf(geo.ECONFLICT, "action", "report %s is a patrol log; patrol logs are records, not cases, and have no workflow", r.ID)
	}
	if q.Expect != "" && q.Expect != r.State {
		return Transition{}, geo.Errorf(geo.ECONFLICT, "expect", "the report is in state %s, not %s", r.State, q.Expect)
	}
	to, err := Next(r.State, q.Action)
	if err != nil {
		return Transition{}, err
	}
	if err := p.checkDuties(r, &q); err != nil {
		return Transition{}, err
	}
	if q.Action == ActionEscalate {
		e, ok := p.escalation(r, now, true)
		if !ok {
			return Transition{}, geo.Errorf(geo.ECONFLICT, "action", "the report is already handled at the top of its chain (%s %s)", r.Level, r.AssignedCode)
		}
		t := r.escalate(e, q.Actor, now)
		t.ClientID, t.RecordedBy, t.Note = q.ClientID, q.RecordedBy, strings.TrimSpace(q.Note+"\n"+t.Note)
		t.Attachments = q.Attachments
		return t, nil
	}
	from := r.State
	r.State, r.UpdatedAt = to, now
	switch {
	case to == StateClosed:
		r.ClosedAt = &now
		onTime := r.DueAt == nil || !now.After(*r.DueAt)
		r.ClosedOnTime = &onTime
		r.LevelDueAt = nil
	case to == StateRejected:
		// The level's clock is kept, not cleared: escalation skips a
		// rejected case, and one reopened owes what it owed before.
	case to == StateReopened:
		// A case reopened after it was closed (a complaint) gets a fresh
		// clock at its current level: closing took a second person's check
		// (监管分离). One reopened before closing (the fix failed its
		// check), or after it was rejected, keeps the level's clock: the
		// level still owes the case, and a fresh clock at every failed
		// check, or at every reject and reopen (one worker can do both),
		// would let a level keep an overdue case from ever being escalated.
		// The original due date stays either way, so the SLA share stays
		// honest.
		r.ClosedAt, r.ClosedOnTime = nil, nil
		if from == StateClosed || r.LevelDueAt == nil {
			r.LevelDueAt = timePtr(now.Add(p.Deadline(r.Severity)))
		}
	}
	if q.Action == ActionDispatch {
		r.Assignee = q.Assignee
	}
	r.Events++
	return Transition{Seq: r.Events, ClientID: q.ClientID, Action: q.Action, From: from, To: to,
		Level: r.Level, Code: r.AssignedCode, Assignee: r.Assignee, Actor: q.Actor, RecordedBy: q.RecordedBy, At: now,
		Note: q.Note, Attachments: q.Attachments}, nil
}

func joinStates(ss []State) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

func orNone(ss []string) string {
	if len(ss) == 0 {
		return "none"
	}
	return strings.Join(ss, ", ")
}

func timePtr(t time.Time) *time.Time { return &t }
