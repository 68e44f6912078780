package api

import (
	"net/url"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/access"
)

// TestPagesAreOneSetOfBoundaries: the pages of a listing of now are read
// at the moment of its first page, so an edit between two pages does not
// show on the later one: its next link carries that moment (at, or
// datetime for OGC). An attacker saw a grid split between two pages listed
// as its old outline on one and its new parts on the next, overlapping, a
// state that never was; a listing naming its time keeps it.
func TestPagesAreOneSetOfBoundaries(t *testing.T) {
	s := newEditServer(t, nil)
	ed := s.token(t, access.RoleEditor, "", "王工")
	cases := []struct {
		name, first, timeParam, named string
	}{
		{"/v1/units", "/v1/units?level=grid&parent=120104001001&limit=2", "at", ""},
		{"OGC items", "/ogc/collections/grids/items?community_code=120104001001&limit=2", "datetime", ""},
		{"/v1/units at a named time", "/v1/units?level=grid&parent=120104001001&limit=2&at=2026-06-01T00:00:00Z", "at", "2026-06-01T00:00:00Z"},
	}
	renamed := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page := s.req(t, "GET", c.first, "", nil).json(t)
			next := nextLink(t, page)
			u, err := url.Parse(next)
			if err != nil || u.Query().Get(c.timeParam) == "" || c.named != "" && u.Query().Get(c.timeParam) != c.named {
				t.Fatalf("next %q: want %s pinned (%v)", next, c.timeParam, err)
			}
			// Rename every grid of the community: the later pages keep the names of the first page's moment.
			newNames := map[string]bool{}
			for _, code := range []string{"120104001001001", "120104001001002", "120104001001003", "120104001001004"} {
				f, tag := s.getFeature(t, "/v1/units/"+code, ed)
				renamed++
				propsOf(f)["name"] = "改名" + strings.Repeat("x", renamed)
				newNames[propsOf(f)["name"].(string)] = true
				if r := s.req(t, "PUT", "/v1/units/"+code, ed, mustJSON(t, f), "If-Match", tag); r.status != 200 {
					t.Fatalf("PUT %s: %d %s", code, r.status, r.body)
				}
			}
			for next != "" {
				page = s.req(t, "GET", strings.TrimPrefix(next, s.srv.URL), "", nil).json(t)
				for _, f := range page["features"].([]any) {
					if name, _ := f.(map[string]any)["properties"].(map[string]any)["name"].(string); newNames[name] {
						t.Errorf("a later page shows %s, renamed after the first page", name)
					}
				}
				next = nextLink(t, page)
			}
		})
	}
}

// nextLink is a page's link to the next one: GeoJSON's next member, or an
// OGC link of rel next ("" on the last page).
func nextLink(t *testing.T, page map[string]any) string {
	t.Helper()
	if next, ok := page["next"].(string); ok {
		return next
	}
	links, _ := page["links"].([]any)
	for _, l := range links {
		if m := l.(map[string]any); m["rel"] == "next" {
			return m["href"].(string)
		}
	}
	return ""
}
