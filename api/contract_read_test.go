package api

import (
	"strings"
	"testing"
)

func TestContractUnitListIsGeoJSON(t *testing.T) {
	s := newFakeServer(t, nil)
	r := s.req(t, "GET", "/v1/units?level=grid&parent="+fakeCommunity, "", nil)
	if r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("status %d, type %q", r.status, r.header.Get("Content-Type"))
	}
	fc := r.json(t)
	if fc["type"] != "FeatureCollection" {
		t.Errorf("type %v", fc["type"])
	}
	if got := names(t, fc); len(got) != 2 || got[0] != "第1网格" || got[1] != "第2网格" {
		t.Errorf("grids of the community: %v", got)
	}
	f := fc["features"].([]any)[0].(map[string]any)
	if f["id"] != gridA || propsOf(f)["parent_code"] != fakeCommunity || propsOf(f)["level"] != "grid" {
		t.Errorf("feature %v", f)
	}
}

func TestContractUnitListPages(t *testing.T) {
	s := newFakeServer(t, nil)
	seen := map[string]bool{}
	path := "/v1/units?limit=3"
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		r := s.req(t, "GET", path, "", nil)
		fc := r.json(t)
		next, _ := fc["next"].(string)
		if next != "" && !strings.Contains(r.header.Get("Link"), `rel="next"`) {
			t.Errorf("a next page without a Link header: %v", r.header)
		}
		for _, n := range names(t, fc) {
			if seen[n] {
				t.Errorf("%s on two pages", n)
			}
			seen[n] = true
		}
		path = next
	}
	if len(seen) != 8 {
		t.Errorf("saw %d units, want 8", len(seen))
	}
}

func TestContractUnitListFilters(t *testing.T) {
	s := newFakeServer(t, nil)
	cases := []struct {
		query string
		want  int
	}{
		{"level=street&parent=120104", 2},
		{"bbox=117.16,39.11,117.17,39.12&level=grid", 1},
		{"level=district&at=2020-01-01", 0},
		{"parent=120104002", 1},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := s.req(t, "GET", "/v1/units?"+c.query, "", nil)
			if got := names(t, r.json(t)); r.status != 200 || len(got) != c.want {
				t.Errorf("status %d, units %v, want %d", r.status, got, c.want)
			}
		})
	}
}

func TestContractGetUnitCarriesItsVersion(t *testing.T) {
	s := newFakeServer(t, nil)
	r := s.req(t, "GET", "/v1/units/"+gridA, "", nil)
	if r.status != 200 || r.header.Get("ETag") != `"v1"` {
		t.Fatalf("status %d, ETag %q", r.status, r.header.Get("ETag"))
	}
	f := r.json(t)
	if g := f["geometry"].(map[string]any); g["type"] != "MultiPolygon" {
		t.Errorf("geometry %v", g["type"])
	}
	if p := propsOf(f); p["version"] != float64(1) || p["name"] != "第1网格" {
		t.Errorf("properties %v", p)
	}
}

func TestContractUnitHistory(t *testing.T) {
	s := newFakeServer(t, nil)
	ed := s.token("editor", "")
	f, _ := s.get(t, "/v1/units/"+gridA)
	propsOf(f)["name"] = "改名网格"
	if r := s.req(t, "PUT", "/v1/units/"+gridA, ed, mustJSON(t, f), "If-Match", `"v1"`); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	r := s.req(t, "GET", "/v1/units/"+gridA+"/history", "", nil)
	if got := names(t, r.json(t)); r.status != 200 || len(got) != 2 || got[0] != "第1网格" || got[1] != "改名网格" {
		t.Errorf("status %d, history %v", r.status, got)
	}
	wantProblem(t, s.req(t, "GET", "/v1/units/120104001001099/history", "", nil), 404, "code")
}

