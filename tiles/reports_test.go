package tiles

import (
	"bytes"
	"context"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// TestReportLayers checks the layers of reports, patrols and gaps over the
// demo city's week of reports: points with their properties and filters,
// H3 counts that equal a count in Go of the same reports, tracks, gaps.
func TestReportLayers(t *testing.T) {
	s, db := newDemoService(t)
	ctx := context.Background()
	for _, name := range []string{"gap", "report", "report_hex", "patrol"} {
		if !contains(names(s.Layers()), name) {
			t.Fatalf("layer %s is not served although its table exists", name)
		}
	}
	var id, state string
	var at orb.Point
	if err := db.Pool.QueryRow(ctx, `SELECT id::text, state, ST_X(geom), ST_Y(geom) FROM report
		WHERE kind = 'hazard' ORDER BY id LIMIT 1`).Scan(&id, &state, &at[0], &at[1]); err != nil {
		t.Fatal(err)
	}
	c := coordAt(at, 16)
	t.Run("report points", func(t *testing.T) {
		layers, _, _ := get(t, s, "report", c)
		f := feature(layers["report"], "id", id)
		if f == nil || f.Properties["state"] != state || f.Properties["kind"] != "hazard" {
			t.Fatalf("report %s not drawn as it is stored: %v", id, f)
		}
		checkLayer(t, c.Z, layers["report"])
	})
	t.Run("filters", func(t *testing.T) {
		other := "closed"
		if state == "closed" {
			other = "accepted"
		}
		for q, want := range map[string]bool{"state=" + state: true, "state=" + other: false,
			"since=2099-01-01": false, "until=2099-01-01": true} {
			layers := getFiltered(t, s, "report", c, q)
			if got := feature(layers["report"], "id", id) != nil; got != want {
				t.Errorf("%s: drawn %v, want %v", q, got, want)
			}
		}
	})
	t.Run("report_hex counts match H3", func(t *testing.T) {
		hc := coordAt(at, 9)
		layers, tile, _ := get(t, s, "report_hex", hc)
		l := layers["report_hex"]
		if l == nil || len(l.Features) == 0 {
			t.Fatal("no cells")
		}
		want := countInGo(t, s, hexResolution(hc.Z))
		for _, f := range l.Features {
			cell := f.Properties["cell"].(string)
			if got := f.Properties["count"].(float64); int(got) != want[cell] {
				t.Errorf("cell %s: count %v, want %d", cell, got, want[cell])
			}
		}
		checkLayer(t, hc.Z, l)
		_, again, _ := get(t, newService(t, db, Config{}), "report_hex", hc)
		if !bytes.Equal(tile.Raw, again.Raw) {
			t.Error("the same data drew different bytes")
		}
	})
	t.Run("open cases carry their due time", func(t *testing.T) {
		var open string
		var due time.Time
		var where orb.Point
		mustScan(t, db, `SELECT id::text, due_at, ST_X(geom), ST_Y(geom) FROM report
			WHERE state NOT IN ('closed', 'rejected') AND due_at IS NOT NULL ORDER BY id LIMIT 1`, &open, &due, &where[0], &where[1])
		layers, _, _ := get(t, s, "report", coordAt(where, 16))
		f := feature(layers["report"], "id", open)
		if want := due.UTC().Format(time.RFC3339); f == nil || f.Properties["due_at"] != want {
			t.Fatalf("open case %s: due_at %v, want %s", open, f, want)
		}
	})
	t.Run("reports are fresh on every request", func(t *testing.T) {
		_, _, hit1 := get(t, s, "report", c)
		mustExec(t, db, `UPDATE report SET state = 'rejected', closed_at = NULL WHERE id = $1`, id)
		layers, _, hit2 := get(t, s, "report", c)
		f := feature(layers["report"], "id", id)
		if hit1 || hit2 || f.Properties["state"] != "rejected" {
			t.Errorf("hits %v %v; state after the update %v", hit1, hit2, f.Properties["state"])
		}
		if due, ok := f.Properties["due_at"]; ok {
			t.Errorf("a rejected case is drawn with a due time %v", due)
		}
	})
	t.Run("patrol tracks and gaps", func(t *testing.T) {
		var track, gap orb.Point
		mustScan(t, db, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointN(ST_Force2D(track), 2) p FROM patrol ORDER BY id LIMIT 1) s`, &track[0], &track[1])
		mustScan(t, db, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM gap ORDER BY area_m2 DESC LIMIT 1) s`, &gap[0], &gap[1])
		layers, _, _ := get(t, s, "patrol", coordAt(track, 15))
		if l := layers["patrol"]; l == nil || len(l.Features) == 0 {
			t.Error("no patrol track where one runs")
		}
		layers, _, _ = get(t, s, "gap,grid", coordAt(gap, 15))
		if l := layers["gap"]; l == nil || len(l.Features) == 0 || l.Features[0].Properties["status"] != "unmanaged" {
			t.Errorf("no gap where the audit found one: %v", l)
		} else {
			checkLayer(t, 15, l)
		}
	})
}

func getFiltered(t *testing.T, s *Service, layers string, c Coord, query string) map[string]*mvtLayer {
	t.Helper()
	q, _ := url.ParseQuery(query)
	r, err := s.ParseRequest(layers, strconv.Itoa(c.Z), strconv.Itoa(c.X), strconv.Itoa(c.Y)+".mvt", q)
	if err != nil {
		t.Fatal(err)
	}
	tile, _, err := s.Get(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, tile.Raw)
}

// countInGo counts the hazards and events per H3 cell of every report.
func countInGo(t *testing.T, s *Service, res int) map[string]int {
	t.Helper()
	rows, err := s.pool.Query(context.Background(), `SELECT ST_X(geom), ST_Y(geom) FROM report WHERE kind <> 'patrol_log'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var p orb.Point
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			t.Fatal(err)
		}
		cell, err := h3.LatLngToCell(h3.NewLatLng(p[1], p[0]), res)
		if err != nil {
			t.Fatal(err)
		}
		out[cell.String()]++
	}
	return out
}

func mustScan(t *testing.T, db *postgres.DB, sql string, dest ...any) {
	t.Helper()
	if err := db.Pool.QueryRow(context.Background(), sql).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
