package api

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/mock"
	"github.com/paulmach/orb"
)

func TestContractHealthAndReadiness(t *testing.T) {
	s := newFakeServer(t, nil)
	for _, path := range []string{"/healthz", "/readyz"} {
		if r := s.req(t, "GET", path, "", nil); r.status != 200 {
			t.Errorf("%s: %d", path, r.status)
		}
	}
	s.ready = geo.Errorf(geo.EUNAVAILABLE, "", "the resolver index is still loading")
	wantProblem(t, s.req(t, "GET", "/readyz", "", nil), 503, "")
	if r := s.req(t, "GET", "/healthz", "", nil); r.status != 200 {
		t.Errorf("a live process that is not ready is still healthy: %d", r.status)
	}
	s.req(t, "GET", "/v1/units/"+gridA, "", nil)
	r := s.req(t, "GET", "/metrics", "", nil)
	if !bytes.Contains(r.body, []byte(`gridmap_http_requests_total{method="GET",route="/v1/units/:code",status="200"}`)) {
		t.Errorf("metrics lack the request counter by route:\n%.1000s", r.body)
	}
}

func TestContractCORS(t *testing.T) {
	s := newFakeServer(t, nil)
	r := s.req(t, "GET", "/v1/units/"+gridA, "", nil, "Origin", "https://screen.example")
	if r.header.Get("Access-Control-Allow-Origin") != "https://screen.example" {
		t.Errorf("an allowed origin: %v", r.header)
	}
	for _, h := range []string{"ETag", "Retry-After", IndexVersionHeader, "Idempotent-Replayed", "Location"} {
		if !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), h) {
			t.Errorf("a cross-origin client cannot read %s: %v", h, r.header.Get("Access-Control-Expose-Headers"))
		}
	}
	r = s.req(t, "OPTIONS", "/v1/units/"+gridA, "", nil, "Origin", "https://screen.example", "Access-Control-Request-Method", "PUT")
	for _, h := range []string{"If-Match", MinVersionHeader} {
		if r.status != 204 || !strings.Contains(r.header.Get("Access-Control-Allow-Headers"), h) {
			t.Errorf("preflight does not allow %s: %d %v", h, r.status, r.header)
		}
	}
	if r := s.req(t, "GET", "/v1/units/"+gridA, "", nil, "Origin", "https://elsewhere.example"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin is allowed: %v", r.header)
	}
}

func TestContractAudit(t *testing.T) {
	s := newFakeServer(t, nil)
	s.audit.Result = geo.AuditResult{Summary: geo.AuditSummary{Parents: 3, Gaps: 1, GapAreaM2: 1200},
		Findings: []geo.Finding{{Kind: geo.FindingGap, ParentCode: fakeCommunity, Level: geo.Grid, AreaM2: 1200,
			Geom: box(117.14, 39.14, 117.145, 39.145), Location: &orb.Point{117.142, 39.142}}}}
	r := s.req(t, "GET", "/v1/audit?unit="+mock.District, "", nil)
	fc := r.json(t)
	if r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" || len(fc["features"].([]any)) != 1 {
		t.Fatalf("audit: %d %s", r.status, r.body)
	}
	if sum := fc["summary"].(map[string]any); sum["unit"] != mock.District || sum["gaps"] != float64(1) {
		t.Errorf("summary %v", sum)
	}
	scoped := s.token(access.RoleViewer, mock.Street)
	s.req(t, "GET", "/v1/audit?min_area=50", scoped, nil)
	if qs := s.audit.Queries(); qs[len(qs)-1].Unit != mock.Street || qs[len(qs)-1].Tolerance.AreaM2 != 50 {
		t.Errorf("a scoped audit with a tolerance asked %+v", qs[len(qs)-1])
	}
	wantProblem(t, s.req(t, "GET", "/v1/audit?unit=12x", "", nil), 400, "unit")
	wantProblem(t, s.req(t, "GET", "/v1/audit?min_width=-1", "", nil), 400, "tolerance.width_m")
	wantProblem(t, serveOnce(t, New(Deps{}), "GET", "/v1/audit"), 503, "")
}

// upload is a multipart body with one file part and form fields.
func upload(t *testing.T, file, content string, fields map[string]string) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	part, err := w.CreateFormFile("file", file)
	if err == nil {
		_, err = part.Write([]byte(content))
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.FormDataContentType()
}

