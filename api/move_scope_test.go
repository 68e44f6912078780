package api

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
)

// TestRetriedMoveAsksTheScope: a move whose vertex is already at "to" is
// answered as a retry with the boundaries that move changed. That answer
// carries the boundaries whole (their grid workers' phone numbers too), so
// it must ask the caller's scope as the move itself did: an editor of
// another district who copies from and to out of the public history of a
// grid must get 403, not 200 with the other district's units.
func TestRetriedMoveAsksTheScope(t *testing.T) {
	db := demotest.Open(t)
	n := newNode(t, db, true)
	v := demotest.SharedVertex(t, db, "120104001", 3)
	to := orb.Point{v.At[0] + v.Room*0.1, v.At[1] - v.Room*0.07}
	body, _ := json.Marshal(map[string]any{"from": v.At, "to": to})

	street := createToken(t, db, access.RoleEditor, "120104001", "街道的人", time.Now().Add(time.Hour))
	if r := n.send(t, "POST", "/v1/boundaries:move-vertex", street, body); r.status != 200 {
		t.Fatalf("the street's move: %d %s", r.status, r.body)
	}
	// The phone numbers a GET by another district's editor leaves out.
	var phones []string
	for _, code := range v.Codes {
		u, err := db.GetUnit(t.Context(), code, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if p, _ := u.Properties["phone"].(string); p != "" {
			phones = append(phones, p)
		}
	}
	if len(phones) == 0 {
		t.Fatalf("the demo grids %v have no phone property", v.Codes)
	}

	other := createToken(t, db, access.RoleEditor, demo.DongliCode, "东丽区编辑", time.Now().Add(time.Hour))
	r := n.send(t, "POST", "/v1/boundaries:move-vertex", other, body)
	leaked := false
	for _, p := range phones {
		leaked = leaked || strings.Contains(string(r.body), p)
	}
	if r.status != 403 || leaked {
		t.Errorf("the 'retry' by an editor scoped to %s of a move in 120104001: %d, carries the grids' phone numbers: %v\n%.400s",
			demo.DongliCode, r.status, leaked, r.body)
	}
	// The street's own retry is still answered as before.
	again := topologyAnswerFrom(t, n.send(t, "POST", "/v1/boundaries:move-vertex", street, body))
	if len(again.Unchanged) != 3 {
		t.Errorf("the street's retry: unchanged %v", again.Unchanged)
	}
}
