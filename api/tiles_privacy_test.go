package api

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/gridmap-dev/gridmap/access"
)

// TestPatrolTracksCoarseForAnonymous: a patrol track is a grid worker's
// exact whereabouts through a day, personal data as a report's exact
// point is. With public reads, an anonymous caller gets the patrol tiles
// with every track drawn through the 0.002° grid report points are rounded
// to, and no names; a signed-in caller gets the exact track and the name.
func TestPatrolTracksCoarseForAnonymous(t *testing.T) {
	db, srv := caseTileServer(t, true)
	signedIn := createToken(t, db, access.RoleViewer, "", "指挥中心", time.Now().Add(time.Hour))

	// A track that crosses several cells of the grid, and its second vertex.
	var id string
	var at orb.Point
	if err := db.Pool.QueryRow(context.Background(), `SELECT id::text, ST_X(ST_PointN(track, 2)), ST_Y(ST_PointN(track, 2))
		FROM patrol WHERE ST_Length(ST_Force2D(track)) > 0.01 ORDER BY id LIMIT 1`).Scan(&id, &at[0], &at[1]); err != nil {
		t.Fatal(err)
	}
	snapped := orb.Point{access.Coarse(at[0]), access.Coarse(at[1])}
	for _, c := range []struct {
		name, token string
		at          orb.Point
		coarse      bool
	}{{"anonymous", "", snapped, true}, {"signed in", signedIn, at, false}} {
		t.Run(c.name, func(t *testing.T) {
			f, tile := patrolFeature(t, srv.URL, c.token, c.at, id)
			if f == nil {
				t.Fatalf("patrol %s is not on the tile of %v", id, c.at)
			}
			// The tile's own vertices: clipping adds some at the buffer's edge.
			offGrid := 0.0 // how far the farthest vertex lies from the grid, in degrees
			inside := 0
			for _, p := range lineVertices(f.Geometry) {
				if !tile.Bound().Contains(p) {
					continue
				}
				inside++
				for _, v := range p {
					offGrid = math.Max(offGrid, math.Abs(v-access.Coarse(v)))
				}
			}
			// A tile at zoom 16 quantises to ~1.3e-6°.
			if coarse := offGrid < 1e-5; coarse != c.coarse || inside == 0 {
				t.Errorf("of %d vertices on the tile, the farthest lies %.7f° off the 0.002° grid; want coarse %v", inside, offGrid, c.coarse)
			}
			if _, named := f.Properties["worker"]; named == c.coarse {
				t.Errorf("the worker's name shown: %v, want %v (%v)", named, !c.coarse, f.Properties)
			}
		})
	}
}

// patrolFeature returns the feature of patrol id on the zoom-16 patrol tile
// holding at, in WGS84, or nil, and the tile.
func patrolFeature(t *testing.T, base, token string, at orb.Point, id string) (*geojson.Feature, maptile.Tile) {
	t.Helper()
	tile := maptile.At(at, 16)
	layers := tileLayers(t, base+fmt.Sprintf("/tiles/patrol/16/%d/%d.mvt", tile.X, tile.Y), token)
	layers.ProjectToWGS84(tile)
	for _, l := range layers {
		for _, f := range l.Features {
			if fmt.Sprint(f.Properties["id"]) == id {
				return f, tile
			}
		}
	}
	return nil, tile
}

// lineVertices lists the vertices of a line or lines.
func lineVertices(g orb.Geometry) []orb.Point {
	switch g := g.(type) {
	case orb.LineString:
		return g
	case orb.MultiLineString:
		var out []orb.Point
		for _, l := range g {
			out = append(out, l...)
		}
		return out
	}
	return nil
}
