package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// topologyAnswerJSON is the answer of a topology edit as a client reads it.
type topologyAnswerJSON struct {
	Units struct {
		Features []struct {
			ID         string `json:"id"`
			Properties struct {
				Code    string `json:"code"`
				Version int    `json:"version"`
			} `json:"properties"`
		} `json:"features"`
	} `json:"units"`
	Retired   []geo.VersionRef  `json:"retired"`
	Unchanged []geo.VersionRef  `json:"unchanged"`
	Warnings  []geo.ImportIssue `json:"warnings"`
}

func topologyAnswerFrom(t *testing.T, r response) topologyAnswerJSON {
	t.Helper()
	var a topologyAnswerJSON
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	return a
}

// versionsOf lists "code vN" of the units an answer wrote.
func (a topologyAnswerJSON) versionsOf() []string {
	var out []string
	for _, f := range a.Units.Features {
		out = append(out, fmt.Sprintf("%s v%d", f.Properties.Code, f.Properties.Version))
	}
	return out
}

// gridInPostGIS is the current grid whose interior holds p, by PostGIS.
func gridInPostGIS(t *testing.T, db *postgres.DB, p orb.Point) string {
	t.Helper()
	var code string
	err := db.Pool.QueryRow(context.Background(), `SELECT coalesce(min(code), '') FROM unit WHERE valid_to IS NULL AND level = 'grid'
		AND ST_Contains(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))`, p[0], p[1]).Scan(&code)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// resolvesAsPostGIS asks the node, without min_version, for the grid at
// points on a lattice around at, and compares with PostGIS: the answer of
// the write came after the node applied it.
func resolvesAsPostGIS(t *testing.T, n *node, db *postgres.DB, at orb.Point, radius float64) {
	t.Helper()
	const k = 6
	diffs := 0
	for i := -k; i <= k; i++ {
		for j := -k; j <= k; j++ {
			// An irrational offset keeps the lattice off the edges.
			p := orb.Point{at[0] + radius*(float64(i)+0.1*math.Sqrt2)/k, at[1] + radius*(float64(j)+0.1*math.Sqrt(3))/k}
			want := gridInPostGIS(t, db, p)
			r := n.send(t, "GET", fmt.Sprintf("/v1/resolve?lng=%v&lat=%v", p[0], p[1]), "", nil)
			var res geo.Resolution
			if err := json.Unmarshal(r.body, &res); err != nil {
				t.Fatalf("%d %s", r.status, r.body)
			}
			got := ""
			if res.Grid != nil {
				got = res.Grid.Code
			}
			if got != want && diffs < 3 {
				t.Errorf("at %v the node answers grid %q, PostGIS %q", p, got, want)
			}
			if got != want {
				diffs++
			}
		}
	}
}

// TestMoveVertexEndpoint moves the corner three grids share through the
// API: a token scoped to one of the grids may not (and nothing changes),
// one scoped to the street may; the answer carries the new versions and
// the data version, after which the node resolves as PostGIS does around
// the corner. The retry answers the same versions, changing nothing,
// marked Idempotent-Replayed (the same move by someone else is not).
func TestMoveVertexEndpoint(t *testing.T) {
	db := demotest.Open(t)
	n := newNode(t, db, true)
	v := demotest.SharedVertex(t, db, "120104001", 3)
	to := orb.Point{v.At[0] + v.Room*0.1, v.At[1] - v.Room*0.07}
	body, _ := json.Marshal(map[string]any{"from": v.At, "to": to})

	narrow := createToken(t, db, access.RoleEditor, v.Codes[0], "一个网格的人", time.Now().Add(time.Hour))
	if r := n.send(t, "POST", "/v1/boundaries:move-vertex", narrow, body); r.status != 403 {
		t.Fatalf("a token scoped to %s moved a vertex of %v: %d %s", v.Codes[0], v.Codes, r.status, r.body)
	}
	ed := createToken(t, db, access.RoleEditor, "120104001", "街道的人", time.Now().Add(time.Hour))
	r := n.send(t, "POST", "/v1/boundaries:move-vertex", ed, body)
	a := topologyAnswerFrom(t, r)
	if len(a.Units.Features) != 3 || len(a.Warnings) != 0 {
		t.Fatalf("moved %v, warnings %v; want the three grids %v at v2", a.versionsOf(), a.Warnings, v.Codes)
	}
	for i, f := range a.Units.Features {
		if f.ID != v.Codes[i] || f.Properties.Version != 2 {
			t.Errorf("wrote %v; want the three grids %v at v2", a.versionsOf(), v.Codes)
		}
	}
	versionHeader(t, r)
	resolvesAsPostGIS(t, n, db, v.At, v.Room)

	retry := n.send(t, "POST", "/v1/boundaries:move-vertex", ed, body)
	again := topologyAnswerFrom(t, retry)
	if fmt.Sprint(again.versionsOf()) != fmt.Sprint(a.versionsOf()) || len(again.Unchanged) != 3 || retry.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the retry answers %v (unchanged %v, Idempotent-Replayed %q), the move %v",
			again.versionsOf(), again.Unchanged, retry.header.Get("Idempotent-Replayed"), a.versionsOf())
	}
	other := createToken(t, db, access.RoleEditor, "120104001", "另一个人", time.Now().Add(time.Hour))
	if r := n.send(t, "POST", "/v1/boundaries:move-vertex", other, body); r.status != 200 || r.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("the same move by someone else: %d, Idempotent-Replayed %q; want 200, not a replay of theirs", r.status, r.header.Get("Idempotent-Replayed"))
	}
}

