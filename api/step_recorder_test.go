package api

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/gridmap-dev/gridmap/access"
)

// TestStepsRecordTheirToken: every step records the token that took it
// (recorded_by), next to the person it is of (actor). An admin may name
// another person as the actor — a clerk entering a department's handle —
// and the step still says which token recorded it; a retry of a step
// through another token is no replay of it, even under the same actor's
// name; a caller who may not see names sees neither.
func TestStepsRecordTheirToken(t *testing.T) {
	const community = "120104007013"
	db, _, send := replayServer(t, community)
	lng, lat := pointIn(t, db, community+"001")
	id := uuid.NewString()
	report := fmt.Sprintf(`{"id":%q,"kind":"hazard","category":"E0601","severity":2,"description":"楼道堆物","point":[%f,%f]}`, id, lng, lat)
	if r := send.json(t, "worker", "POST", "/v1/reports", report); r.status != 201 {
		t.Fatalf("file: %d %s", r.status, r.body)
	}
	path := "/v1/reports/" + id + "/transitions"
	accept := fmt.Sprintf(`{"action":"accept","client_id":%q}`, uuid.NewString())
	steps := []struct{ who, body string }{
		{"worker", accept},
		{"admin", `{"action":"dispatch","assignee":"城管执法","actor":"街道派遣员"}`},
		{"admin", `{"action":"handle","note":"电话告知已清理","actor":"城管执法队员"}`},
		{"colleague", `{"action":"verify"}`},
		{"admin", `{"action":"escalate","note":"吹哨","actor":"社区书记"}`},
	}
	for _, s := range steps {
		if r := send.json(t, s.who, "POST", path, s.body); r.status != 200 {
			t.Fatalf("%s %s: %d %s", s.who, s.body, r.status, r.body)
		}
	}

	got := send(t, "admin", "GET", "/v1/reports/"+id, nil, "")
	if got.status != 200 {
		t.Fatalf("get: %d %s", got.status, got.body)
	}
	history := got.json(t)["history"].([]any)
	want := []struct{ action, actor, recorder string }{
		{"report", "留园里网格员", "留园里网格员"},
		{"accept", "留园里网格员", "留园里网格员"},
		{"dispatch", "街道派遣员", "指挥中心"},
		{"handle", "城管执法队员", "指挥中心"},
		{"verify", "留园里网格员乙", "留园里网格员乙"},
		{"escalate", "社区书记", "指挥中心"},
	}
	if len(history) != len(want) {
		t.Fatalf("%d steps, want %d: %s", len(history), len(want), got.body)
	}
	for i, w := range want {
		t.Run(fmt.Sprintf("step %d %s", i+1, w.action), func(t *testing.T) {
			s := history[i].(map[string]any)
			if s["action"] != w.action || s["actor"] != w.actor || s["recorded_by"] != w.recorder {
				t.Errorf("step %v by %v recorded by %v, want %s by %s recorded by %s",
					s["action"], s["actor"], s["recorded_by"], w.action, w.actor, w.recorder)
			}
		})
	}

	t.Run("a retry through another token under the same name is no replay", func(t *testing.T) {
		named := `{"actor":"留园里网格员",` + accept[1:]
		r := send.json(t, "admin", "POST", path, named)
		wantProblem(t, r, 409, "client_id")
		if r.header.Get("Idempotent-Replayed") != "" {
			t.Error("answered as a replay of a step another token recorded")
		}
	})

	t.Run("hidden from a caller who may not see names", func(t *testing.T) {
		stored, err := db.GetReport(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range redactReport(stored, access.ExposeNone).History {
			if s.Actor != "" || s.RecordedBy != "" {
				t.Errorf("step %d %s shows actor %q recorded by %q", s.Seq, s.Action, s.Actor, s.RecordedBy)
			}
		}
	})
}
