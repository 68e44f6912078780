package api

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/uber/h3-go/v4"

	"github.com/gridmap-dev/gridmap/access"
)

// TestReportHexIsCoarseForAnonymous (security review): an anonymous caller
// is shown report points rounded to 0.002°, and the report layer draws a
// point where it is shown. The report_hex layer counts reports per H3 cell
// (resolution 9 at zoom 13, ~174 m edges) from the exact points, and takes
// the report filters: since/until isolate one report (its observed_at is
// on the report layer), whose exact point then lies in the one cell drawn.
// With the rounded point that cell narrows the point below the 0.002° cell.
// The hex layer must count a report where it is shown.
func TestReportHexIsCoarseForAnonymous(t *testing.T) {
	db, srv := caseTileServer(t, true)
	signedIn := createToken(t, db, access.RoleViewer, "", "指挥中心", time.Now().Add(time.Hour))

	// A report alone at its observed time whose exact point and rounded
	// point lie in different resolution-9 cells.
	rows, err := db.Pool.Query(context.Background(), `SELECT ST_X(geom), ST_Y(geom), observed_at FROM report r
		WHERE kind <> 'patrol_log' AND (SELECT count(*) FROM report o WHERE o.observed_at = r.observed_at) = 1 ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var exact, shown orb.Point
	var at time.Time
	found := false
	for rows.Next() && !found {
		if err := rows.Scan(&exact[0], &exact[1], &at); err != nil {
			t.Fatal(err)
		}
		shown = orb.Point{access.Coarse(exact[0]), access.Coarse(exact[1])}
		found = cellOf(t, exact) != cellOf(t, shown)
	}
	rows.Close()
	if !found {
		t.Fatal("the demo has no report whose rounding changes its H3 cell: the test proves nothing")
	}
	q := url.Values{"since": {at.UTC().Format(time.RFC3339Nano)}, "until": {at.Add(time.Microsecond).UTC().Format(time.RFC3339Nano)}}
	for _, c := range []struct {
		name, token string
		want        orb.Point // where the report may be counted
	}{{"anonymous", "", shown}, {"signed in", signedIn, exact}} {
		t.Run(c.name, func(t *testing.T) {
			cells := map[string]bool{}
			for _, p := range []orb.Point{shown, exact} {
				tile := maptile.At(p, 13)
				layers := tileLayers(t, srv.URL+fmt.Sprintf("/tiles/report_hex/13/%d/%d.mvt?%s", tile.X, tile.Y, q.Encode()), c.token)
				for _, l := range layers {
					for _, f := range l.Features {
						cells[fmt.Sprint(f.Properties["cell"])] = true
					}
				}
			}
			want := cellOf(t, c.want).String()
			if len(cells) != 1 || !cells[want] {
				t.Errorf("the one report of %s is counted in cells %v; want only %s, the cell of %v (exact %v, shown %v)",
					at.Format(time.RFC3339Nano), cells, want, c.want, exact, shown)
			}
		})
	}
}

// cellOf is p's H3 cell at resolution 9, the hex layer's at zoom 13.
func cellOf(t *testing.T, p orb.Point) h3.Cell {
	t.Helper()
	c, err := h3.LatLngToCell(h3.NewLatLng(p[1], p[0]), 9)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
