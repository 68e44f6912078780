package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/web"
)

// TestMobileApp: /m/ serves the installable app — its page, a manifest a
// browser accepts for installing (name, start_url, standalone, 192 and 512
// px icons), and a service worker stamped with the version of the files.
func TestMobileApp(t *testing.T) {
	s := newFakeServer(t, nil)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if r, err := noFollow.Get(s.srv.URL + "/m"); err != nil || r.StatusCode != 301 || r.Header.Get("Location") != "/m/" {
		t.Errorf("/m: %v %v", r, err)
	}
	page := s.req(t, "GET", "/m/", "", nil)
	if page.status != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") ||
		!bytes.Contains(page.body, []byte(`rel="manifest"`)) {
		t.Fatalf("/m/: %d %s", page.status, page.header.Get("Content-Type"))
	}
	r := s.req(t, "GET", "/m/manifest.webmanifest", "", nil)
	var m struct {
		Name     string
		StartURL string `json:"start_url"`
		Display  string
		Icons    []struct{ Src, Sizes, Type string }
	}
	if err := json.Unmarshal(r.body, &m); err != nil || r.header.Get("Content-Type") != "application/manifest+json" {
		t.Fatalf("manifest: %v, %s", err, r.header.Get("Content-Type"))
	}
	if m.Name == "" || m.StartURL == "" || m.Display != "standalone" || len(m.Icons) != 2 {
		t.Errorf("manifest %+v", m)
	}
	for _, icon := range m.Icons {
		r := s.req(t, "GET", "/m/"+icon.Src, "", nil)
		cfg, err := png.DecodeConfig(bytes.NewReader(r.body))
		if err != nil || icon.Sizes != fmt.Sprintf("%dx%d", cfg.Width, cfg.Height) {
			t.Errorf("icon %s (%s): %dx%d, %v", icon.Src, icon.Sizes, cfg.Width, cfg.Height, err)
		}
	}
	sw := s.req(t, "GET", "/m/sw.js", "", nil)
	if sw.status != 200 || !strings.HasPrefix(sw.header.Get("Content-Type"), "text/javascript") ||
		!bytes.Contains(sw.body, []byte(web.AppVersion())) || bytes.Contains(sw.body, []byte("__GRIDMAP_APP_VERSION__")) ||
		sw.header.Get("Service-Worker-Allowed") != "/m/" {
		t.Errorf("service worker: %d %v", sw.status, sw.header)
	}
	if r := s.req(t, "GET", "/m/../../etc/passwd", "", nil); r.status != 404 {
		t.Errorf("a path out of the app: %d", r.status)
	}
}

// TestMe: /v1/me tells the app who its token stands for and the box of its
// scope; without a token it is 401, whatever the read policy.
func TestMe(t *testing.T) {
	s := newFakeServer(t, nil)
	wantProblem(t, s.req(t, "GET", "/v1/me", "", nil), 401, "Authorization")
	r := s.req(t, "GET", "/v1/me", s.token(access.RoleReporter, gridA), nil)
	got := r.json(t)
	unit, _ := got["unit"].(map[string]any)
	if r.status != 200 || got["role"] != "reporter" || got["scope"] != gridA || unit["code"] != gridA || unit["name"] != "第1网格" ||
		len(unit["bbox"].([]any)) != 4 || !strings.Contains(string(r.body), `"report"`) {
		t.Errorf("me: %d %s", r.status, r.body)
	}
	if got := s.req(t, "GET", "/v1/me", s.token(access.RoleAdmin, ""), nil).json(t); got["scope"] != nil || got["unit"] != nil {
		t.Errorf("an unscoped token: %v", got)
	}
	// Two tokens of one name and scope (a re-issue, or two workers of the
	// same name) are told apart by their ids: the app keeps each one's
	// unsent work for it alone. The answer varies with the token.
	twin := s.req(t, "GET", "/v1/me", s.token(access.RoleReporter, gridA), nil)
	other := twin.json(t)
	id, _ := got["token_id"].(float64)
	twinID, _ := other["token_id"].(float64)
	if other["name"] != got["name"] || other["scope"] != got["scope"] || id < 1 || twinID < 1 || id == twinID {
		t.Errorf("two tokens of one name and scope: token_id %v and %v (%s, %s)", got["token_id"], other["token_id"], r.body, twin.body)
	}
	if vary := strings.Join(twin.header.Values("Vary"), ", "); !strings.Contains(vary, "Authorization") {
		t.Errorf("Vary %q, want Authorization in it", vary)
	}
}
