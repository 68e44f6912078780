package casework

import (
	"errors"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// TestSeparationOfDuties: whoever recorded a case's latest handle may not
// verify or close it (监管分离) unless the policy allows it, nor may anyone
// who handled it since it was last closed reject it. An attacker's single
// reporter token took a case from accept to close in a second; a fifth
// reopened its own fix and rejected the case.
func TestSeparationOfDuties(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	type step struct {
		action Action
		actor  string
	}
	handled := []step{{ActionAccept, "监督员"}, {ActionDispatch, "指挥中心"}, {ActionHandle, "张三"}}
	cases := []struct {
		name     string
		steps    []step // taken first, each must pass
		next     step
		mayCheck bool // Policy.HandlerMayVerify
		refused  bool // EFORBIDDEN on actor
	}{
		{"the handler verifies", handled, step{ActionVerify, "张三"}, false, true},
		{"another person verifies", handled, step{ActionVerify, "监督员"}, false, false},
		{"the reporter verifies", handled, step{ActionVerify, "王伟"}, false, false},
		{"the handler closes", append(handled[:3:3], step{ActionVerify, "监督员"}), step{ActionClose, "张三"}, false, true},
		{"another person closes", append(handled[:3:3], step{ActionVerify, "监督员"}), step{ActionClose, "监督中心"}, false, false},
		{"the handler reopens their own fix", handled, step{ActionReopen, "张三"}, false, false},
		{"the handler verifies where the policy allows it", handled, step{ActionVerify, "张三"}, true, false},
		{"the handler closes where the policy allows it", append(handled[:3:3], step{ActionVerify, "张三"}), step{ActionClose, "张三"}, true, false},
		{"a first handler verifies a second one's fix", append(handled[:3:3],
			step{ActionReopen, "监督员"}, step{ActionDispatch, "指挥中心"}, step{ActionHandle, "李四"}), step{ActionVerify, "张三"}, false, false},
		{"the second handler verifies their own fix", append(handled[:3:3],
			step{ActionReopen, "监督员"}, step{ActionDispatch, "指挥中心"}, step{ActionHandle, "李四"}), step{ActionVerify, "李四"}, false, true},
	}
	reopenedByHandler := append(handled[:3:3], step{ActionReopen, "张三"})
	cases = append(cases, []struct {
		name     string
		steps    []step
		next     step
		mayCheck bool
		refused  bool
	}{
		{"the handler reopens their own fix and rejects the case", reopenedByHandler, step{ActionReject, "张三"}, false, true},
		{"the handler rejects a case whose check failed", append(handled[:3:3], step{ActionReopen, "监督员"}), step{ActionReject, "张三"}, false, true},
		{"another person rejects a reopened case", reopenedByHandler, step{ActionReject, "监督员"}, false, false},
		{"the handler rejects where the policy allows it", reopenedByHandler, step{ActionReject, "张三"}, true, false},
		{"a case not handled yet is rejected by anyone", handled[:1], step{ActionReject, "张三"}, false, false},
		{"the handler of a closed case, reopened, rejects it", append(handled[:3:3], step{ActionVerify, "监督员"},
			step{ActionClose, "监督员"}, step{ActionReopen, "市民热线"}), step{ActionReject, "张三"}, false, false},
	}...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := DefaultPolicy()
			p.HandlerMayVerify = c.mayCheck
			r := caseFixture(now)
			apply := func(s step) error {
				got, err := r.Apply(TransitionRequest{Action: s.action, Actor: s.actor, Note: "理由"}, p, now.Add(time.Hour))
				if err == nil {
					r.History = append(r.History, got)
				}
				return err
			}
			for _, s := range c.steps {
				if err := apply(s); err != nil {
					t.Fatalf("%s by %s: %v", s.action, s.actor, err)
				}
			}
			state := r.State
			err := apply(c.next)
			var ge *geo.Error
			switch {
			case c.refused && (!errors.As(err, &ge) || ge.Code != geo.EFORBIDDEN || ge.Field != "actor"):
				t.Fatalf("%s by %s: %v; want EFORBIDDEN on actor", c.next.action, c.next.actor, err)
			case c.refused && r.State != state:
				t.Errorf("a refused step moved the case from %s to %s", state, r.State)
			case !c.refused && err != nil:
				t.Fatalf("%s by %s: %v", c.next.action, c.next.actor, err)
			}
		})
	}
	t.Run("a history not loaded is an error, not a pass", func(t *testing.T) {
		r := caseFixture(now)
		for _, s := range handled {
			if _, err := r.Apply(TransitionRequest{Action: s.action, Actor: s.actor}, DefaultPolicy(), now); err != nil {
				t.Fatal(err)
			}
		}
		_, err := r.Apply(TransitionRequest{Action: ActionVerify, Actor: "监督员"}, DefaultPolicy(), now)
		var ge *geo.Error
		if err == nil || errors.As(err, &ge) {
			t.Fatalf("verify with 1 of 4 steps loaded: %v; want an internal error", err)
		}
	})
}