// TestTopologyEndpointsRefuseBadInput: each problem names its field.
func TestTopologyEndpointsRefuseBadInput(t *testing.T) {
	db := demotest.Open(t)
	n := newNode(t, db, true)
	ed := createToken(t, db, access.RoleEditor, "", "编辑", time.Now().Add(time.Hour))
	reader := createToken(t, db, access.RoleReporter, "", "网格员", time.Now().Add(time.Hour))
	const grid = "120104001001001"
	line := `{"type":"LineString","coordinates":[[117.1,39.1],[117.2,39.1]]}`
	// A corner three grids have: a move from nowhere to it is no retry of a
	// move that was made, but a vertex that is not there.
	corner := demotest.SharedVertex(t, db, "120104001", 3).At
	toCorner := mustJSONString(t, map[string]any{"from": []float64{117.1, 39.1}, "to": corner})
	tests := []struct {
		name, token, path, body string
		status                  int
		field                   string
	}{
		{"no token", "", "/v1/boundaries:move-vertex", `{"from":[117.1,39.1],"to":[117.2,39.1]}`, 401, "Authorization"},
		{"role without edits", reader, "/v1/boundaries:move-vertex", `{"from":[117.1,39.1],"to":[117.2,39.1]}`, 403, ""},
		{"not JSON", ed, "/v1/boundaries:move-vertex", `{"from":`, 400, "body"},
		{"not an object", ed, "/v1/boundaries:move-vertex", `[1,2]`, 400, "body"},
		{"from missing", ed, "/v1/boundaries:move-vertex", `{"to":[117.2,39.1]}`, 400, "from"},
		{"unknown member", ed, "/v1/boundaries:move-vertex", `{"form":[117.1,39.1],"to":[117.2,39.1]}`, 400, "form"},
		{"three numbers", ed, "/v1/boundaries:move-vertex", `{"from":[117.1,39.1,3],"to":[117.2,39.1]}`, 400, "from"},
		{"not numbers", ed, "/v1/boundaries:move-vertex", `{"from":"117.1,39.1","to":[117.2,39.1]}`, 400, "from"},
		{"latitude out of range", ed, "/v1/boundaries:move-vertex", `{"from":[117.1,39.1],"to":[117.2,95]}`, 400, "to"},
		{"same point", ed, "/v1/boundaries:move-vertex", `{"from":[117.1,39.1],"to":[117.1,39.1]}`, 400, "to"},
		{"no such vertex", ed, "/v1/boundaries:move-vertex", `{"from":[117.1,39.1],"to":[117.2,39.1]}`, 404, "from"},
		{"no such vertex, to a vertex", ed, "/v1/boundaries:move-vertex", toCorner, 404, "from"},
		{"split: unknown action", ed, "/v1/units/" + grid + ":cut", `{"line":` + line + `}`, 404, ""},
		{"split: bad code", ed, "/v1/units/12x:split", `{"line":` + line + `}`, 400, "code"},
		{"split: no line", ed, "/v1/units/" + grid + ":split", `{}`, 400, "line"},
		{"split: a polygon", ed, "/v1/units/" + grid + ":split", `{"line":{"type":"Polygon","coordinates":[]}}`, 400, "line"},
		{"split: one point", ed, "/v1/units/" + grid + ":split", `{"line":{"type":"LineString","coordinates":[[117.1,39.1]]}}`, 400, "line"},
		{"split: one code", ed, "/v1/units/" + grid + ":split", `{"line":` + line + `,"codes":["120104001001901"]}`, 400, "codes"},
		{"split: line misses", ed, "/v1/units/" + grid + ":split", `{"line":` + line + `}`, 400, "line"},
		{"split: no such unit", ed, "/v1/units/120104001001999:split", `{"line":` + line + `}`, 404, "code"},
		{"merge: one code", ed, "/v1/units:merge", `{"codes":["` + grid + `"]}`, 400, "codes"},
		{"merge: codes not strings", ed, "/v1/units:merge", `{"codes":[1,2]}`, 400, "codes"},
		{"merge: bad code", ed, "/v1/units:merge", `{"codes":["` + grid + `","x"]}`, 400, "codes[1]"},
		{"merge: unknown code", ed, "/v1/units:merge", `{"codes":["` + grid + `","120104001001999"]}`, 404, "codes[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := n.send(t, "POST", tt.path, tt.token, []byte(tt.body))
			var p Problem
			_ = json.Unmarshal(r.body, &p)
			if r.status != tt.status || (tt.field != "" && p.Field != tt.field) || r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%d %s %s; want %d naming %q", r.status, r.header.Get("Content-Type"), r.body, tt.status, tt.field)
			}
		})
	}
}

