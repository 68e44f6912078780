package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo/demotest"
)

// TestPartialCopyIsNotSaved: a boundary read without the right to see its
// phone numbers carries a "-partial" ETag, and an edit of that copy is
// refused by name (412 on If-Match, with the whole current version),
// because a save replaces the properties whole and would erase the phone.
// The copy read with the editor's own token saves as before; a partial
// copy of an older version is the usual 412 (someone else saved).
func TestPartialCopyIsNotSaved(t *testing.T) {
	db := demotest.Open(t)
	n := newNode(t, db, true)
	editor := createToken(t, db, access.RoleEditor, "120104", "南开区GIS", time.Now().Add(time.Hour))
	const grid = "/v1/units/120104007013004"

	anonymous := n.send(t, "GET", grid, "", nil)
	full := n.send(t, "GET", grid, editor, nil)
	if anonymous.status != http.StatusOK || full.status != http.StatusOK {
		t.Fatalf("GET: %d %s; %d %s", anonymous.status, anonymous.body, full.status, full.body)
	}
	if !strings.Contains(string(full.body), `"phone"`) || strings.Contains(string(anonymous.body), `"phone"`) {
		t.Fatalf("the demo grid's phone: anonymous %s, editor %s", anonymous.body, full.body)
	}
	tag := full.header.Get("ETag")
	partial := anonymous.header.Get("ETag")
	if partial != strings.TrimSuffix(tag, `"`)+`-partial"` {
		t.Fatalf("ETag of the anonymous copy %s, of the editor's %s", partial, tag)
	}

	cases := []struct {
		name    string
		body    []byte
		ifMatch string
		status  int
	}{
		{"the anonymous copy", rename(t, anonymous.body, "改名一"), partial, http.StatusPreconditionFailed},
		{"the anonymous copy's tag on the whole copy", rename(t, full.body, "改名二"), partial, http.StatusPreconditionFailed},
		{"the editor's copy", rename(t, full.body, "改名三"), tag, http.StatusOK},
		// Now an older version: someone else saved since, whatever the copy.
		{"the anonymous copy, stale", rename(t, anonymous.body, "改名四"), partial, http.StatusPreconditionFailed},
	}
	stale := len(cases) - 1
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := n.send(t, "PUT", grid, editor, c.body, "If-Match", c.ifMatch)
			if c.status == http.StatusOK {
				if r.status != http.StatusOK || !strings.Contains(string(r.body), `"phone"`) {
					t.Fatalf("save: %d %s", r.status, r.body)
				}
				return
			}
			p := wantProblem(t, r, c.status, "If-Match")
			if d, _ := p["detail"].(string); strings.Contains(d, "phone") != (i != stale) || i != stale && !strings.Contains(d, partial) {
				t.Errorf("detail %q", d)
			}
			current := r.header.Get("ETag")
			if !strings.Contains(string(r.body), `"phone"`) || (current == tag) != (i != stale) {
				t.Errorf("the refusal's current version (ETag %s) lacks the phone: %s", current, r.body)
			}
			if now := n.send(t, "GET", grid, editor, nil); now.header.Get("ETag") != current || !strings.Contains(string(now.body), `"phone"`) {
				t.Errorf("the unit changed: %s %s", now.header.Get("ETag"), now.body)
			}
		})
	}
}
