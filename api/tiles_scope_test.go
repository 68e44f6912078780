package api

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// TestTilesHonourScope (defect 6): with private reads, a viewer scoped to
// one street sees on the report and patrol tiles only the cases of its
// street — as GET /v1/reports/{id} answers 403 for the others — while an
// unscoped viewer sees them all.
func TestTilesHonourScope(t *testing.T) {
	db, srv := caseTileServer(t, false)
	scoped := createToken(t, db, access.RoleViewer, streetA, "长虹街道大屏", time.Now().Add(time.Hour))
	everyone := createToken(t, db, access.RoleViewer, "", "指挥中心", time.Now().Add(time.Hour))

	// A case of the street and one outside it, each with its place.
	pick := func(sql string) (id string, at orb.Point) {
		t.Helper()
		if err := db.Pool.QueryRow(context.Background(), sql, streetA).Scan(&id, &at[0], &at[1]); err != nil {
			t.Fatal(err)
		}
		return id, at
	}
	inside, insideAt := pick(`SELECT id::text, ST_X(geom), ST_Y(geom) FROM report WHERE starts_with(unit_code, $1) ORDER BY id LIMIT 1`)
	outside, outsideAt := pick(`SELECT id::text, ST_X(geom), ST_Y(geom) FROM report
		WHERE NOT starts_with(unit_code, $1) AND NOT starts_with(assigned_code, $1) ORDER BY id LIMIT 1`)
	track, trackAt := pick(`SELECT id::text, ST_X(ST_PointN(track, 2)), ST_Y(ST_PointN(track, 2)) FROM patrol
		WHERE grid_code IS NULL OR NOT starts_with(grid_code, $1) ORDER BY id LIMIT 1`)

	ids := func(token, layer string, at orb.Point) map[string]bool {
		t.Helper()
		tile := maptile.At(at, 14)
		layers := tileLayers(t, srv.URL+fmt.Sprintf("/tiles/%s/14/%d/%d.mvt", layer, tile.X, tile.Y), token)
		out := map[string]bool{}
		for _, l := range layers {
			for _, f := range l.Features {
				out[fmt.Sprint(f.Properties["id"])] = true
			}
		}
		return out
	}
	cases := []struct {
		name, token, layer, id string
		at                     orb.Point
		want                   bool
	}{
		{"the street's report, scoped", scoped, "report", inside, insideAt, true},
		{"another street's report, scoped", scoped, "report", outside, outsideAt, false},
		{"another street's report, unscoped", everyone, "report", outside, outsideAt, true},
		{"another grid's patrol, scoped", scoped, "patrol", track, trackAt, false},
		{"another grid's patrol, unscoped", everyone, "patrol", track, trackAt, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ids(c.token, c.layer, c.at)[c.id]; got != c.want {
				t.Errorf("%s %s on its tile: %v, want %v", c.layer, c.id, got, c.want)
			}
		})
	}
	if r := request(t, "GET", srv.URL+"/v1/reports/"+outside, nil, authHeader(scoped)...); r.status != 403 {
		t.Errorf("the report itself: %d, want 403: %s", r.status, r.body)
	}
}

// caseTileServer serves the demo's units, reports, patrols and tiles, with
// public reads or without.
func caseTileServer(t *testing.T, publicReads bool) (*postgres.DB, *httptest.Server) {
	db := demotest.Open(t)
	svc := openTiles(t, db)
	srv := httptest.NewServer(New(Deps{Units: db, Tokens: db, Reports: db, Patrols: db, Tiles: svc,
		Auth: &AuthConfig{PublicReads: publicReads, CacheTTL: time.Minute}}))
	t.Cleanup(srv.Close)
	return db, srv
}

// tileLayers fetches a tile as token (none: anonymously) and decodes it.
func tileLayers(t *testing.T, url, token string) mvt.Layers {
	t.Helper()
	r := request(t, "GET", url, nil, authHeader(token)...)
	if r.status != 200 {
		t.Fatalf("GET %s: %d %s", url, r.status, r.body)
	}
	layers, err := mvt.Unmarshal(r.body)
	if err != nil {
		t.Fatal(err)
	}
	return layers
}