// TestSplitAndMergeEndpoints splits a grid through the API and merges the
// parts back, with a token scoped to the grid's community; a token scoped
// to one grid may not merge it with its neighbour.
func TestSplitAndMergeEndpoints(t *testing.T) {
	db := demotest.Open(t)
	n := newNode(t, db, true)
	code, y, x0, x1 := gridToCut(t, db)
	community := code[:12]
	ed := createToken(t, db, access.RoleEditor, community, "社区的人", time.Now().Add(time.Hour))
	line := map[string]any{"type": "LineString", "coordinates": [][]float64{{x0, y}, {x1, y}}}
	r := n.send(t, "POST", "/v1/units/"+code+":split", ed, mustJSON(t, map[string]any{"line": line, "names": []string{"北片", "南片"}}))
	split := topologyAnswerFrom(t, r)
	versionHeader(t, r)
	if len(split.Units.Features) != 2 || split.Units.Features[0].ID != code {
		t.Fatalf("split wrote %v", split.versionsOf())
	}
	made := split.Units.Features[1].ID
	if u, err := db.GetUnit(context.Background(), made, zeroTime); err != nil || u.ParentCode != community || u.Version != 1 {
		t.Errorf("the new part %s: %+v %v", made, u.ParentCode, err)
	}
	resolvesAsPostGIS(t, n, db, orb.Point{(x0 + x1) / 2, y}, (x1-x0)/2)

	narrow := createToken(t, db, access.RoleEditor, code, "一个网格的人", time.Now().Add(time.Hour))
	merge := mustJSON(t, map[string]any{"codes": []string{code, made}})
	if r := n.send(t, "POST", "/v1/units:merge", narrow, merge); r.status != 403 {
		t.Errorf("a token scoped to %s merged %s into it: %d %s", code, made, r.status, r.body)
	}
	merged := topologyAnswerFrom(t, n.send(t, "POST", "/v1/units:merge", ed, merge))
	if len(merged.Units.Features) != 1 || merged.Units.Features[0].ID != code || len(merged.Retired) != 1 || merged.Retired[0].Code != made {
		t.Errorf("merge wrote %v, retired %v", merged.versionsOf(), merged.Retired)
	}
	resolvesAsPostGIS(t, n, db, orb.Point{(x0 + x1) / 2, y}, (x1-x0)/2)
}

// gridToCut is the first grid of 街道 120104001 that a west-to-east line at
// y, from x0 to x1 (beyond the grid on both sides), cuts in exactly two.
func gridToCut(t *testing.T, db *postgres.DB) (code string, y, x0, x1 float64) {
	t.Helper()
	err := db.Pool.QueryRow(context.Background(), `
		SELECT code, ST_Y(ST_PointOnSurface(geom)), ST_XMin(geom) - 0.001, ST_XMax(geom) + 0.001 FROM unit
		WHERE valid_to IS NULL AND level = 'grid' AND starts_with(code, '120104001')
		  AND ST_NumGeometries(ST_Split(geom, ST_SetSRID(ST_MakeLine(ST_MakePoint(ST_XMin(geom) - 0.001, ST_Y(ST_PointOnSurface(geom))),
		        ST_MakePoint(ST_XMax(geom) + 0.001, ST_Y(ST_PointOnSurface(geom)))), 4326))) = 2
		ORDER BY code LIMIT 1`).Scan(&code, &y, &x0, &x1)
	if err != nil {
		t.Fatal(err)
	}
	return code, y, x0, x1
}
