package api

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/audit"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
	"github.com/gridmap-dev/gridmap/importer"
)

// refuseConnections makes the database of db refuse new connections (SQLSTATE
// 55000, as a server does while it is not ready) and ends the open ones;
// the returned func lets connections in again.
func refuseConnections(t *testing.T, url string) (restore func()) {
	t.Helper()
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	name := cfg.Database
	admin, err := pgx.ParseConfig(pgtest.TemplateURL())
	if err != nil {
		t.Fatal(err)
	}
	admin.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	ident := pgx.Identifier{name}.Sanitize()
	for _, sql := range []string{"ALTER DATABASE " + ident + " ALLOW_CONNECTIONS false",
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "' AND pid <> pg_backend_pid()"} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" ALLOW_CONNECTIONS true"); err != nil {
			t.Error(err)
		}
	}
}

// demoServer is the whole API over a fresh copy of the demo city, with
// imports run in the background and public reads.
func demoServer(t *testing.T) (*postgres.DB, *httptest.Server) {
	t.Helper()
	db := demotest.Open(t)
	svc := geo.NewService(db, db)
	if err := svc.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	jobs := &importer.Jobs{Pool: db.Pool, Base: ctx}
	t.Cleanup(func() { cancel(); jobs.Wait() })
	tileSvc := openTiles(t, db)
	srv := httptest.NewServer(New(Deps{Units: db, Resolver: svc, Tokens: db, Editor: db, Versions: db, Reports: db,
		Patrols: db, Imports: jobs, Audit: &audit.Store{Pool: db.Pool}, Tiles: tileSvc, Policy: casework.DefaultPolicy(),
		Auth: &AuthConfig{PublicReads: true, CacheTTL: time.Hour}, Ready: func(ctx context.Context) error { return db.Ping(ctx) }}))
	t.Cleanup(srv.Close)
	return db, srv
}

// TestOutageIsUnavailable (defect 8): with the database refusing
// connections, reads, reports and imports answer 503 with Retry-After —
// never 500 — and /readyz says so too.
func TestOutageIsUnavailable(t *testing.T) {
	db, srv := demoServer(t)
	admin := createToken(t, db, access.RoleAdmin, "", "值班", time.Now().Add(time.Hour))
	if r := request(t, "GET", srv.URL+"/v1/units/120104", nil, authHeader(admin)...); r.status != 200 {
		t.Fatalf("before the outage: %d %s", r.status, r.body) // also caches the token
	}
	fresh := createToken(t, db, access.RoleViewer, "", "新来的", time.Now().Add(time.Hour)) // not cached yet
	defer refuseConnections(t, db.URL())()

	var upload bytes.Buffer
	mw := multipart.NewWriter(&upload)
	fw, _ := mw.CreateFormFile("file", "a.geojson")
	fw.Write([]byte(`{"type":"FeatureCollection","features":[]}`))
	mw.Close()
	report := `{"id":"0b7c6a3e-5f1d-4a51-9b7e-6d2f1c3a9e77","kind":"hazard","category":"E0506","severity":2,"reporter":"值班","point":[117.15,39.11]}`
	patrol := `{"id":"0b7c6a3e-5f1d-4a51-9b7e-6d2f1c3a9e78","worker":"张三","fixes":[{"point":[117.15,39.11],"t":"` +
		time.Now().Add(-time.Minute).Format(time.RFC3339) + `"},{"point":[117.151,39.111],"t":"` + time.Now().Format(time.RFC3339) + `"}]}`
	tile := maptile.At(orb.Point{117.15, 39.11}, 14)
	cases := []struct {
		name, method, path string
		body               []byte
		headers            []string
	}{
		{"a unit", "GET", "/v1/units/120104", nil, nil},
		{"units", "GET", "/v1/units?level=street", nil, nil},
		{"a report", "POST", "/v1/reports", []byte(report), []string{"Content-Type", "application/json"}},
		{"an import", "POST", "/v1/imports", upload.Bytes(), []string{"Content-Type", mw.FormDataContentType()}},
		{"readiness", "GET", "/readyz", nil, nil},
		{"a unit's history", "GET", "/v1/units/120104/history", nil, nil},
		{"an enclave", "GET", "/v1/enclaves/E120110001", nil, nil},
		{"reports", "GET", "/v1/reports?unit=120104", nil, nil},
		{"statistics", "GET", "/v1/stats?unit=120104", nil, nil},
		{"patrol coverage", "GET", "/v1/patrols/coverage?unit=120104", nil, nil},
		{"an edit", "PUT", "/v1/units/120104001001001", featureBody(`{"name":"x"}`), []string{"If-Match", `"v1"`}},
		{"a retirement", "DELETE", "/v1/enclaves/E120110001", nil, []string{"If-Match", `"v1"`}},
		{"an import job", "GET", "/v1/imports/1", nil, nil},
		{"OGC items", "GET", "/ogc/collections/grids/items?district_code=120104", nil, nil},
		{"a token not yet cached", "GET", "/v1/units/120104", nil, []string{"Authorization", "Bearer " + fresh}},
		{"a patrol", "POST", "/v1/patrols", []byte(patrol), []string{"Content-Type", "application/json"}},
		{"a batch of reports", "POST", "/v1/reports:batch", []byte(`{"reports":[` + report + `]}`), nil},
		{"a transition", "POST", "/v1/reports/0b7c6a3e-5f1d-4a51-9b7e-6d2f1c3a9e77/transitions",
			[]byte(`{"action":"accept","client_id":"0b7c6a3e-5f1d-4a51-9b7e-6d2f1c3a9e79"}`), nil},
		{"a re-resolution", "POST", "/v1/reports/0b7c6a3e-5f1d-4a51-9b7e-6d2f1c3a9e77:reresolve", nil, nil},
		{"an audit", "GET", "/v1/audit?unit=120104", nil, nil},
		{"a report tile", "GET", fmt.Sprintf("/tiles/report/14/%d/%d.mvt", tile.X, tile.Y), nil, nil},
		{"a grid tile", "GET", fmt.Sprintf("/tiles/grid/15/%d/%d.mvt", tile.X*2, tile.Y*2), nil, nil},
		{"the OGC reports collection", "GET", "/ogc/collections/reports", nil, nil},
		{"OGC report items", "GET", "/ogc/collections/reports/items?limit=5", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := request(t, c.method, srv.URL+c.path, c.body, append(authHeader(admin), c.headers...)...)
			if r.status != 503 || (c.path != "/readyz" && r.header.Get("Retry-After") == "") {
				t.Errorf("status %d, Retry-After %q: %s; want 503 with Retry-After", r.status, r.header.Get("Retry-After"), r.body)
			}
		})
	}
}
