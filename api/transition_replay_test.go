package api

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/casework/phototest"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// TestTransitionReplay: a workflow step's client_id names one step. A retry
// with the same body answers the recorded result (200, Idempotent-Replayed),
// even once the case has been escalated out of the retrying token's scope;
// the same client_id with another body is a 409 naming client_id, the way a
// report id holding another report is; a new step, or another person's
// client_id, out of scope is still a 403 that says nothing of the step.
func TestTransitionReplay(t *testing.T) {
	const community, street = "120104007013", "120104007"
	db, _, send := replayServer(t, community)
	lng, lat := pointIn(t, db, community+"001")
	id := uuid.NewString()
	report := fmt.Sprintf(`{"id":%q,"kind":"hazard","category":"E0601","severity":2,"description":"楼道堆物","point":[%f,%f]}`, id, lng, lat)
	if r := send(t, "worker", "POST", "/v1/reports", []byte(report), "application/json"); r.status != 201 {
		t.Fatalf("file: %d %s", r.status, r.body)
	}
	// What a report id holding another report answers: the problem a
	// reused client_id must resemble.
	other := strings.Replace(report, "楼道堆物", "楼道堆物（改）", 1)
	idConflict := wantProblem(t, send(t, "worker", "POST", "/v1/reports", []byte(other), "application/json"), 409, "id")

	var sums []string
	for seed := range uint8(2) {
		r := send(t, "worker", "POST", "/v1/attachments", phototest.JPEG(t, 64, 48, 90+seed), "image/jpeg")
		if r.status != 201 && r.status != 200 {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
		sums = append(sums, r.json(t)["checksum"].(string))
	}

	path := "/v1/reports/" + id + "/transitions"
	accept, dispatch, handle := uuid.NewString(), uuid.NewString(), uuid.NewString()
	steps := map[string]string{
		"accept":   fmt.Sprintf(`{"action":"accept","client_id":%q}`, accept),
		"dispatch": fmt.Sprintf(`{"action":"dispatch","client_id":%q,"assignee":"城管执法","note":"派城管"}`, dispatch),
		"handle":   fmt.Sprintf(`{"action":"handle","client_id":%q,"note":"已清理","attachments":[%q]}`, handle, sums[0]),
	}
	for _, s := range []struct{ who, step string }{{"worker", "accept"}, {"admin", "dispatch"}, {"worker", "handle"}} {
		if r := send(t, s.who, "POST", path, []byte(steps[s.step]), "application/json"); r.status != 200 || r.header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("%s: %d %s", s.step, r.status, r.body)
		}
	}
	current := func(t *testing.T) map[string]any {
		t.Helper()
		r := send(t, "admin", "GET", "/v1/reports/"+id, nil, "")
		if r.status != 200 {
			t.Fatalf("get: %d %s", r.status, r.body)
		}
		return r.json(t)
	}

	type replayCase struct {
		name, who, body string
		status          int
		field           string // of the problem
	}
	check := func(t *testing.T, cases []replayCase, events any) {
		t.Helper()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := send(t, c.who, "POST", path, []byte(c.body), "application/json")
				if c.status == 200 {
					if r.status != 200 || r.header.Get("Idempotent-Replayed") != "true" {
						t.Fatalf("want a replay, got %d %v %s", r.status, r.header.Get("Idempotent-Replayed"), r.body)
					}
					if m := r.json(t); m["events"] != events || m["id"] != id {
						t.Errorf("replay answered events %v, want %v", m["events"], events)
					}
				} else {
					p := wantProblem(t, r, c.status, c.field)
					if r.header.Get("Idempotent-Replayed") != "" {
						t.Errorf("a refusal says Idempotent-Replayed")
					}
					if c.status == 409 {
						if p["type"] != idConflict["type"] || p["code"] != idConflict["code"] || p["title"] != idConflict["title"] {
							t.Errorf("problem %v, want the type of a report id conflict %v", p, idConflict)
						}
						if d := fmt.Sprint(p["detail"]); !strings.Contains(d, "client_id") || !strings.Contains(d, "different") {
							t.Errorf("detail %q", d)
						}
					}
				}
				if m := current(t); m["events"] != events {
					t.Errorf("the case moved: events %v, want %v (state %v)", m["events"], events, m["state"])
				}
			})
		}
	}

	t.Run("in scope", func(t *testing.T) {
		withNote := func(step, note string) string { return strings.Replace(steps[step], `"note":"`, `"note":"`+note, 1) }
		check(t, []replayCase{
			{"same client_id same body", "worker", steps["accept"], 200, ""},
			{"same dispatch", "admin", steps["dispatch"], 200, ""},
			{"same handle with its photo", "worker", steps["handle"], 200, ""},
			{"same client_id another action: verify", "admin", fmt.Sprintf(`{"action":"verify","client_id":%q}`, dispatch), 409, "client_id"},
			{"same client_id another action: reject", "admin", fmt.Sprintf(`{"action":"reject","client_id":%q,"note":"dup"}`, dispatch), 409, "client_id"},
			{"same client_id another note", "admin", withNote("dispatch", "改："), 409, "client_id"},
			{"same client_id another assignee", "admin", strings.Replace(steps["dispatch"], "城管执法", "物业", 1), 409, "client_id"},
			{"same client_id another actor", "admin", strings.Replace(steps["dispatch"], `{`, `{"actor":"别人",`, 1), 409, "client_id"},
			{"same client_id a note added", "worker", strings.Replace(steps["accept"], `}`, `,"note":"补充"}`, 1), 409, "client_id"},
			{"same handle another photo", "worker", strings.Replace(steps["handle"], sums[0], sums[1], 1), 409, "client_id"},
			{"same handle without its photo", "worker", fmt.Sprintf(`{"action":"handle","client_id":%q,"note":"已清理"}`, handle), 409, "client_id"},
			{"a colleague reusing the client_id", "colleague", steps["accept"], 409, "client_id"},
		}, float64(4))
	})

	// The admin raises the case until its street handles it: outside the
	// community tokens' scope.
	for range 4 {
		if current(t)["assigned_code"] == street {
			break
		}
		if r := send(t, "admin", "POST", path, []byte(`{"action":"escalate","note":"上报街道"}`), "application/json"); r.status != 200 {
			t.Fatalf("escalate: %d %s", r.status, r.body)
		}
	}
	now := current(t)
	if now["assigned_code"] != street {
		t.Fatalf("the case is handled by %v, want %s", now["assigned_code"], street)
	}
	events := now["events"]

	t.Run("escalated out of scope", func(t *testing.T) {
		check(t, []replayCase{
			{"a retry of the worker's accept", "worker", steps["accept"], 200, ""},
			{"a retry of the worker's handle with its photo", "worker", steps["handle"], 200, ""},
			{"the worker's client_id another action", "worker", fmt.Sprintf(`{"action":"verify","client_id":%q}`, accept), 409, "client_id"},
			{"a new step", "worker", fmt.Sprintf(`{"action":"verify","client_id":%q}`, uuid.NewString()), 403, "id"},
			{"a new step without client_id", "worker", `{"action":"verify"}`, 403, "id"},
			{"a colleague reusing the worker's client_id", "colleague", steps["accept"], 403, "id"},
			{"a colleague reusing it for another action", "colleague", fmt.Sprintf(`{"action":"verify","client_id":%q}`, handle), 403, "id"},
			{"the worker reusing the admin's client_id", "worker", steps["dispatch"], 403, "id"},
			{"the admin's own retry", "admin", steps["dispatch"], 200, ""},
		}, events)
	})

	t.Run("an out-of-scope refusal reveals no step", func(t *testing.T) {
		fresh := send(t, "colleague", "POST", path, []byte(fmt.Sprintf(`{"action":"verify","client_id":%q}`, uuid.NewString())), "application/json")
		reused := send(t, "colleague", "POST", path, []byte(steps["accept"]), "application/json")
		if fresh.status != 403 || reused.status != 403 || string(fresh.body) != string(reused.body) {
			t.Errorf("a reused client_id is refused unlike a new one:\n%d %s\n%d %s", fresh.status, fresh.body, reused.status, reused.body)
		}
		// Nor where the case went, which a read outside the scope does not say either.
		if strings.Contains(strings.ReplaceAll(string(fresh.body), community, "the scope"), street) {
			t.Errorf("the refusal names the handling unit %s: %s", street, fresh.body)
		}
	})
}

