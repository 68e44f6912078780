package api

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo/demotest"
)

// TestEditRetries: an edit retried after it was stored (a lost answer, a
// double click) is answered as the first attempt was, marked
// Idempotent-Replayed; a different edit, or the same one by someone else,
// still loses the race as before.
func TestEditRetries(t *testing.T) {
	db := demotest.Open(t)
	n := newNode(t, db, true)
	li := createToken(t, db, access.RoleEditor, "", "李娜", time.Now().Add(time.Hour))
	zhang := createToken(t, db, access.RoleEditor, "", "张伟", time.Now().Add(time.Hour))

	const grid = "/v1/units/120104007013004"
	cur := n.send(t, "GET", grid, li, nil) // the copy 李娜 may see whole: with its phone
	if cur.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", grid, cur.status, cur.body)
	}
	renamed := rename(t, cur.body, "网格重命名")
	first := n.send(t, "PUT", grid, li, renamed, "If-Match", `"v1"`)
	if first.status != http.StatusOK || first.header.Get("ETag") != `"v2"` {
		t.Fatalf("first PUT: %d %s", first.status, first.body)
	}
	enclave := squareEnclave("RETRY1", orb.Point{117.2, 39.13})
	created := n.send(t, "POST", "/v1/enclaves", li, enclave)
	if created.status != http.StatusCreated {
		t.Fatalf("first create: %d %s", created.status, created.body)
	}
	retired := n.send(t, "DELETE", "/v1/enclaves/RETRY1", li, nil, "If-Match", `"v1"`)
	if retired.status != http.StatusOK || retired.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first retire: %d %s", retired.status, retired.body)
	}
	recreated := squareEnclave("RETRY2", orb.Point{117.21, 39.13})
	if r := n.send(t, "POST", "/v1/enclaves", li, recreated); r.status != http.StatusCreated {
		t.Fatalf("create RETRY2: %d %s", r.status, r.body)
	}
	third := squareEnclave("RETRY3", orb.Point{117.215, 39.13})
	if r := n.send(t, "POST", "/v1/enclaves", li, third); r.status != http.StatusCreated {
		t.Fatalf("create RETRY3: %d %s", r.status, r.body)
	}
	moved := squareEnclave("RETRY2", orb.Point{117.212, 39.13})
	if r := n.send(t, "PUT", "/v1/enclaves/RETRY2", li, moved, "If-Match", `"v1"`); r.status != http.StatusOK {
		t.Fatalf("PUT RETRY2: %d %s", r.status, r.body)
	}

	cases := []struct {
		name, method, path, token string
		body                      []byte
		ifMatch                   string
		status                    int
		replayed                  bool
		etag                      string
	}{
		{"PUT retried", "PUT", grid, li, renamed, `"v1"`, http.StatusOK, true, `"v2"`},
		{"PUT retried twice", "PUT", grid, li, renamed, `"v1"`, http.StatusOK, true, `"v2"`},
		{"PUT retried by someone else", "PUT", grid, zhang, renamed, `"v1"`, http.StatusPreconditionFailed, false, `"v2"`},
		{"another PUT on the old version", "PUT", grid, li, rename(t, cur.body, "别的名字"), `"v1"`, http.StatusPreconditionFailed, false, `"v2"`},
		{"create retried", "POST", "/v1/enclaves", li, third, "", http.StatusOK, true, `"v1"`},
		{"create retried by someone else", "POST", "/v1/enclaves", zhang, third, "", http.StatusConflict, false, `"v1"`},
		{"enclave PUT retried", "PUT", "/v1/enclaves/RETRY2", li, moved, `"v1"`, http.StatusOK, true, `"v2"`},
		{"enclave PUT retried by someone else", "PUT", "/v1/enclaves/RETRY2", zhang, moved, `"v1"`, http.StatusPreconditionFailed, false, `"v2"`},
		{"create of a code someone revised since", "POST", "/v1/enclaves", li, recreated, "", http.StatusConflict, false, `"v2"`},
		{"retire retried", "DELETE", "/v1/enclaves/RETRY1", li, nil, `"v1"`, http.StatusOK, true, ""},
		{"retire retried by someone else", "DELETE", "/v1/enclaves/RETRY1", zhang, nil, `"v1"`, http.StatusPreconditionFailed, false, ""},
		{"retire naming no version", "DELETE", "/v1/enclaves/RETRY2", li, nil, `"v0"`, http.StatusPreconditionFailed, false, `"v2"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var h []string
			if c.ifMatch != "" {
				h = []string{"If-Match", c.ifMatch}
			}
			r := n.send(t, c.method, c.path, c.token, c.body, h...)
			if r.status != c.status {
				t.Fatalf("%d %s, want %d", r.status, r.body, c.status)
			}
			if got := r.header.Get("Idempotent-Replayed") == "true"; got != c.replayed {
				t.Errorf("Idempotent-Replayed %v, want %v", got, c.replayed)
			}
			if c.etag != "" && r.header.Get("ETag") != c.etag {
				t.Errorf("ETag %s, want %s", r.header.Get("ETag"), c.etag)
			}
		})
	}
	var versions int
	if err := db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM unit WHERE code = '120104007013004'`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != 2 {
		t.Errorf("the grid has %d versions after the retries, want 2", versions)
	}
	if r := n.send(t, "DELETE", "/v1/enclaves/RETRY1", li, nil, "If-Match", `"v1"`); string(r.body) != string(retired.body) {
		t.Errorf("a retried retire answered %s, the first %s", r.body, retired.body)
	}
}

// rename returns a unit feature (a GET's body) with another name.
func rename(t *testing.T, feature []byte, name string) []byte {
	t.Helper()
	var f map[string]any
	if err := json.Unmarshal(feature, &f); err != nil {
		t.Fatal(err)
	}
	f["properties"].(map[string]any)["name"] = name
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
