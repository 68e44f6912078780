package api

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/paulmach/orb"
)

// TestReplayAfterTheCaseLeftSaysNoMore: a worker's retry of its own
// recorded step is answered after the case left the worker's scope (by
// design), but the answer is the report as it is now. It must be the copy
// a GET by that worker would be allowed to see, not the whole case: what
// the units that handle the case now wrote after it left (notes, names,
// photos' checksums) is none of the worker's business, and a GET of the
// report is a 403 to it.
func TestReplayAfterTheCaseLeftSaysNoMore(t *testing.T) {
	const community = "120104007013"
	db, svc, sendAs := replayServer(t, community)
	send := sendAs.json
	var p orb.Point
	p[0], p[1] = pointIn(t, db, community+"001")
	id := sendAs.fileAt(t, "colleague", p) // filed by a colleague: the worker is not the reporter
	accept := fmt.Sprintf(`{"action":"accept","client_id":%q}`, uuid.NewString())
	if r := send(t, "worker", "POST", "/v1/reports/"+id+"/transitions", accept); r.status != 200 {
		t.Fatalf("accept: %d %s", r.status, r.body)
	}
	// The boundaries change: the spot is handed to a community of another
	// district, and the case follows it there.
	handOver(t, db, svc, "E-replay-1", p)
	if r := send(t, "admin", "POST", "/v1/reports/"+id+":reresolve", `{"note":"边界调整"}`); r.status != 200 {
		t.Fatalf("reresolve: %d %s", r.status, r.body)
	}
	// The other district works on it.
	const secret = "联系东丽区李四 13911112222"
	if r := send(t, "admin", "POST", "/v1/reports/"+id+"/transitions",
		fmt.Sprintf(`{"action":"dispatch","actor":"东丽区值班员","assignee":"东丽城管","note":%q}`, secret)); r.status != 200 {
		t.Fatalf("dispatch: %d %s", r.status, r.body)
	}
	if r := send(t, "worker", "GET", "/v1/reports/"+id, ""); r.status != 403 {
		t.Fatalf("the worker's GET of the moved case: %d %s", r.status, r.body)
	}
	r := send(t, "worker", "POST", "/v1/reports/"+id+"/transitions", accept)
	if r.status != 200 || r.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the worker's retry: %d %s", r.status, r.body)
	}
	for _, s := range []string{secret, "东丽区值班员", "东丽城管", "楼道堆物"} {
		if strings.Contains(string(r.body), s) {
			t.Errorf("the replay to a worker out of scope carries %q: %s", s, r.body)
		}
	}
}