// sendFunc sends a request as one of a replay test's people.
type sendFunc func(t *testing.T, who, method, path string, body []byte, contentType string) response

// replayServer serves the demo city to three people: two workers of
// community ("worker", "colleague") and an unscoped "admin".
func replayServer(t *testing.T, community string) (*postgres.DB, *geo.Service, sendFunc) {
	db, svc := openDemoService(t)
	srv := httptest.NewServer(New(Deps{Units: db, Resolver: svc, Tokens: db, Reports: db, Patrols: db, Photos: db,
		Policy: casework.DefaultPolicy(), Auth: unlimitedAuth()}))
	t.Cleanup(srv.Close)
	exp := time.Now().Add(time.Hour)
	tokens := map[string]string{
		"worker":    createToken(t, db, access.RoleReporter, community, "留园里网格员", exp),
		"colleague": createToken(t, db, access.RoleReporter, community, "留园里网格员乙", exp),
		"admin":     createToken(t, db, access.RoleAdmin, "", "指挥中心", exp),
	}
	return db, svc, func(t *testing.T, who, method, path string, body []byte, contentType string) response {
		t.Helper()
		return request(t, method, srv.URL+path, body, append(authHeader(tokens[who]), "Content-Type", contentType)...)
	}
}

// json is send for a JSON body given as text.
func (send sendFunc) json(t *testing.T, who, method, path, body string) response {
	t.Helper()
	return send(t, who, method, path, []byte(body), "application/json")
}

