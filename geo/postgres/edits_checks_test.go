package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

func kindsOf(ws []geo.ImportIssue) map[geo.IssueKind][]geo.ImportIssue {
	out := map[geo.IssueKind][]geo.ImportIssue{}
	for _, w := range ws {
		out[w.Kind] = append(out[w.Kind], w)
	}
	return out
}

// TestEditWarnings: an edit is checked by the functions an import uses
// (migration 008): a grid pushed into its neighbour and out of its
// community, a district pushed into another, an enclave drawn over another
// are warned about from the edited boundary's side, and the stored audit
// already holds the edit's findings when the edit answers.
func TestEditWarnings(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	const grid = "120104001001001"
	g, err := db.GetUnit(ctx, grid, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	g.Geom = shift(g.Geom, 0.0005)
	res, err := db.EditUnit(ctx, "test", g, g.Version)
	if err != nil {
		t.Fatal(err)
	}
	ws := kindsOf(res.Warnings)
	if len(ws[geo.IssueOverlap]) == 0 || ws[geo.IssueOverlap][0].Code != grid || ws[geo.IssueOverlap][0].Other == "" {
		t.Errorf("no overlap warning from the grid's side: %+v", res.Warnings)
	}
	for _, w := range res.Warnings {
		if w.Location == nil || w.AreaM2 <= 0 || w.Message == "" || w.Severity != geo.SeverityWarning {
			t.Errorf("warning without its spot, area or words: %+v", w)
		}
		if w.Kind == geo.IssueGap {
			t.Errorf("a gap is the neighbours' defect, not the editor's warning: %+v", w)
		}
	}
	var stored int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_finding WHERE kind = 'overlap' AND $1 = ANY(codes)`, grid).Scan(&stored); err != nil || stored == 0 {
		t.Errorf("the stored audit lacks the edit's overlap (%d, %v)", stored, err)
	}

	d, err := db.GetUnit(ctx, demo.NankaiCode, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	d.Geom = shift(d.Geom, 0.01)
	res, err = db.EditUnit(ctx, "test", d, d.Version)
	if err != nil {
		t.Fatal(err)
	}
	if ov := kindsOf(res.Warnings)[geo.IssueOverlap]; len(ov) == 0 || ov[0].Code != demo.NankaiCode {
		t.Errorf("a district pushed into its neighbours: %+v", res.Warnings)
	}

	e, err := db.GetEnclave(ctx, demo.EnclaveCode, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	e.Code, e.Name = "E-overlapping", "另一块飞地"
	created, err := db.CreateEnclave(ctx, "test", e)
	if err != nil {
		t.Fatal(err)
	}
	ov := kindsOf(created.Warnings)[geo.IssueOverlap]
	if len(ov) != 1 || ov[0].Code != e.Code || ov[0].Other != demo.EnclaveCode {
		t.Errorf("an enclave drawn over another: %+v", created.Warnings)
	}
}

// TestSliverRule pins the one sliver rule, gridmap_is_sliver: under the
// area or under the mean width (2·area/perimeter) is a sliver.
func TestSliverRule(t *testing.T) {
	db := pgtest.Open(t)
	cases := []struct {
		name            string
		area, perimeter float64
		sliver          bool
	}{
		{"a 3 m wide alley, 500 m long", 1500, 1006, false},
		{"a snapping error along 500 m", 50, 1000.2, true},
		{"a tiny square", 9, 12, true},
		{"exactly the area", 10, 12, false},
		{"exactly the width", 100, 200, false},
		{"no perimeter", 100, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got bool
			err := db.Pool.QueryRow(context.Background(), `SELECT gridmap_is_sliver($1, $2, 10, 1)`, c.area, c.perimeter).Scan(&got)
			if err != nil || got != c.sliver {
				t.Errorf("gridmap_is_sliver(%g, %g) = %v (%v), want %v", c.area, c.perimeter, got, err, c.sliver)
			}
		})
	}
}
