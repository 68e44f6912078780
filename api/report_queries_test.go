package api

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
)

func TestReportQueriesOverHTTP(t *testing.T) {
	s := newReportServer(t)
	cases := []struct {
		name, path string
		status     int
		check      func(map[string]any) bool
	}{
		{"reports of 百合春天社区 as GeoJSON", "/v1/reports?unit=" + demo.BaihechuntianCode + "&format=geojson&limit=5", 200,
			func(m map[string]any) bool {
				f, _ := m["features"].([]any)
				return m["type"] == "FeatureCollection" && len(f) == 5
			}},
		{"unmanaged reports of 南开区", "/v1/reports?unit=120104&flag=unmanaged", 200,
			func(m map[string]any) bool { f, _ := m["reports"].([]any); return len(f) >= demo.ReportsInGaps }},
		{"open cases by state and class", "/v1/reports?state=reported,accepted&category=E05,C01&severity=1,2", 200,
			func(m map[string]any) bool { return m["count"].(float64) > 0 }},
		{"stats of 南开区 by street", "/v1/stats?unit=120104", 200, func(m map[string]any) bool {
			tot, _ := m["totals"].(map[string]any)
			u, _ := m["units"].([]any)
			return m["group_level"] == "street" && len(u) >= 12 && tot["count"].(float64) > 250 && tot["on_time_share"] != nil
		}},
		{"city-wide stats", "/v1/stats", 200, func(m map[string]any) bool { return m["group_level"] == "district" }},
		{"categories", "/v1/categories", 200, func(m map[string]any) bool { c, _ := m["categories"].([]any); return len(c) > 80 }},
		{"coverage of 南开区 yesterday", "/v1/patrols/coverage?unit=120104&date=" + geo.ChinaDay(time.Now()).AddDate(0, 0, -1).Format(time.DateOnly), 200,
			func(m map[string]any) bool {
				tot, _ := m["totals"].(map[string]any)
				return tot["grids"].(float64) > 1000 && tot["grids_patrolled"].(float64) >= 5 && tot["coverage"].(float64) > 0
			}},
		{"bad state", "/v1/reports?state=done", 400, nil},
		{"bad unit", "/v1/reports?unit=12x", 400, nil},
		{"bad cursor", "/v1/reports?cursor=xyz", 400, nil},
		{"stats period too long", "/v1/stats?from=2020-01-01&to=2026-01-01", 400, nil},
		{"stats from after to", "/v1/stats?from=2026-03-02&to=2026-03-01", 400, nil},
		{"stats of a unit that never existed", "/v1/stats?unit=999999", 404, nil},
		{"overview of a unit that never existed", "/v1/stats/overview?unit=999999", 404, nil},
		{"overview of 南开区", "/v1/stats/overview?unit=120104", 200, func(m map[string]any) bool {
			u, _ := m["unit"].(map[string]any)
			return u["name"] == "南开区"
		}},
		{"coverage without unit", "/v1/patrols/coverage", 400, nil},
		{"overdue neither true nor false", "/v1/reports?overdue=yes", 400, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.send(t, "GET", c.path, "", nil)
			if r.status != c.status || (c.check != nil && !c.check(r.json(t))) {
				t.Errorf("status %d: %.600s", r.status, r.body)
			}
		})
	}
	// overdue=true lists the open cases past their deadline, as many as the
	// overview counts; overdue=false lists none of them.
	t.Run("overdue cases", func(t *testing.T) {
		now := time.Now()
		list := func(overdue string) []any {
			r := s.send(t, "GET", "/v1/reports?unit=120104&limit=1000&overdue="+overdue, s.admin, nil)
			if r.status != 200 {
				t.Fatalf("overdue=%s: %d %s", overdue, r.status, r.body)
			}
			return r.json(t)["reports"].([]any)
		}
		isOverdue := func(x any) bool {
			m := x.(map[string]any)
			due, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(m["due_at"]))
			return m["state"] != "closed" && m["state"] != "rejected" && m["due_at"] != nil && due.Before(now)
		}
		overdue, others := list("true"), list("false")
		for _, x := range overdue {
			if !isOverdue(x) {
				t.Errorf("listed as overdue: %v", x)
			}
		}
		for _, x := range others {
			if isOverdue(x) {
				t.Errorf("listed as not overdue: %v", x)
			}
		}
		ov := s.send(t, "GET", "/v1/stats/overview?unit=120104", s.admin, nil).json(t)
		counted, _ := ov["figures"].(map[string]any)["overdue_open"].(float64)
		if len(overdue) == 0 || float64(len(overdue)) != counted {
			t.Errorf("%d overdue cases listed, the overview counts %v", len(overdue), counted)
		}
	})
	t.Run("a scoped token sees its own district only", func(t *testing.T) {
		if r := s.send(t, "GET", "/v1/reports?unit=120104", s.outsider, nil); r.status != 403 {
			t.Errorf("status %d", r.status)
		}
		r := s.send(t, "GET", "/v1/reports", s.outsider, nil)
		for _, x := range r.json(t)["reports"].([]any) {
			if code := x.(map[string]any)["unit_code"].(string); !strings.HasPrefix(code, demo.DongliCode) {
				t.Errorf("saw a report of %s", code)
			}
		}
	})
	// A worker's reports are theirs wherever they lie (GET of one is
	// allowed): across the scope's edge they are listed too, and nobody
	// else's reports there are.
	t.Run("a scoped worker lists its own reports beyond its scope", func(t *testing.T) {
		p := s.point(t, "unit")
		body := fmt.Sprintf(`{"id":%q,"kind":"hazard","category":"E0506","severity":2,"point":[%v,%v]}`, uuid.NewString(), p[0], p[1])
		created := s.send(t, "POST", "/v1/reports", s.outsider, []byte(body))
		if created.status != 201 {
			t.Fatalf("report beyond the scope: %d %s", created.status, created.body)
		}
		id := created.json(t)["id"]
		listed := func(path string) (mine, others int) {
			for _, x := range s.send(t, "GET", path, s.outsider, nil).json(t)["reports"].([]any) {
				r := x.(map[string]any)
				switch {
				case r["id"] == id:
					mine++
				case !strings.HasPrefix(r["unit_code"].(string), demo.DongliCode) && r["reporter"] != "东丽网格员":
					others++
				}
			}
			return mine, others
		}
		for _, c := range []struct {
			path        string
			mine, other int
		}{
			{"/v1/reports?limit=500", 1, 0},
			{"/v1/reports?reporter=" + url.QueryEscape("东丽网格员"), 1, 0},
			{"/v1/reports?unit=" + demo.DongliCode + "&limit=500", 0, 0}, // a unit named is that unit
		} {
			if mine, others := listed(c.path); mine != c.mine || others != c.other {
				t.Errorf("%s: the worker's own report %d times (want %d), others' reports beyond its scope %d", c.path, mine, c.mine, others)
			}
		}
	})
}