func TestContractEnclaves(t *testing.T) {
	s := newFakeServer(t, nil)
	fc := s.req(t, "GET", "/v1/enclaves?managing=120104001", "", nil).json(t)
	if got := names(t, fc); len(got) != 1 || got[0] != "沙柳北路64排" {
		t.Fatalf("enclaves managed under 120104001: %v", got)
	}
	if got := names(t, s.req(t, "GET", "/v1/enclaves?managing=120104002", "", nil).json(t)); len(got) != 0 {
		t.Errorf("enclaves managed under 120104002: %v", got)
	}
	r := s.req(t, "GET", "/v1/enclaves/"+fakeEnclave, "", nil)
	if p := propsOf(r.json(t)); r.status != 200 || r.header.Get("ETag") != `"v1"` || p["status"] != "custodial" || p["managing_code"] != fakeCommunity {
		t.Errorf("status %d, ETag %q, properties %v", r.status, r.header.Get("ETag"), p)
	}
	if r := s.req(t, "GET", "/v1/enclaves/"+fakeEnclave+"/history", "", nil); r.status != 200 {
		t.Errorf("history: %d", r.status)
	}
	wantProblem(t, s.req(t, "GET", "/v1/enclaves/nope", "", nil), 404, "code")
}

// TestContractParametersAreNamed: every malformed parameter is a 400
// problem that names it.
func TestContractParametersAreNamed(t *testing.T) {
	s := newFakeServer(t, nil)
	cases := []struct{ name, path, field string }{
		{"malformed code", "/v1/units/12x", "code"},
		{"unknown level", "/v1/units?level=province", "level"},
		{"bad parent", "/v1/units?parent=abc", "parent"},
		{"bbox with three numbers", "/v1/units?bbox=1,2,3", "bbox"},
		{"bbox out of range", "/v1/units?bbox=100,20,200,30", "bbox"},
		{"bbox upside down", "/v1/units?bbox=118,40,117,39", "bbox"},
		{"bbox NaN", "/v1/units?bbox=NaN,1,2,3", "bbox"},
		{"bad time", "/v1/units?at=yesterday", "at"},
		{"limit zero", "/v1/units?limit=0", "limit"},
		{"limit too big", "/v1/units?limit=100000", "limit"},
		{"bad managing code", "/v1/enclaves?managing=x", "managing"},
		{"enclave at a bad time", "/v1/enclaves/" + fakeEnclave + "?at=soon", "at"},
		{"resolve without lat", "/v1/resolve?lng=117.1", "lat"},
		{"resolve non-numeric", "/v1/resolve?lng=abc&lat=39", "lng"},
		{"resolve NaN", "/v1/resolve?lng=NaN&lat=39", "lng"},
		{"resolve unknown crs", "/v1/resolve?lng=117&lat=39&crs=mars", "crs"},
		{"resolve bad at", "/v1/resolve?lng=117&lat=39&at=soon", "at"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantProblem(t, s.req(t, "GET", c.path, "", nil), 400, c.field)
		})
	}
}

// TestResolveNamesTheCoordinateAliases: a newcomer sending another
// service's names (lon=, latitude=) is told resolve's.
func TestResolveNamesTheCoordinateAliases(t *testing.T) {
	s := newFakeServer(t, nil)
	for _, c := range []struct{ path, field, alias string }{
		{"/v1/resolve?lon=117.11&lat=39.12", "lng", "lon was given"},
		{"/v1/resolve?lng=117.11&latitude=39.12", "lat", "latitude was given"},
		{"/v1/resolve?x=117.11&y=39.12", "lng", "x was given"},
	} {
		p := wantProblem(t, s.req(t, "GET", c.path, "", nil), 400, c.field)
		if d, _ := p["detail"].(string); !strings.Contains(d, c.alias) || !strings.Contains(d, "lng and lat") {
			t.Errorf("%s: %q", c.path, d)
		}
	}
}

func TestContractResolve(t *testing.T) {
	s := newFakeServer(t, nil)
	r := s.req(t, "GET", "/v1/resolve?lng=117.11&lat=39.12", "", nil)
	m := r.json(t)
	if r.status != 200 || m["status"] != "managed" || m["grid"].(map[string]any)["code"] != gridA {
		t.Errorf("status %d, answer %s", r.status, r.body)
	}
	r = s.req(t, "POST", "/v1/resolve", "", []byte(`{"points":[[117.11,39.12],[100,20],[200,1]]}`))
	m = r.json(t)
	results, _ := m["results"].([]any)
	if r.status != 200 || m["count"] != float64(3) || len(results) != 3 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if bad := results[2].(map[string]any); bad["error"] == nil {
		t.Errorf("an invalid point has no error of its own: %v", bad)
	}
	wantProblem(t, s.req(t, "POST", "/v1/resolve", "", []byte(`{"points":"many"}`)), 400, "points")
}
