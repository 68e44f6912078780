package casework

import (
	"fmt"

	"github.com/gridmap-dev/gridmap/geo"
)

// Separation of duties (监管分离): in digital city management the
// supervision side (监督中心) files, checks and closes cases, and the
// command side dispatches them to whoever handles them. Whoever says a case
// is fixed does not also check the fix: the actor of a case's latest handle
// (处置) may neither verify (核查) nor close (结案) it, unless the policy
// lets them (Policy.HandlerMayVerify, for an office of a few people). Nor
// may anyone who handled it since it was last closed reject (作废) it: a
// handler reopening their own fix and rejecting the case ended it unchecked,
// overdue and unescalated.

// handler returns who recorded the case's latest handle, or "" when the
// case has not been handled since it was last reopened. It reads
// r.History, which must hold every step.
func (r *Report) handler() string {
	for i := len(r.History) - 1; i >= 0; i-- {
		switch r.History[i].Action {
		case ActionHandle:
			return r.History[i].Actor
		case ActionReopen:
			return ""
		}
	}
	return ""
}

// checkDuties refuses q when it would have the case's handler check their
// own work. A report whose history is not whole is an error of the store
// that loaded it: without it the rule cannot be kept.
func (p Policy) checkDuties(r *Report, q *TransitionRequest) error {
	if p.HandlerMayVerify || (q.Action != ActionVerify && q.Action != ActionClose && q.Action != ActionReject) {
		return nil
	}
	if len(r.History) != r.Events {
		return fmt.Errorf("report %s: %d of its %d steps loaded; the separation of duties needs them all", r.ID, len(r.History), r.Events)
	}
	if q.Action == ActionReject {
		if r.handledSinceClosed(q.Actor) {
			return geo.Errorf(geo.EFORBIDDEN, "actor", "%s handled report %s and may not reject it: a case its handler worked on is ended by another person (监管分离)",
				q.Actor, r.ID)
		}
		return nil
	}
	if h := r.handler(); h != "" && h == q.Actor {
		return geo.Errorf(geo.EFORBIDDEN, "actor", "%s handled report %s and may not %s it: whoever handles a case does not check it (监管分离); another person must %s it",
			h, r.ID, q.Action, q.Action)
	}
	return nil
}

// handledSinceClosed reports whether actor recorded a handle on the case
// since it was last closed (closing took a second person's check).
func (r *Report) handledSinceClosed(actor string) bool {
	for i := len(r.History) - 1; i >= 0; i-- {
		switch s := r.History[i]; {
		case s.Action == ActionClose:
			return false
		case s.Action == ActionHandle && s.Actor == actor:
			return true
		}
	}
	return false
}
