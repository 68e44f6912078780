package api

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
	"github.com/gridmap-dev/gridmap/importer"
)

// storedUnit is what must survive a round trip: every field of a unit but
// its version metadata, and its geometry exactly (the WKB's digest).
type storedUnit struct {
	Level, Name, Parent, Props, Geom string
}

// storedUnits reads the current units of a database.
func storedUnits(t *testing.T, pool *pgxpool.Pool) map[string]storedUnit {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT code, level, name, coalesce(parent_code, ''), properties::text,
		md5(ST_AsBinary(geom)) FROM unit WHERE valid_to IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]storedUnit{}
	for rows.Next() {
		var code string
		var u storedUnit
		if err := rows.Scan(&code, &u.Level, &u.Name, &u.Parent, &u.Props, &u.Geom); err != nil {
			t.Fatal(err)
		}
		out[code] = u
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// apiExport saves what the API answers to GETs of paths — every page,
// following "next" — as one FeatureCollection file, as a user saves it.
func (s *editServer) apiExport(t *testing.T, token string, paths ...string) string {
	t.Helper()
	var feats []json.RawMessage
	for _, p := range paths {
		for p != "" {
			r := s.req(t, "GET", p, token, nil)
			var page struct {
				Type     string            `json:"type"`
				Features []json.RawMessage `json:"features"`
				Next     string            `json:"next"`
			}
			if r.status != 200 || json.Unmarshal(r.body, &page) != nil || page.Type != "FeatureCollection" {
				t.Fatalf("GET %s: %d %.300s", p, r.status, r.body)
			}
			feats = append(feats, page.Features...)
			p = page.Next
		}
	}
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": feats})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "export.geojson")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImportAPIExport: what GET /v1/units, GET /v1/enclaves and the OGC
// API's items answer, saved to a file, imports as it is — into an empty
// database the units come back the same (codes, names, levels, parents,
// properties, geometry), and into the database they came from nothing
// changes. (The properties were imported nested under "properties" or
// "attributes", beside the version metadata: every unit came back changed.)
func TestImportAPIExport(t *testing.T) {
	s := newEditServer(t, nil)
	admin := s.token(t, access.RoleAdmin, "", "gis") // sees every property, phones too
	want := storedUnits(t, s.db.Pool)
	var enclaves int
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM enclave WHERE valid_to IS NULL`).Scan(&enclaves); err != nil || enclaves == 0 {
		t.Fatalf("%d enclaves in the demo city (%v); want some", enclaves, err)
	}
	if len(want) < 1000 {
		t.Fatalf("the demo city has %d units; want more than a page", len(want))
	}
	ogc := func(ids ...string) (paths []string) {
		for _, id := range ids {
			paths = append(paths, "/ogc/collections/"+id+"/items?limit=10000")
		}
		return paths
	}
	cases := []struct {
		name  string
		paths []string
		level geo.Level // "" for units
		n     int       // features
	}{
		{"GET /v1/units", []string{"/v1/units?limit=1000"}, "", len(want)},
		{"OGC API items", ogc("districts", "streets", "communities", "grids"), "", len(want)},
		{"GET /v1/enclaves", []string{"/v1/enclaves"}, geo.LevelEnclave, enclaves},
		{"OGC API enclaves", ogc("enclaves"), geo.LevelEnclave, enclaves},
	}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := s.apiExport(t, admin, c.paths...)
			if c.level == "" {
				t.Run("into an empty database", func(t *testing.T) {
					db := pgtest.Open(t)
					rep, err := importer.Run(ctx, db.Pool, []string{path}, geo.ImportOptions{Actor: "test"}, 0, nil)
					if err != nil || !rep.Committed || rep.Counts.Created != c.n {
						t.Fatalf("import: %v; committed %v, counts %+v, issues %.5v", err, rep.Committed, rep.Counts, rep.Issues)
					}
					sameUnits(t, storedUnits(t, db.Pool), want)
				})
			}
			t.Run("into the database it came from", func(t *testing.T) {
				o := geo.ImportOptions{Actor: "test", DryRun: true, Level: c.level}
				rep, err := importer.Run(ctx, s.db.Pool, []string{path}, o, 0, nil)
				if err != nil || rep.Errors != 0 || rep.Counts.Unchanged != c.n || rep.Counts.Created+rep.Counts.Changed != 0 {
					t.Fatalf("dry run: %v; counts %+v, issues %.5v", err, rep.Counts, rep.Issues)
				}
			})
		})
	}
}

// sameUnits reports the units that differ (the first few) or are missing
// or extra.
func sameUnits(t *testing.T, got, want map[string]storedUnit) {
	t.Helper()
	bad := 0
	for code, w := range want {
		if g, ok := got[code]; (!ok || g != w) && bad < 5 {
			t.Errorf("unit %s: %+v, want %+v", code, g, w)
			bad++
		}
	}
	extra := slices.DeleteFunc(slices.Collect(maps.Keys(got)), func(c string) bool { _, ok := want[c]; return ok })
	if len(extra) > 0 || len(got) != len(want) {
		t.Errorf("%d units, want %d; units the source does not have: %.10v", len(got), len(want), extra)
	}
}