func TestPatrolsOverHTTP(t *testing.T) {
	s := newReportServer(t)
	c := s.point(t, "unit")
	start := time.Now().Add(-time.Hour).UTC()
	var fixes []string
	for i := 0; i < 40; i++ { // a 40-minute stroll of ~400 m east and back
		x := c[0] + 0.0002*float64(min(i, 40-i))
		fixes = append(fixes, fmt.Sprintf(`{"point":[%.7f,%.7f],"t":"%s"}`, x, c[1], start.Add(time.Duration(i)*time.Minute/4).Format(time.RFC3339)))
	}
	id := uuid.NewString()
	payload := []byte(`{"id":"` + id + `","fixes":[` + strings.Join(fixes, ",") + `]}`)
	r := s.send(t, "POST", "/v1/patrols", s.reporter, payload)
	m := r.json(t)
	sum, _ := m["summary"].(map[string]any)
	grid, _ := m["grid"].(map[string]any)
	code, _ := grid["code"].(string)
	if r.status != 201 || m["worker"] != "王伟" || !strings.HasPrefix(code, "120104001") || sum["visited_cells"].(float64) < 1 || m["day"] == nil {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	writePosition(t, r)
	if r := s.send(t, "POST", "/v1/patrols", s.reporter, payload); r.status != 200 {
		t.Errorf("retry: %d", r.status)
	}
	track := `{"id":"` + uuid.NewString() + `","grid":"120104001001001","track":{"type":"LineString","coordinates":[[117.1,39.1],[117.1001,39.1]]},"times":["2026-01-01T00:00:00Z"]}`
	if r := s.send(t, "POST", "/v1/patrols", s.reporter, []byte(track)); r.status != 400 || r.json(t)["field"] != "times" {
		t.Errorf("times that do not match the vertices: %d %s", r.status, r.body)
	}
}

// TestPatrolsStayInTheirScope: a scoped worker's patrol counts only within
// its scope. Naming a grid outside it is a 403; a track that lies outside
// it is kept but credited to no grid, and its cells count for nobody — a
// reviewer's worker of one grid named any grid of the city and read its
// other workers' names in the answer, and swept a grid's box with fixes to
// raise its coverage to 100 %.
func TestPatrolsStayInTheirScope(t *testing.T) {
	s := newReportServer(t)
	c := s.point(t, "unit") // in 南开区; the outsider's scope is 东丽区
	// Days the demo has no patrols on: every cell is first visited here.
	stroll := func(grid string, daysAgo int) (string, []byte) {
		start := time.Now().AddDate(0, 0, -daysAgo).UTC()
		var fixes []string
		for i := 0; i < 20; i++ {
			fixes = append(fixes, fmt.Sprintf(`{"point":[%.7f,%.7f],"t":"%s"}`, c[0]+0.0002*float64(i), c[1],
				start.Add(time.Duration(i)*15*time.Second).Format(time.RFC3339)))
		}
		id := uuid.NewString()
		named := ""
		if grid != "" {
			named = `"grid":"` + grid + `",`
		}
		return id, []byte(`{"id":"` + id + `",` + named + `"fixes":[` + strings.Join(fixes, ",") + `]}`)
	}
	visits := func(id string) int {
		var n int
		if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM patrol_visit WHERE patrol_id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Run("a grid outside the scope is refused", func(t *testing.T) {
		_, body := stroll("120104001001001", 200)
		r := s.send(t, "POST", "/v1/patrols", s.outsider, body)
		if m := r.json(t); r.status != 403 || m["field"] != "grid" {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	})
	t.Run("a track outside the scope is kept, credited to nobody", func(t *testing.T) {
		id, body := stroll("", 200)
		r := s.send(t, "POST", "/v1/patrols", s.outsider, body)
		m := r.json(t)
		if r.status != 201 || m["grid"] != nil || m["day"] != nil {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if n := visits(id); n != 0 {
			t.Errorf("%d cells of 南开区 credited to a worker of 东丽区", n)
		}
	})
	t.Run("an unscoped worker's track counts where it went", func(t *testing.T) {
		id, body := stroll("", 201)
		r := s.send(t, "POST", "/v1/patrols", s.reporter, body)
		if m := r.json(t); r.status != 201 || m["grid"] == nil || m["day"] == nil {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if n := visits(id); n == 0 {
			t.Error("no cell visited")
		}
	})
}
