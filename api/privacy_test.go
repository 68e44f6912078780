package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// privacyServer serves the demo city with the given public fields.
func privacyServer(t *testing.T, db *postgres.DB, svc *geo.Service, public access.Exposure) string {
	t.Helper()
	srv := httptest.NewServer(New(Deps{Units: db, Resolver: svc, Tokens: db, Auth: unlimitedAuth(), Reports: db, Patrols: db,
		Versions: db, Policy: casework.DefaultPolicy(), PublicFields: public}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestPersonalDataNotPublic: anonymous reads carry no grid worker's phone,
// no reporter's name, no description and no exact point, unless the server
// makes them public; a token whose scope covers the unit sees them all, a
// token scoped elsewhere does not.
func TestPersonalDataNotPublic(t *testing.T) {
	db, svc := openDemoService(t)
	base := privacyServer(t, db, svc, access.ExposeNone)
	open := privacyServer(t, db, svc, access.ExposeAll)
	exp := time.Now().Add(time.Hour)
	worker := createToken(t, db, access.RoleReporter, "", "网格员丙", exp)
	inside := createToken(t, db, access.RoleViewer, "120104", "南开区大屏", exp)
	elsewhere := createToken(t, db, access.RoleViewer, "120110", "东丽区大屏", exp)
	const grid = "120104007001003"
	id := uuid.NewString()
	body := fmt.Sprintf(`{"id":%q,"kind":"hazard","category":"E0506","severity":2,"description":"张三家门口堵塞","point":[%.7f,%.7f]}`,
		id, e2ePoint[0], e2ePoint[1])
	if r := request(t, "POST", base+"/v1/reports", []byte(body), authHeader(worker)...); r.status != 201 {
		t.Fatalf("POST report: %d %s", r.status, r.body)
	}
	cases := []struct {
		name     string
		url      string
		token    string
		personal bool
	}{
		{"anonymous", base, "", false},
		{"scope covers it", base, inside, true},
		{"scope elsewhere", base, elsewhere, false},
		{"the reporter", base, worker, true},
		{"public fields all", open, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := request(t, "GET", c.url+"/v1/units/"+grid, nil, authHeader(c.token)...)
			if u.status != 200 {
				t.Fatalf("GET unit: %d %s", u.status, u.body)
			}
			if has := strings.Contains(string(u.body), `"phone"`); has != c.personal && c.name != "the reporter" {
				t.Errorf("unit phone shown %v, want %v: %s", has, c.personal, u.body)
			}
			// Who saved a version is a person's name: hidden where names are.
			var unit struct {
				Properties struct {
					CreatedBy *string `json:"created_by"`
				} `json:"properties"`
			}
			if err := json.Unmarshal(u.body, &unit); err != nil {
				t.Fatal(err)
			}
			if shown := unit.Properties.CreatedBy != nil && *unit.Properties.CreatedBy == "demo"; shown != c.personal {
				t.Errorf("unit created_by %v shown %v, want %v", unit.Properties.CreatedBy, shown, c.personal)
			}
			items := request(t, "GET", c.url+"/ogc/collections/grids/items?code="+grid, nil, authHeader(c.token)...)
			var page struct {
				Features []struct {
					Properties map[string]any `json:"properties"`
				} `json:"features"`
			}
			if err := json.Unmarshal(items.body, &page); err != nil || len(page.Features) != 1 {
				t.Fatalf("OGC grid %s: %d %s", grid, items.status, items.body)
			}
			if by := page.Features[0].Properties["created_by"]; (by == "demo") != c.personal {
				t.Errorf("OGC grid created_by %v, want shown %v", by, c.personal)
			}
			filtered := request(t, "GET", c.url+"/ogc/collections/grids/items?created_by=demo&limit=1", nil, authHeader(c.token)...)
			want := map[string]int{"anonymous": 401, "scope covers it": 403, "scope elsewhere": 403}[c.name]
			if want == 0 {
				want = 200
			}
			if filtered.status != want {
				t.Errorf("OGC grids filtered by created_by: %d %s, want %d", filtered.status, filtered.body, want)
			}
			// What the unit shows depends on the token: no cache may hand
			// one caller's copy to another (an attacker's review).
			if vary := strings.Join(u.header.Values("Vary"), ", "); !strings.Contains(vary, "Authorization") {
				t.Errorf("GET unit: Vary %q, want Authorization in it", vary)
			}
			r := request(t, "GET", c.url+"/v1/reports/"+id, nil, authHeader(c.token)...)
			if c.name == "scope elsewhere" {
				if r.status != 403 {
					t.Errorf("a report outside the scope: %d", r.status)
				}
				return
			}
			var rep struct {
				Reporter    string     `json:"reporter"`
				Description string     `json:"description"`
				Point       [2]float64 `json:"point_wgs84"`
			}
			if err := json.Unmarshal(r.body, &rep); err != nil {
				t.Fatalf("GET report: %d %s", r.status, r.body)
			}
			shown := rep.Reporter == "网格员丙" && rep.Description == "张三家门口堵塞" && !coarse2(rep.Point)
			hidden := rep.Reporter == "" && rep.Description == "" && coarse2(rep.Point)
			if (c.personal && !shown) || (!c.personal && !hidden) {
				t.Errorf("report as seen: %+v, want personal data shown %v", rep, c.personal)
			}
			if !c.personal && strings.Contains(string(r.body), "网格员丙") {
				t.Errorf("the reporter's name is somewhere in the answer: %s", r.body)
			}
		})
	}
	t.Run("the history's notes and previous answers", func(t *testing.T) {
		admin := createToken(t, db, access.RoleAdmin, "", "管理员", exp)
		if r := request(t, "POST", base+"/v1/reports/"+id+":reresolve", []byte(`{"note":"已联系举报人李四 13900000000"}`), authHeader(admin)...); r.status != 200 {
			t.Fatalf("reresolve: %d %s", r.status, r.body)
		}
		exact := strconv.FormatFloat(e2ePoint[0], 'f', -1, 64)
		for _, c := range []struct {
			name, token string
			shown       bool
		}{{"anonymous", "", false}, {"the reporter", worker, true}} {
			r := request(t, "GET", base+"/v1/reports/"+id, nil, authHeader(c.token)...)
			body := string(r.body)
			if r.status != 200 || !strings.Contains(body, `"reresolve"`) {
				t.Fatalf("%s: GET report: %d %s", c.name, r.status, body)
			}
			if got := strings.Contains(body, "13900000000"); got != c.shown {
				t.Errorf("%s: the note shown %v, want %v", c.name, got, c.shown)
			}
			if got := strings.Contains(body, exact); got != c.shown {
				t.Errorf("%s: the exact point (in the previous answer) shown %v, want %v", c.name, got, c.shown)
			}
		}
	})
	t.Run("filters say no more than the answers", func(t *testing.T) {
		box := fmt.Sprintf("%.7f,%.7f,%.7f,%.7f", e2ePoint[0]-1e-5, e2ePoint[1]-1e-5, e2ePoint[0]+1e-5, e2ePoint[1]+1e-5)
		listed := func(url, token string) bool {
			r := request(t, "GET", url, nil, authHeader(token)...)
			if r.status != 200 {
				t.Fatalf("GET %s: %d %s", url, r.status, r.body)
			}
			return strings.Contains(string(r.body), id)
		}
		for _, c := range []struct {
			name, url, token string
			want             bool
		}{
			{"anonymous, a box at the exact point", base + "/v1/reports?bbox=" + box, "", false},
			{"anonymous OGC, a box at the exact point", base + "/ogc/collections/reports/items?bbox=" + box, "", false},
			{"the reporter, a box at the exact point", base + "/v1/reports?bbox=" + box, worker, true},
			{"public fields all, a box at the exact point", open + "/v1/reports?bbox=" + box, "", true},
			{"public fields all, by reporter", open + "/v1/reports?reporter=" + url.QueryEscape("网格员丙"), "", true},
		} {
			if got := listed(c.url, c.token); got != c.want {
				t.Errorf("%s: listed %v, want %v", c.name, got, c.want)
			}
		}
		wantProblem(t, request(t, "GET", base+"/v1/reports?reporter="+url.QueryEscape("网格员丙"), nil), 401, "reporter")
	})
	t.Run("OGC reports", func(t *testing.T) {
		r := request(t, "GET", base+"/ogc/collections/reports/items?limit=10000", nil)
		if strings.Contains(string(r.body), "张三家门口堵塞") || r.status != 200 {
			t.Errorf("an anonymous OGC read shows a description: %d", r.status)
		}
		var fc struct {
			Features []struct {
				Geometry struct{ Coordinates [2]float64 } `json:"geometry"`
			} `json:"features"`
		}
		if err := json.Unmarshal(r.body, &fc); err != nil || len(fc.Features) == 0 {
			t.Fatalf("OGC reports: %v", err)
		}
		for _, f := range fc.Features {
			if !coarse2(f.Geometry.Coordinates) {
				t.Fatalf("an anonymous OGC read has an exact point %v", f.Geometry.Coordinates)
			}
		}
	})
}

// coarse2 reports whether p lies on the 0.002° grid.
func coarse2(p [2]float64) bool {
	on := func(v float64) bool { return math.Abs(v/0.002-math.Round(v/0.002)) < 1e-6 }
	return on(p[0]) && on(p[1])
}

// TestNumbersUnderOtherNamesNotPublic (a review's finding): a phone number
// nested in an object, or under a name that does not say phone, was served
// to anonymous callers; now the property goes whole, the copy's ETag says
// it is partial (an edit of it would erase the number), and a token whose
// scope covers the unit still sees it.
func TestNumbersUnderOtherNamesNotPublic(t *testing.T) {
	db, svc := openDemoService(t)
	base := privacyServer(t, db, svc, access.ExposeNone)
	const grid = "120104007001003"
	if _, err := db.Pool.Exec(context.Background(), `UPDATE unit SET properties = properties ||
		'{"worker":{"name":"赵六","phone":"13955555555"},"网格员联系号码":"13933333333","contact":"13922222222","值班":"022-23456789"}'
		WHERE code = $1 AND valid_to IS NULL`, grid); err != nil {
		t.Fatal(err)
	}
	inside := createToken(t, db, access.RoleViewer, "120104", "南开区大屏", time.Now().Add(time.Hour))
	numbers := []string{"13955555555", "13933333333", "13922222222", "23456789"}
	for _, c := range []struct {
		name, token string
		shown       bool
	}{{"anonymous", "", false}, {"scope covers it", inside, true}} {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"/v1/units/" + grid, "/ogc/collections/grids/items/" + grid} {
				r := request(t, "GET", base+path, nil, authHeader(c.token)...)
				if r.status != 200 {
					t.Fatalf("GET %s: %d %s", path, r.status, r.body)
				}
				for _, n := range numbers {
					if strings.Contains(string(r.body), n) != c.shown {
						t.Errorf("%s: %s shown %v, want %v", path, n, !c.shown, c.shown)
					}
				}
				if strings.HasPrefix(path, "/v1/") && strings.Contains(r.header.Get("ETag"), "partial") == c.shown {
					t.Errorf("%s: ETag %s", path, r.header.Get("ETag"))
				}
			}
		})
	}
}
