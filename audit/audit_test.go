package audit_test

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/gridmap-dev/gridmap/audit"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestDemoCityFindsExactlyThePlantedDefects: the demo city plants two gaps
// (a dropped grid, a 60 m hole) and one overlap (a 40 m disc) in 南开区;
// the audit must find those and nothing else.
func TestDemoCityFindsExactlyThePlantedDefects(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	sum, err := demo.Build(ctx, db, demo.ScaleDemo, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := sum.Planted
	store := &audit.Store{Pool: db.Pool}
	for _, unit := range []string{"", demo.NankaiCode} {
		res, err := store.Audit(ctx, geo.AuditQuery{Unit: unit})
		if err != nil {
			t.Fatal(err)
		}
		s := res.Summary
		if s.Gaps != 2 || s.Overlaps != 1 || s.Outside != 0 || s.OrphanEnclaves != 0 || s.OrphanUnits != 0 {
			t.Fatalf("audit of %q: %+v", unit, s)
		}
		var gapParents []string
		for _, f := range res.Findings {
			switch f.Kind {
			case geo.FindingGap:
				gapParents = append(gapParents, f.ParentCode)
				if f.Level != geo.Grid || len(f.Geom) == 0 || f.Location == nil {
					t.Errorf("gap %+v lacks level, polygon or location", f)
				}
			case geo.FindingOverlap:
				if !slices.Equal(f.Codes, p.OverlapGrids[:]) {
					t.Errorf("overlap between %v, want %v", f.Codes, p.OverlapGrids)
				}
			}
		}
		slices.Sort(gapParents)
		want := []string{geo.ParentCode(p.DroppedGrid), geo.ParentCode(p.CarvedGrid)}
		slices.Sort(want)
		if !slices.Equal(gapParents, want) {
			t.Errorf("gaps in %v, want %v", gapParents, want)
		}
	}
	// The 60 m disc may reach past the grid into its neighbours, which keep
	// that land: the gap is the part of the disc inside the grid.
	carved := gapArea(t, store, geo.ParentCode(p.CarvedGrid))
	if disc := math.Pi * 60 * 60; carved < disc/3 || carved > disc*1.01 {
		t.Errorf("the carved gap has %.0f m², want at most π·60² ≈ %.0f m²", carved, disc)
	}
}

func gapArea(t *testing.T, store *audit.Store, parent string) float64 {
	res, err := store.Audit(context.Background(), geo.AuditQuery{Unit: parent})
	if err != nil || len(res.Findings) != 1 {
		t.Fatalf("audit of %s: %v %+v", parent, err, res.Findings)
	}
	return res.Findings[0].AreaM2
}

// TestFindingsFollowEdits: giving the carved land back to its grid with a
// single edit removes its gap from the stored findings in the same
// transaction, and the gap layer's view agrees.
func TestFindingsFollowEdits(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	sum, err := demo.Build(ctx, db, demo.ScaleDemo, nil)
	if err != nil {
		t.Fatal(err)
	}
	carved := sum.Planted.CarvedGrid
	u, err := db.GetUnit(ctx, carved, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var filled []byte
	err = db.Pool.QueryRow(ctx, `SELECT ST_AsBinary(ST_Multi(ST_Union(u.geom, g.geom))) FROM unit u, gap g
		WHERE u.code = $1 AND u.valid_to IS NULL AND g.parent_code = u.parent_code`, carved).Scan(&filled)
	if err != nil {
		t.Fatal(err)
	}
	g, err := wkb.Unmarshal(filled)
	if err != nil {
		t.Fatal(err)
	}
	u.Geom = g.(orb.MultiPolygon)
	store := &audit.Store{Pool: db.Pool}
	before, err := store.Audit(ctx, geo.AuditQuery{Unit: u.ParentCode})
	if err != nil || before.Summary.Gaps != 1 || before.Summary.ComputedAt.IsZero() {
		t.Fatalf("the carved grid's community before the edit: %+v %v", before.Summary, err)
	}
	edited := time.Now()
	if _, err := db.ReviseUnit(ctx, "test", u); err != nil {
		t.Fatal(err)
	}
	if n := gaps(t, db); n != 1 {
		t.Errorf("%d gaps after filling the hole, want 1", n)
	}
	res, err := store.Audit(ctx, geo.AuditQuery{})
	if err != nil || res.Summary.Gaps != 1 {
		t.Errorf("audit after the edit: %+v %v", res.Summary, err)
	}
	// The community's audit, now without findings, says when it was
	// refreshed: the edit's time, not 0001-01-01 (a review's finding), nor
	// the time of a finding that survived.
	after, err := store.Audit(ctx, geo.AuditQuery{Unit: u.ParentCode})
	if err != nil || after.Summary.Gaps != 0 || after.Summary.ComputedAt.Before(edited.Add(-time.Second)) {
		t.Errorf("the community after the edit: %+v %v; want no gaps, computed at the edit (%s)", after.Summary, err, edited)
	}
}

func gaps(t *testing.T, db *postgres.DB) int {
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM gap`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestComputeWithOtherTolerance(t *testing.T) {
	db := demotest.Open(t)
	store := &audit.Store{Pool: db.Pool}
	cases := []struct {
		name      string
		tol       geo.Tolerance
		gaps, ovl int
	}{
		{"default", geo.DefaultTolerance, 2, 1},
		{"ignore everything under 2 ha", geo.Tolerance{AreaM2: 20000, WidthM: 1}, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := store.Audit(context.Background(), geo.AuditQuery{Tolerance: &c.tol})
			if err != nil || res.Summary.Gaps != c.gaps || res.Summary.Overlaps != c.ovl {
				t.Errorf("%+v %v, want %d gaps %d overlaps", res.Summary, err, c.gaps, c.ovl)
			}
		})
	}
}

func TestAuditErrorsAndGeoJSON(t *testing.T) {
	db := demotest.Open(t)
	store := &audit.Store{Pool: db.Pool}
	ctx := context.Background()
	for unit, code := range map[string]geo.ErrorCode{"12010499": geo.EINVALID, "120199": geo.ENOTFOUND} {
		if _, err := store.Audit(ctx, geo.AuditQuery{Unit: unit}); geo.ErrorCodeOf(err) != code {
			t.Errorf("unit %s: %v, want %s", unit, err, code)
		}
	}
	res, err := store.Audit(ctx, geo.AuditQuery{Unit: demo.NankaiCode})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(audit.FeatureCollection(res))
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Geometry struct {
				Type string `json:"type"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
		Summary geo.AuditSummary `json:"summary"`
	}
	if err := json.Unmarshal(b, &fc); err != nil || len(fc.Features) != 3 || fc.Summary.Gaps != 2 {
		t.Fatalf("GeoJSON %s (%v)", b[:min(len(b), 300)], err)
	}
	for _, f := range fc.Features {
		if f.Geometry.Type != "MultiPolygon" || f.Properties["area_m2"].(float64) <= 0 {
			t.Errorf("feature %+v", f)
		}
	}
}
