package postgres_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestSplitCountsHouseholdsOnce splits a demo grid (households, grid worker
// and phone in its properties) three ways: the part that continues the
// grid — the one that keeps its code, else the larger — keeps the
// households count, the other part has none (both had the whole count,
// doubling the community's total), and both keep the other properties.
func TestSplitCountsHouseholdsOnce(t *testing.T) {
	tests := []struct {
		name  string
		codes func(own, free string) [2]string
		// keeper is the part that keeps the count: its index in the answer
		// (-1: the larger).
		keeper int
	}{
		{"the larger part keeps the code", func(string, string) [2]string { return [2]string{} }, 0},
		{"the code given to the left part", func(own, free string) [2]string { return [2]string{own, free} }, 0},
		{"neither part keeps the code", func(_, free string) [2]string { return [2]string{free, free[:12] + "902"} }, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := demotest.Open(t)
			ctx := context.Background()
			g, line := cutLine(t, db, "120104001", geo.Grid)
			households, ok := countOf(g.Properties[geo.HouseholdsProperty])
			if !ok || households <= 0 {
				t.Fatalf("the demo grid %s has no households: %v", g.Code, g.Properties)
			}
			res, err := db.SplitUnit(ctx, "tester", geo.UnitSplit{Code: g.Code, Line: line, Codes: tt.codes(g.Code, g.Code[:12]+"901")})
			if err != nil {
				t.Fatal(err)
			}
			parts := res.Units
			if len(parts) != 2 {
				t.Fatalf("split wrote %v", unitCodesOf(parts))
			}
			keeper := tt.keeper
			if keeper < 0 {
				keeper = 0
				if area(t, db, parts[1].Geom) > area(t, db, parts[0].Geom) {
					keeper = 1
				}
			}
			for i, p := range parts {
				got, has := p.Properties[geo.HouseholdsProperty]
				if n, _ := countOf(got); i == keeper && n != households || i != keeper && has {
					t.Errorf("part %s has households %v (%v); want %v on %s only", p.Code, got, has, households, parts[keeper].Code)
				}
				if p.Properties["grid_worker"] != g.Properties["grid_worker"] || p.Properties["phone"] != g.Properties["phone"] {
					t.Errorf("part %s lost the grid's other properties: %v", p.Code, p.Properties)
				}
			}
		})
	}
}

// TestMergeAddsHouseholds merges two demo grids: the merged grid counts
// the households of both.
func TestMergeAddsHouseholds(t *testing.T) {
	db := demotest.Open(t)
	a, b := touchingGrids(t, db, "120104001")
	ua, ub := unitOf(t, db, a), unitOf(t, db, b)
	res, err := db.MergeUnits(context.Background(), "tester", geo.UnitMerge{Codes: []string{a, b}})
	if err != nil || len(res.Units) != 1 {
		t.Fatalf("merge: %v %v", unitCodesOf(res.Units), err)
	}
	ha, okA := countOf(ua.Properties[geo.HouseholdsProperty])
	hb, okB := countOf(ub.Properties[geo.HouseholdsProperty])
	if !okA || !okB {
		t.Fatalf("the demo grids lack households: %v, %v", ua.Properties, ub.Properties)
	}
	want := ha + hb
	if got, ok := countOf(res.Units[0].Properties[geo.HouseholdsProperty]); !ok || got != want {
		t.Errorf("the merged grid has %v households, the two had %v", got, want)
	}
	if got, ok := countOf(unitOf(t, db, a).Properties[geo.HouseholdsProperty]); !ok || got != want {
		t.Errorf("stored: %v households, want %v", got, want)
	}
}

// countOf is a count property as a number: properties read from the
// database hold json.Number, those computed by a merge float64.
func countOf(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