func TestContractImports(t *testing.T) {
	s := newFakeServer(t, nil)
	ed := s.tokens.Issue(access.RoleEditor, mock.Street, "王工", time.Now().Add(time.Hour))
	body, ct := upload(t, "网格.geojson", `{"type":"FeatureCollection","features":[]}`, map[string]string{"dry_run": "true"})
	r := request(t, "POST", s.srv.URL+"/v1/imports", body, append(authHeader(ed), "Content-Type", ct)...)
	job := r.json(t)
	if r.status != 202 || r.header.Get("Location") != "/v1/imports/1" || job["status"] != "queued" || job["actor"] != "王工" {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	if opts := job["options"].(map[string]any); opts["within"] != mock.Street || opts["dry_run"] != true {
		t.Errorf("options %v", opts)
	}
	if r := s.req(t, "GET", "/v1/imports/1", ed, nil); r.status != 200 {
		t.Errorf("the job: %d", r.status)
	}
	// Never to anonymous callers: its report names its author and the data's faults.
	wantProblem(t, s.req(t, "GET", "/v1/imports/1", "", nil), 401, "Authorization")
	// A scoped reader sees the jobs within its scope only.
	if r := s.req(t, "GET", "/v1/imports/1", s.token(access.RoleViewer, fakeCommunity), nil); r.status != 403 {
		t.Errorf("the job of the street to a community's viewer: %d, want 403", r.status)
	}
	if r := s.req(t, "GET", "/v1/imports/1", s.token(access.RoleViewer, mock.Street), nil); r.status != 200 {
		t.Errorf("the job of the street to its viewer: %d, want 200", r.status)
	}
	wantProblem(t, s.req(t, "GET", "/v1/imports/99", ed, nil), 404, "id")
	wantProblem(t, s.req(t, "GET", "/v1/imports/x", ed, nil), 400, "id")
	cases := []struct {
		name, file string
		fields     map[string]string
		field      string
	}{
		{"not a boundary file", "notes.txt", nil, "file"},
		{"a hidden file", ".geojson", nil, "file"},
		{"a flag that is not a boolean", "a.geojson", map[string]string{"strict": "maybe"}, "strict"},
		{"a tolerance that is not a number", "a.geojson", map[string]string{"min_area": "big"}, "min_area"},
		{"an unknown level", "a.geojson", map[string]string{"level": "province"}, "level"},
		{"retiring outside the token's scope", "a.geojson", map[string]string{"retire_missing": "true", "scope": "120104002"}, "scope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body, ct := upload(t, c.file, "{}", c.fields)
			r := request(t, "POST", s.srv.URL+"/v1/imports", body, append(authHeader(ed), "Content-Type", ct)...)
			wantProblem(t, r, 400, c.field)
		})
	}
	r = request(t, "POST", s.srv.URL+"/v1/imports", []byte(`{}`), append(authHeader(ed), "Content-Type", "application/json")...)
	wantProblem(t, r, 400, "body")
}

func TestContractPatrols(t *testing.T) {
	s := newFakeServer(t, nil)
	rep := s.token(access.RoleReporter, "")
	start := time.Now().Add(-time.Hour).UTC()
	var fixes []string
	for i := 0; i < 10; i++ {
		fixes = append(fixes, fmt.Sprintf(`{"point":[%g,39.12],"t":%q}`, 117.105+float64(i)*0.0002, start.Add(time.Duration(i)*15*time.Second).Format(time.RFC3339)))
	}
	body := []byte(fmt.Sprintf(`{"id":%q,"fixes":[%s]}`, testUUID(30), strings.Join(fixes, ",")))
	r := s.req(t, "POST", "/v1/patrols", rep, body)
	m := r.json(t)
	if r.status != 201 || m["grid"].(map[string]any)["code"] != gridA || m["worker"] != "reporter@" {
		t.Fatalf("patrol: %d %s", r.status, r.body)
	}
	if r := s.req(t, "POST", "/v1/patrols", rep, body); r.status != 200 {
		t.Errorf("a retried upload: %d", r.status)
	}
	r = s.req(t, "GET", "/v1/patrols/coverage?unit="+fakeCommunity+"&date="+start.In(geo.ChinaTime).Format(time.DateOnly), "", nil)
	if m := r.json(t); r.status != 200 || m["totals"].(map[string]any)["grids"] != float64(2) || m["totals"].(map[string]any)["patrols"] != float64(1) {
		t.Errorf("coverage: %d %s", r.status, r.body)
	}
	one := []byte(fmt.Sprintf(`{"id":%q,"fixes":[%s]}`, testUUID(31), fixes[0]))
	wantProblem(t, s.req(t, "POST", "/v1/patrols", rep, one), 400, "fixes")
	wantProblem(t, s.req(t, "POST", "/v1/patrols", rep, []byte(`{"fixes":[]}`)), 400, "id")
	wantProblem(t, s.req(t, "GET", "/v1/patrols/coverage", "", nil), 400, "unit")
	wantProblem(t, s.req(t, "GET", "/v1/patrols/coverage?unit="+fakeCommunity+"&date=today", "", nil), 400, "date")
}

// TestContractTilesNeedTheTileService: without it the tile routes say so.
func TestContractTilesNeedTheTileService(t *testing.T) {
	s := newFakeServer(t, nil)
	for _, path := range []string{"/tiles/grid/14/13522/6252.mvt", "/tiles/catalog", "/style.json"} {
		r := s.req(t, "GET", path, "", nil)
		if r.status != 503 || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
	}
}
