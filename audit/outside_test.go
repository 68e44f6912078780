package audit_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestOutsideFindingFollowsWhereItLies: the stray grid sticks out of its
// community into 百合春天社区, and its stored outside finding says so. When
// only 百合春天社区 changes — redrawn away from the grid, then back over it
// — the stored finding follows at the commit (it kept naming the community
// that was no longer there), as the computed audit does.
func TestOutsideFindingFollowsWhereItLies(t *testing.T) {
	c := newStrayCase(t)
	ctx := context.Background()
	if _, err := c.db.CreateUnit(ctx, "test", geo.Unit{Code: c.stray, Level: geo.Grid, Name: "越界网格", ParentCode: c.home, Geom: c.inside}); err != nil {
		t.Fatal(err)
	}
	community := c.sql(t, `SELECT ST_AsBinary(geom) FROM unit WHERE code = $1 AND valid_to IS NULL`, demo.BaihechuntianCode)
	steps := []struct {
		name   string
		redraw func(t *testing.T)
		want   []string // the finding's codes: the grid, then where it lies
	}{
		{"drawn into 百合春天社区", func(*testing.T) {}, []string{c.stray, demo.BaihechuntianCode}},
		{"百合春天社区 redrawn away from it", func(t *testing.T) {
			c.revise(t, demo.BaihechuntianCode, c.sql(t, `SELECT ST_AsBinary(ST_Multi(ST_Difference(geom,
				ST_Buffer(ST_GeomFromWKB($2, 4326)::geography, 2)::geometry))) FROM unit WHERE code = $1 AND valid_to IS NULL`,
				demo.BaihechuntianCode, wkbOf(t, c.inside)))
		}, []string{c.stray}},
		{"百合春天社区 drawn over it again", func(t *testing.T) { c.revise(t, demo.BaihechuntianCode, community) },
			[]string{c.stray, demo.BaihechuntianCode}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.redraw(t)
			for _, tol := range []*geo.Tolerance{nil, &geo.DefaultTolerance} {
				res, err := c.store.Audit(ctx, geo.AuditQuery{Unit: c.home, Tolerance: tol})
				if err != nil {
					t.Fatal(err)
				}
				if got := outsideOf(res, c.stray); !slices.Equal(got, s.want) {
					t.Errorf("audit of %s (computed %v): the outside finding's codes are %v, want %v", c.home, tol != nil, got, s.want)
				}
			}
		})
	}
}

// outsideOf returns the codes of code's outside finding (nil: none).
func outsideOf(res geo.AuditResult, code string) []string {
	for _, f := range res.Findings {
		if f.Kind == geo.FindingOutside && len(f.Codes) > 0 && f.Codes[0] == code {
			return f.Codes
		}
	}
	return nil
}
