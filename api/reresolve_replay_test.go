package api

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/demo"
)

// TestReresolveReplay: POST /v1/reports/{id}:reresolve takes a client_id
// as a workflow step does. A lost answer's retry answers the recorded
// re-resolution (200, Idempotent-Replayed) without adding a second step,
// even when the re-resolution took the case out of the worker's scope; the
// same client_id with another note, or another person's, is a 409; a new
// re-resolution out of scope is a 403.
func TestReresolveReplay(t *testing.T) {
	const community = "120104007013"
	db, svc, sendAs := replayServer(t, community)
	send := sendAs.json
	var p orb.Point
	p[0], p[1] = pointIn(t, db, community+"001")
	id := sendAs.fileAt(t, "worker", p)
	// The boundaries change: the spot goes to a community of another
	// district, outside the workers' scope.
	handOver(t, db, svc, "E-reresolve-1", p)

	path := "/v1/reports/" + id + ":reresolve"
	client := uuid.NewString()
	first := fmt.Sprintf(`{"client_id":%q,"note":"边界调整"}`, client)
	r := send(t, "worker", "POST", path, first)
	if r.status != 200 || r.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("reresolve: %d %s", r.status, r.body)
	}
	done := r.json(t)
	if done["assigned_code"] != demo.BaihechuntianCode {
		t.Fatalf("the re-resolution handed the case to %v, want %s", done["assigned_code"], demo.BaihechuntianCode)
	}

	cases := []struct {
		name, who, body string
		status          int
		field           string // of the problem
	}{
		{"the worker's retry", "worker", first, 200, ""},
		{"the worker's retry again", "worker", first, 200, ""},
		{"the same client_id another note", "worker", fmt.Sprintf(`{"client_id":%q,"note":"另一个"}`, client), 409, "client_id"},
		{"the same client_id as a step", "worker", "", 409, "client_id"},
		{"the admin reusing the worker's client_id", "admin", first, 409, "client_id"},
		{"a colleague reusing it out of scope", "colleague", first, 403, "id"},
		{"a new re-resolution out of scope", "worker", fmt.Sprintf(`{"client_id":%q,"note":"边界调整"}`, uuid.NewString()), 403, "id"},
		{"a new re-resolution without client_id", "worker", `{"note":"边界调整"}`, 403, "id"},
		{"a client_id that is no UUID", "worker", `{"client_id":"x","note":"边界调整"}`, 400, "client_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r response
			if c.body == "" { // the re-resolution's client_id sent with a workflow step
				r = send(t, c.who, "POST", "/v1/reports/"+id+"/transitions", fmt.Sprintf(`{"action":"accept","client_id":%q,"note":"边界调整"}`, client))
			} else {
				r = send(t, c.who, "POST", path, c.body)
			}
			if c.status == 200 {
				if r.status != 200 || r.header.Get("Idempotent-Replayed") != "true" {
					t.Fatalf("want a replay, got %d %q %s", r.status, r.header.Get("Idempotent-Replayed"), r.body)
				}
				if m := r.json(t); m["events"] != done["events"] || m["assigned_code"] != done["assigned_code"] {
					t.Errorf("replay answered events %v at %v, want %v at %v", m["events"], m["assigned_code"], done["events"], done["assigned_code"])
				}
			} else {
				wantProblem(t, r, c.status, c.field)
			}
			got := send(t, "admin", "GET", "/v1/reports/"+id, "")
			if m := got.json(t); m["events"] != done["events"] {
				t.Errorf("the case moved: events %v, want %v", m["events"], done["events"])
			}
		})
	}
}
