package postgres_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/casework/phototest"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestTransitionReplay: a client id names one recorded step. The same
// actor's retry with the same body is a replay, even when Authorize now
// refuses the actor; another body is ECONFLICT on client_id; and a client id
// another actor recorded is first put to Authorize, so that out of scope it
// is refused exactly as a new step is. Nothing moves in any of these.
func TestTransitionReplay(t *testing.T) {
	e := newReportEnv(t)
	var photos []casework.Attachment
	for seed := range uint8(2) {
		p, thumb := phototest.Prepare(t, phototest.JPEG(t, 64, 48, 70+seed), "甲")
		if _, _, err := e.db.PutPhoto(e.ctx, p, phototest.JPEG(t, 64, 48, 70+seed), thumb); err != nil {
			t.Fatal(err)
		}
		photos = append(photos, p.Attachment("现场.jpg"))
	}
	r := e.report(t, e.pointIn(t, "unit", "120104002001001"))
	if _, err := e.db.CreateReports(e.ctx, []casework.Report{r}); err != nil {
		t.Fatal(err)
	}
	pol := casework.DefaultPolicy()
	recorded := map[string]casework.TransitionRequest{
		"accept":   {ClientID: uuid.NewString(), Action: casework.ActionAccept, Actor: "甲"},
		"dispatch": {ClientID: uuid.NewString(), Action: casework.ActionDispatch, Actor: "乙", Assignee: "城管执法", Note: "派城管"},
		"escalate": {ClientID: uuid.NewString(), Action: casework.ActionEscalate, Actor: "乙", Note: "请街道处理"},
		"handle":   {ClientID: uuid.NewString(), Action: casework.ActionHandle, Actor: "甲", Note: "已清理", Attachments: photos[:1]},
	}
	for _, step := range []string{"accept", "dispatch", "escalate", "handle"} {
		if _, replayed, err := e.db.Transition(e.ctx, r.ID, recorded[step], pol); err != nil || replayed {
			t.Fatalf("%s: %v, replayed %v", step, err, replayed)
		}
	}
	const events = 5
	outOfScope := geo.Errorf(geo.EFORBIDDEN, "id", "outside this token's scope")
	refuse := func(casework.Report) error { return outOfScope }
	allow := func(casework.Report) error { return nil }
	// like is a recorded step's request changed by change.
	like := func(step string, change func(*casework.TransitionRequest)) casework.TransitionRequest {
		q := recorded[step]
		q.Attachments = append([]casework.Attachment(nil), q.Attachments...)
		if change != nil {
			change(&q)
		}
		return q
	}
	cases := []struct {
		name      string
		q         casework.TransitionRequest
		authorize func(casework.Report) error
		want      geo.ErrorCode // "" for a replay
		field     string
	}{
		{"same body", like("accept", nil), nil, "", ""},
		{"same dispatch", like("dispatch", nil), allow, "", ""},
		{"same escalation with its note", like("escalate", nil), nil, "", ""},
		{"same handle with its photo", like("handle", nil), nil, "", ""},
		{"same body with an expectation", like("accept", func(q *casework.TransitionRequest) { q.Expect = casework.StateReported }), nil, "", ""},
		{"another action", like("dispatch", func(q *casework.TransitionRequest) { q.Action = casework.ActionVerify; q.Note = "" }), nil, geo.ECONFLICT, "client_id"},
		{"another action with a note", like("dispatch", func(q *casework.TransitionRequest) { q.Action = casework.ActionReject; q.Note = "dup" }), nil, geo.ECONFLICT, "client_id"},
		{"another note", like("dispatch", func(q *casework.TransitionRequest) { q.Note = "改派" }), nil, geo.ECONFLICT, "client_id"},
		{"a note added", like("accept", func(q *casework.TransitionRequest) { q.Note = "补充" }), nil, geo.ECONFLICT, "client_id"},
		{"another assignee", like("dispatch", func(q *casework.TransitionRequest) { q.Assignee = "物业" }), nil, geo.ECONFLICT, "client_id"},
		{"another escalation note", like("escalate", func(q *casework.TransitionRequest) { q.Note = "" }), nil, geo.ECONFLICT, "client_id"},
		{"another photo", like("handle", func(q *casework.TransitionRequest) { q.Attachments = photos[1:] }), nil, geo.ECONFLICT, "client_id"},
		{"another photo name", like("handle", func(q *casework.TransitionRequest) { q.Attachments[0].Name = "别的.jpg" }), nil, geo.ECONFLICT, "client_id"},
		{"no photo", like("handle", func(q *casework.TransitionRequest) { q.Attachments = nil }), nil, geo.ECONFLICT, "client_id"},
		{"another actor in scope", like("accept", func(q *casework.TransitionRequest) { q.Actor = "丙" }), allow, geo.ECONFLICT, "client_id"},
		{"own retry out of scope", like("handle", nil), refuse, "", ""},
		{"own escalation retried out of scope", like("escalate", nil), refuse, "", ""},
		{"own client id another body out of scope", like("accept", func(q *casework.TransitionRequest) { q.Action = casework.ActionVerify }), refuse, geo.ECONFLICT, "client_id"},
		{"another actor's client id out of scope", like("accept", func(q *casework.TransitionRequest) { q.Actor = "丙" }), refuse, geo.EFORBIDDEN, "id"},
		{"another actor's client id another body out of scope", like("dispatch", func(q *casework.TransitionRequest) { q.Actor = "丙"; q.Action = casework.ActionVerify }), refuse, geo.EFORBIDDEN, "id"},
		{"a new step out of scope", casework.TransitionRequest{ClientID: uuid.NewString(), Action: casework.ActionVerify, Actor: "甲"}, refuse, geo.EFORBIDDEN, "id"},
		{"a new step without client id out of scope", casework.TransitionRequest{Action: casework.ActionVerify, Actor: "甲"}, refuse, geo.EFORBIDDEN, "id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := c.q
			q.Authorize = c.authorize
			got, replayed, err := e.db.Transition(e.ctx, r.ID, q, pol)
			switch {
			case c.want == "":
				if err != nil || !replayed || got.Events != events || got.ID != r.ID {
					t.Errorf("want a replay: %v, replayed %v, events %d", err, replayed, got.Events)
				}
			case geo.ErrorCodeOf(err) != c.want || replayed:
				t.Errorf("want %s: %v, replayed %v", c.want, err, replayed)
			default:
				var ge *geo.Error
				if !errors.As(err, &ge) || ge.Field != c.field {
					t.Errorf("error %v names %v, want %s", err, ge, c.field)
				}
				if c.want == geo.ECONFLICT && !strings.Contains(ge.Message, q.ClientID) {
					t.Errorf("the conflict does not name the client id: %v", err)
				}
				if c.want == geo.EFORBIDDEN && err.Error() != "report "+r.ID+": "+outOfScope.Error() {
					t.Errorf("an out-of-scope refusal says more: %v", err)
				}
			}
			now, err := e.db.GetReport(e.ctx, r.ID)
			if err != nil || now.Events != events || now.State != casework.StateHandled {
				t.Errorf("the case moved: %v, events %d, state %s", err, now.Events, now.State)
			}
		})
	}
	t.Run("a new step in scope still moves", func(t *testing.T) {
		q := casework.TransitionRequest{ClientID: uuid.NewString(), Action: casework.ActionVerify, Actor: "丙", Authorize: allow}
		if got, replayed, err := e.db.Transition(e.ctx, r.ID, q, pol); err != nil || replayed || got.State != casework.StateVerified {
			t.Errorf("verify: %v, replayed %v, state %s", err, replayed, got.State)
		}
	})
}
