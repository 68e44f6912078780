package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
)

// getFeature is a boundary and its ETag as GET returns them to the holder
// of token: an editor edits the copy it may see whole (an anonymous copy
// lacks the phone numbers, and saving it is refused).
func (s *editServer) getFeature(t *testing.T, path, token string) (map[string]any, string) {
	t.Helper()
	r := s.req(t, "GET", path, token, nil)
	if r.status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	return r.json(t), r.header.Get("ETag")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// shifted returns the feature with its first ring moved dx degrees east.
func shifted(f map[string]any, dx float64) map[string]any {
	g := f["geometry"].(map[string]any)
	for _, poly := range g["coordinates"].([]any) {
		for _, ring := range poly.([]any) {
			for _, p := range ring.([]any) {
				p.([]any)[0] = p.([]any)[0].(float64) + dx
			}
		}
	}
	return f
}

func propsOf(m map[string]any) map[string]any { return m["properties"].(map[string]any) }

func TestEditLifecycle(t *testing.T) {
	s := newEditServer(t, nil)
	ed := s.token(t, access.RoleEditor, "", "王工")
	f, tag := s.getFeature(t, "/v1/units/"+gridA, ed)
	if tag != `"v1"` {
		t.Fatalf("ETag of a demo grid: %q", tag)
	}

	// Move grid A east by about 40 m: it now overlaps its neighbour.
	moved := mustJSON(t, shifted(f, 0.0005))
	r := s.req(t, "PUT", "/v1/units/"+gridA, ed, moved, "If-Match", tag)
	if r.status != 200 || r.header.Get("ETag") != `"v2"` || r.header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("PUT: %d %v %s", r.status, r.header, r.body)
	}
	out := r.json(t)
	if p := propsOf(out); p["version"].(float64) != 2 || p["created_by"] != "王工" || p["name"] != propsOf(f)["name"] {
		t.Errorf("stored version: %v", p)
	}
	ws, _ := out["warnings"].([]any)
	if !hasWarning(ws, "overlap") {
		t.Errorf("moving a grid onto its neighbour gives no overlap warning: %s", mustJSON(t, ws))
	}

	stale := featureBody(`{"name":"stale"}`)
	cases := []struct {
		name, method, path string
		body               []byte
		ifMatch            string
		status             int
		field              string
		currentVersion     float64 // of the "current" member; -1: no member; 0: null
	}{
		{"stale If-Match", "PUT", "/v1/units/" + gridA, stale, `"v1"`, 412, "If-Match", 2},
		{"no If-Match", "PUT", "/v1/units/" + gridA, stale, "", 428, "If-Match", 2},
		{"If-Match *", "PUT", "/v1/units/" + gridA, stale, "*", 428, "If-Match", 2},
		{"weak tag never matches", "PUT", "/v1/units/" + gridA, stale, `W/"v2"`, 412, "If-Match", 2},
		{"self-intersecting ring", "PUT", "/v1/units/" + gridA, []byte(`{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[117.128,39.149],[117.13,39.151],[117.13,39.149],[117.128,39.151],[117.128,39.149]]]}}`), `"v2"`, 400, "geometry", -1},
		{"unclosed ring", "PUT", "/v1/units/" + gridA, []byte(`{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[117.128,39.149],[117.13,39.151],[117.13,39.149],[117.129,39.148]]]}}`), `"v2"`, 400, "geometry.coordinates[0][0]", -1},
		{"points are not a boundary", "PUT", "/v1/units/" + gridA, []byte(`{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Point","coordinates":[117.1,39.1]}}`), `"v2"`, 400, "geometry", -1},
		{"renaming the code", "PUT", "/v1/units/" + gridA, featureBody(`{"code":"` + gridB + `","name":"x"}`), `"v2"`, 400, "properties.code", -1},
		{"unknown member", "PUT", "/v1/units/" + gridA, featureBody(`{"name":"x","nmae":"y"}`), `"v2"`, 400, "properties.nmae", -1},
		{"no name", "PUT", "/v1/units/" + gridA, featureBody(`{}`), `"v2"`, 400, "name", -1},
		{"not JSON", "PUT", "/v1/units/" + gridA, []byte(`{"type":`), `"v2"`, 400, "body", -1},
		{"unknown code", "PUT", "/v1/units/120104001001999", stale, `"v1"`, 404, "code", -1},
		{"unknown parent", "POST", "/v1/units", featureBody(`{"code":"120104001999001","name":"x"}`), "", 400, "parent_code", -1},
		{"existing code", "POST", "/v1/units", featureBody(`{"code":"` + gridA + `","name":"x"}`), "", 409, "code", 2},
		{"retiring a unit with children", "DELETE", "/v1/units/120104001001", nil, `"v1"`, 409, "code", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hdr []string
			if c.ifMatch != "" {
				hdr = []string{"If-Match", c.ifMatch}
			}
			r := s.req(t, c.method, c.path, ed, c.body, hdr...)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			p := r.json(t)
			if p["field"] != c.field {
				t.Errorf("field %v, want %q: %s", p["field"], c.field, r.body)
			}
			cur, has := p["current"]
			switch {
			case c.currentVersion < 0 && has:
				t.Errorf("unexpected current: %s", r.body)
			case c.currentVersion > 0 && (!has || cur == nil || propsOf(cur.(map[string]any))["version"] != c.currentVersion):
				t.Errorf("current is not version %v: %s", c.currentVersion, r.body)
			case c.currentVersion > 0 && r.header.Get("ETag") != fmt.Sprintf(`"v%v"`, c.currentVersion):
				t.Errorf("ETag %q", r.header.Get("ETag"))
			}
		})
	}
	t.Run("the reason names the spot", func(t *testing.T) {
		r := s.req(t, "PUT", "/v1/units/"+gridA, ed, []byte(`{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[117.128,39.149],[117.13,39.151],[117.13,39.149],[117.128,39.151],[117.128,39.149]]]}}`), "If-Match", `"v2"`)
		if d := r.json(t)["detail"].(string); !strings.Contains(d, "Self-intersection") || !strings.Contains(d, "117.129") {
			t.Errorf("detail %q", d)
		}
	})

	t.Run("create, retire, revive", func(t *testing.T) {
		code := "120104001001099"
		r := s.req(t, "POST", "/v1/units", ed, featureBody(`{"code":"`+code+`","name":"新网格","properties":{"households":120}}`))
		if r.status != 201 || r.header.Get("Location") != "/v1/units/"+code || r.header.Get("ETag") != `"v1"` {
			t.Fatalf("POST: %d %v %s", r.status, r.header, r.body)
		}
		if a := propsOf(r.json(t))["properties"].(map[string]any); a["households"] != 120.0 {
			t.Errorf("attributes %v", a)
		}
		r = s.req(t, "DELETE", "/v1/units/"+code, ed, nil, "If-Match", `"v1"`)
		if r.status != 200 || propsOf(r.json(t))["valid_to"] == nil {
			t.Fatalf("DELETE: %d %s", r.status, r.body)
		}
		if r := s.req(t, "GET", "/v1/units/"+code, "", nil); r.status != 404 {
			t.Errorf("a retired unit is still current: %d", r.status)
		}
		if r := s.req(t, "GET", "/v1/units/"+code+"/history", "", nil); len(r.json(t)["features"].([]any)) != 1 {
			t.Errorf("history lost: %s", r.body)
		}
		r = s.req(t, "PUT", "/v1/units/"+code, ed, featureBody(`{"name":"x"}`), "If-Match", `"v1"`)
		if r.status != 412 || r.json(t)["current"] != nil {
			t.Errorf("PUT of a retired unit: %d %s", r.status, r.body)
		}
		r = s.req(t, "POST", "/v1/units", ed, featureBody(`{"code":"`+code+`","name":"新网格"}`))
		if r.status != 201 || r.header.Get("ETag") != `"v2"` {
			t.Errorf("revive: %d %v %s", r.status, r.header, r.body)
		}
	})

	t.Run("enclave edit and retirement reach the resolver", func(t *testing.T) {
		f, tag := s.getFeature(t, "/v1/enclaves/"+demo.EnclaveCode, ed)
		propsOf(f)["status"] = "transferred"
		r := s.req(t, "PUT", "/v1/enclaves/"+demo.EnclaveCode, ed, mustJSON(t, f), "If-Match", tag)
		if r.status != 200 || propsOf(r.json(t))["status"] != "transferred" {
			t.Fatalf("PUT enclave: %d %s", r.status, r.body)
		}
		enc, err := s.db.GetEnclave(context.Background(), demo.EnclaveCode, zeroTime)
		if err != nil {
			t.Fatal(err)
		}
		c := enc.Geom.Bound().Center()
		r = s.req(t, "DELETE", "/v1/enclaves/"+demo.EnclaveCode, ed, nil, "If-Match", r.header.Get("ETag"))
		if r.status != 200 {
			t.Fatalf("DELETE enclave: %d %s", r.status, r.body)
		}
		waitResolve(t, s.srv.URL, c, func(res geo.Resolution) bool { return res.Status != geo.StatusEnclave })
	})

	t.Run("the change log names the token", func(t *testing.T) {
		var n int
		err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM change_log WHERE actor = '王工'`).Scan(&n)
		if err != nil || n < 6 {
			t.Errorf("%d change log rows by 王工 (%v)", n, err)
		}
	})
}

func hasWarning(ws []any, kind string) bool {
	for _, w := range ws {
		if w.(map[string]any)["kind"] == kind && w.(map[string]any)["severity"] == "warning" {
			return true
		}
	}
	return false
}

// TestConcurrentEditsOfOneGrid: several editors save the same version at
// once; exactly one wins and every other one is shown the winner's version.
func TestConcurrentEditsOfOneGrid(t *testing.T) {
	s := newEditServer(t, nil)
	f, tag := s.getFeature(t, "/v1/units/"+gridA, s.token(t, access.RoleViewer, "", "读者"))
	const n = 6
	type result struct {
		who string
		r   response
	}
	results := make([]result, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		who := fmt.Sprintf("editor-%d", i)
		tok := s.token(t, access.RoleEditor, "", who)
		propsOf(f)["name"] = "网格 by " + who
		body := mustJSON(t, f)
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			results[i] = result{who, s.req(t, "PUT", "/v1/units/"+gridA, tok, body, "If-Match", tag)}
		}()
	}
	start.Done()
	done.Wait()
	var winners []string
	for _, res := range results {
		if res.r.status == 200 {
			winners = append(winners, res.who)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("%d edits won: %v", len(winners), winners)
	}
	for _, res := range results {
		if res.r.status == 200 {
			continue
		}
		p := res.r.json(t)
		cur, _ := p["current"].(map[string]any)
		if res.r.status != 412 || cur == nil || propsOf(cur)["name"] != "网格 by "+winners[0] ||
			propsOf(cur)["version"] != 2.0 || res.r.header.Get("ETag") != `"v2"` {
			t.Errorf("%s: %d %s", res.who, res.r.status, res.r.body)
		}
	}
}
