package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo/demotest"
)

// retryStep is a request sent after a first topology edit, and what it
// must get: a replay (200, Idempotent-Replayed, the first answer's bytes
// and data version) or a problem naming a field.
type retryStep struct {
	name, token, path string
	body              []byte
	status            int
	field             string // "": a replay
}

// checkRetrySteps sends each step after first, the answer of the edit.
func checkRetrySteps(t *testing.T, n *node, first response, steps []retryStep) {
	t.Helper()
	version := versionHeader(t, first)
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := n.send(t, "POST", s.path, s.token, s.body)
			if r.status != s.status {
				t.Fatalf("%d %s; want %d", r.status, r.body, s.status)
			}
			replayed := r.header.Get("Idempotent-Replayed")
			if s.field != "" {
				var p Problem
				if err := json.Unmarshal(r.body, &p); err != nil || p.Field != s.field || r.header.Get("Content-Type") != "application/problem+json" || replayed != "" {
					t.Errorf("%s %s (Idempotent-Replayed %q); want a problem naming %s", r.header.Get("Content-Type"), r.body, replayed, s.field)
				}
				return
			}
			if replayed != "true" || !bytes.Equal(r.body, first.body) {
				t.Errorf("Idempotent-Replayed %q, body\n%s\nwant true and the first answer\n%s", replayed, r.body, first.body)
			}
			if v := versionHeader(t, r); v != version {
				t.Errorf("the replay names data version %d, the edit %d: it wrote", v, version)
			}
		})
	}
}

// TestTopologyRetries splits a grid and merges the parts back through the
// API, each with a client_id, and retries each as a client that lost the
// answer would: the retry is answered 200 with the first answer's bytes
// and Idempotent-Replayed (without the id the split's retry is refused,
// 400, and the merge's is 404); the same id with another body or from
// another token is 409 naming client_id. A move takes a client_id too.
func TestTopologyRetries(t *testing.T) {
	db := demotest.Open(t)
	n := newNode(t, db, true)
	li := createToken(t, db, access.RoleEditor, "", "李娜", time.Now().Add(time.Hour))
	zhang := createToken(t, db, access.RoleEditor, "", "张伟", time.Now().Add(time.Hour))
	code, y, x0, x1 := gridToCut(t, db)
	splitPath := "/v1/units/" + code + ":split"
	splitID := uuid.NewString()
	line := map[string]any{"type": "LineString", "coordinates": [][]float64{{x0, y}, {x1, y}}}
	split := func(id string, line any) []byte {
		body := map[string]any{"line": line, "names": []string{"北片", "南片"}}
		if id != "" {
			body["client_id"] = id
		}
		return mustJSON(t, body)
	}
	first := n.send(t, "POST", splitPath, li, split(splitID, line))
	if a := topologyAnswerFrom(t, first); len(a.Units.Features) != 2 || first.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("split wrote %v (Idempotent-Replayed %q)", a.versionsOf(), first.header.Get("Idempotent-Replayed"))
	}
	made := topologyAnswerFrom(t, first).Units.Features[1].ID
	feature := map[string]any{"type": "Feature", "properties": map[string]any{}, "geometry": line}
	otherLine := map[string]any{"type": "LineString", "coordinates": [][]float64{{x0, y + 1e-7}, {x1, y}}}
	checkRetrySteps(t, n, first, []retryStep{
		{"split retried", li, splitPath, split(splitID, line), 200, ""},
		{"split retried: the line as a Feature, the id in capitals", li, splitPath, split(strings.ToUpper(splitID), feature), 200, ""},
		{"split: the id with another line", li, splitPath, split(splitID, otherLine), 409, "client_id"},
		{"split: the id from another token", zhang, splitPath, split(splitID, line), 409, "client_id"},
		{"split: the id for a merge", li, "/v1/units:merge", mustJSON(t, map[string]any{"codes": []string{code, made}, "client_id": splitID}), 409, "client_id"},
		{"split retried without client_id", li, splitPath, split("", line), 400, "line"},
		{"split: a client_id that is no UUID", li, splitPath, split("not-a-uuid", line), 400, "client_id"},
		{"split: a client_id that is no string", li, splitPath, []byte(`{"line":{"type":"LineString","coordinates":[[1,2],[3,4]]},"client_id":7}`), 400, "client_id"},
	})

	mergeID := uuid.NewString()
	merge := func(id, name string) []byte {
		body := map[string]any{"codes": []string{made, code}, "name": name}
		if id != "" {
			body["client_id"] = id
		}
		return mustJSON(t, body)
	}
	merged := n.send(t, "POST", "/v1/units:merge", li, merge(mergeID, "合并后的网格"))
	if a := topologyAnswerFrom(t, merged); len(a.Units.Features) != 1 || len(a.Retired) != 1 {
		t.Fatalf("merge wrote %v, retired %v", a.versionsOf(), a.Retired)
	}
	checkRetrySteps(t, n, merged, []retryStep{
		{"merge retried", li, "/v1/units:merge", merge(mergeID, "合并后的网格"), 200, ""},
		{"merge: the id with another name", li, "/v1/units:merge", merge(mergeID, "别的名字"), 409, "client_id"},
		{"merge: the id from another token", zhang, "/v1/units:merge", merge(mergeID, "合并后的网格"), 409, "client_id"},
		{"merge retried without client_id", li, "/v1/units:merge", merge("", "合并后的网格"), 404, "codes[0]"},
	})

	v := demotest.SharedVertex(t, db, "120104001", 3)
	move := mustJSON(t, map[string]any{"from": v.At, "to": orb.Point{v.At[0] + v.Room*0.1, v.At[1] - v.Room*0.07}, "client_id": uuid.NewString()})
	moved := n.send(t, "POST", "/v1/boundaries:move-vertex", li, move)
	topologyAnswerFrom(t, moved)
	checkRetrySteps(t, n, moved, []retryStep{
		{"move retried", li, "/v1/boundaries:move-vertex", move, 200, ""},
		{"move: the id from another token", zhang, "/v1/boundaries:move-vertex", move, 409, "client_id"},
	})
}