// fileAt files a hazard (楼道堆物) at p as who, and returns its id.
func (send sendFunc) fileAt(t *testing.T, who string, p orb.Point) string {
	t.Helper()
	id := uuid.NewString()
	report := fmt.Sprintf(`{"id":%q,"kind":"hazard","category":"E0601","severity":2,"description":"楼道堆物","point":[%f,%f]}`, id, p[0], p[1])
	if r := send.json(t, who, "POST", "/v1/reports", report); r.status != 201 {
		t.Fatalf("file: %d %s", r.status, r.body)
	}
	return id
}

// handOver changes the boundaries under p: an enclave code round it,
// managed by 百合春天社区 of another district, and the index reloaded.
func handOver(t *testing.T, db *postgres.DB, svc *geo.Service, code string, p orb.Point) {
	t.Helper()
	ctx := context.Background()
	d := 0.0003
	enc := geo.Enclave{Code: code, Name: "测试飞地", ManagingCode: demo.BaihechuntianCode, Status: geo.EnclaveCustodial,
		Geom: orb.MultiPolygon{{{{p[0] - d, p[1] - d}, {p[0] + d, p[1] - d}, {p[0] + d, p[1] + d}, {p[0] - d, p[1] + d}, {p[0] - d, p[1] - d}}}}}
	if _, err := db.ReviseEnclave(ctx, "test", enc); err != nil {
		t.Fatal(err)
	}
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
}

// pointIn is a point inside the current version of unit code.
func pointIn(t *testing.T, db *postgres.DB, code string) (lng, lat float64) {
	t.Helper()
	if err := db.Pool.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p
		FROM unit WHERE code = $1 AND valid_to IS NULL) s`, code).Scan(&lng, &lat); err != nil {
		t.Fatal(err)
	}
	return lng, lat
}
