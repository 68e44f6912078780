package audit_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/audit"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
	"github.com/gridmap-dev/gridmap/importer"
)

// strayCase is the GIS walkthrough's find: a grid of a 南开区 community
// (district A) drawn wholly inside a grid of 东丽区 百合春天社区 (district
// B). Its parent is not the other grid's parent, so a sibling check never
// compares them.
type strayCase struct {
	db           *postgres.DB
	store        *audit.Store
	home, stray  string // A's community and the stray grid under it
	other, third string // B's grid it lies in; a community of neither
	inside       orb.MultiPolygon
	otherGeom    orb.MultiPolygon
	area         float64 // of the stray grid, m²
	planted      [2]string
}

// TestOverlapsAcrossParents: the stray grid is an overlap with B's grid in
// the audit of either district, of the whole city and of either community,
// once; the import and the edit say so and name where it lies; land of an
// enclave that its community manages is not an overlap, one that a third
// unit manages is; a change on either side refreshes the finding; and the
// sibling overlap the demo planted is found throughout.
func TestOverlapsAcrossParents(t *testing.T) {
	c := newStrayCase(t)
	ctx := context.Background()
	t.Run("the import says so", func(t *testing.T) {
		rep, err := importer.Run(ctx, c.db.Pool, []string{c.strayFile(t)}, geo.ImportOptions{Actor: "test", DryRun: true}, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.checkIssues(t, rep.Issues)
	})
	created, err := c.db.CreateUnit(ctx, "test", geo.Unit{Code: c.stray, Level: geo.Grid, Name: "越界网格", ParentCode: c.home, Geom: c.inside})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the edit says so", func(t *testing.T) { c.checkIssues(t, created.Warnings) })

	var enclave string
	steps := []struct {
		name    string
		do      func(t *testing.T)
		overlap bool
	}{
		{"drawn inside B", func(*testing.T) {}, true},
		{"in an enclave a third unit manages", func(t *testing.T) { enclave = c.enclave(t, "E-third", c.third) }, true},
		{"in an enclave its community manages", func(t *testing.T) {
			c.retireEnclave(t, enclave)
			enclave = c.enclave(t, "E-home", c.home)
		}, false},
		{"the enclave retired", func(t *testing.T) { c.retireEnclave(t, enclave) }, true},
		{"B's grid redrawn around it", func(t *testing.T) {
			c.revise(t, c.other, c.sql(t, `SELECT ST_AsBinary(ST_Multi(ST_Difference(geom, ST_GeomFromWKB($2, 4326)))) FROM unit
				WHERE code = $1 AND valid_to IS NULL`, c.other, wkbOf(t, c.inside)))
		}, false},
		{"B's grid drawn over it again", func(t *testing.T) { c.revise(t, c.other, c.otherGeom) }, true},
		{"the stray grid retired", func(t *testing.T) {
			if _, err := c.db.RetireUnit(ctx, "test", c.stray, 1); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.do(t)
			c.checkAudits(t, s.overlap)
		})
	}
	// An enclave that the planted grids' own community manages explains
	// neither grid's boundary over the other: their overlap stays a defect.
	// (checkAudits asserts the planted overlap after it is created.)
	t.Run("siblings' overlap in their parent's enclave", func(t *testing.T) {
		overlap := c.sql(t, `SELECT ST_AsBinary(ST_Multi(ST_Buffer(ST_Intersection(a.geom, b.geom)::geography, 5)::geometry))
			FROM unit a, unit b WHERE a.code = $1 AND b.code = $2 AND a.valid_to IS NULL AND b.valid_to IS NULL`, c.planted[0], c.planted[1])
		if _, err := c.db.CreateEnclave(ctx, "test", geo.Enclave{Code: "E-parent", Name: "飞地 E-parent",
			ManagingCode: geo.ParentCode(c.planted[0]), Status: geo.EnclaveCustodial, Geom: overlap}); err != nil {
			t.Fatal(err)
		}
		c.checkAudits(t, false)
	})
}

func newStrayCase(t *testing.T) *strayCase {
	db := pgtest.Open(t)
	sum, err := demo.Build(context.Background(), db, demo.ScaleDemo, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &strayCase{db: db, store: &audit.Store{Pool: db.Pool}, planted: sum.Planted.OverlapGrids}
	first := `SELECT min(code) FROM unit WHERE parent_code = $1 AND valid_to IS NULL`
	c.home, c.third, c.other = c.code(t, first, "120104001"), c.code(t, first, "120104002"), c.code(t, first, demo.BaihechuntianCode)
	c.stray = c.home + "999"
	// A 30 m disc inside B's grid, cut to it.
	c.inside = c.sql(t, `SELECT ST_AsBinary(ST_Multi(ST_Intersection(geom, ST_Buffer(ST_PointOnSurface(geom)::geography, 30)::geometry)))
		FROM unit WHERE code = $1 AND valid_to IS NULL`, c.other)
	c.otherGeom = c.sql(t, `SELECT ST_AsBinary(geom) FROM unit WHERE code = $1 AND valid_to IS NULL`, c.other)
	if err := db.Pool.QueryRow(context.Background(), `SELECT ST_Area(ST_GeomFromWKB($1, 4326)::geography)`, wkbOf(t, c.inside)).Scan(&c.area); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *strayCase) code(t *testing.T, sql string, args ...any) string {
	t.Helper()
	var s string
	if err := c.db.Pool.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (c *strayCase) sql(t *testing.T, sql string, args ...any) orb.MultiPolygon {
	t.Helper()
	var b []byte
	if err := c.db.Pool.QueryRow(context.Background(), sql, args...).Scan(&b); err != nil {
		t.Fatal(err)
	}
	g, err := wkb.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	mp, ok := g.(orb.MultiPolygon)
	if !ok || len(mp) == 0 {
		t.Fatalf("%s gave %T", sql, g)
	}
	return mp
}

func wkbOf(t *testing.T, g orb.Geometry) []byte {
	b, err := wkb.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// strayFile writes the stray grid as a GeoJSON file to import.
func (c *strayCase) strayFile(t *testing.T) string {
	f := geojson.NewFeature(c.inside)
	f.Properties = geojson.Properties{"code": c.stray, "name": "越界网格"}
	fc := geojson.NewFeatureCollection().Append(f)
	b, err := fc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "stray.geojson")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkIssues: the stray grid is told that it overlaps B's grid, which has
// another parent, and that it sticks out of its parent into B's community.
func (c *strayCase) checkIssues(t *testing.T, issues []geo.ImportIssue) {
	t.Helper()
	var overlap, outside bool
	for _, is := range issues {
		switch {
		case is.Kind == geo.IssueOverlap && is.Code == c.stray && is.Other == c.other:
			overlap = strings.Contains(is.Message, "of another parent, "+demo.BaihechuntianCode) && near(is.AreaM2, c.area)
		case is.Kind == geo.IssueOutsideParent && is.Code == c.stray:
			outside = strings.Contains(is.Message, "sticks out of its parent "+c.home) &&
				strings.Contains(is.Message, "into community "+demo.BaihechuntianCode)
		}
	}
	if !overlap || !outside {
		t.Errorf("overlap told %v, outside told %v: %v", overlap, outside, issues)
	}
}

// checkAudits: the overlap is in every audit that covers either side, once,
// stored and computed alike (computed for the smaller units only, to keep
// the test short), and in no other; the planted one always is.
func (c *strayCase) checkAudits(t *testing.T, want bool) {
	t.Helper()
	codes := []string{c.stray, c.other}
	for _, unit := range []string{"", demo.NankaiCode, demo.DongliCode, c.home, demo.BaihechuntianCode, c.third[:9]} {
		covers := unit != c.third[:9]
		tols := []*geo.Tolerance{nil, &geo.DefaultTolerance}
		if unit == "" || unit == demo.NankaiCode {
			tols = tols[:1]
		}
		for _, tol := range tols {
			res, err := c.store.Audit(context.Background(), geo.AuditQuery{Unit: unit, Tolerance: tol})
			if err != nil {
				t.Fatal(err)
			}
			found := overlapsOf(res, codes)
			if n := len(found); n != map[bool]int{true: 1}[want && covers] {
				t.Errorf("audit of %q (computed %v): %d overlaps of %v, want it %v", unit, tol != nil, n, codes, want && covers)
				continue
			}
			if len(found) == 1 {
				f := found[0]
				if !near(f.AreaM2, c.area) || !slices.Equal(f.ParentCodes, []string{c.home, demo.BaihechuntianCode}) ||
					f.Level != geo.Grid || !strings.Contains(f.Detail, "across parents") {
					t.Errorf("audit of %q: overlap %+v, want %.0f m² between children of %s and %s", unit, f, c.area, c.home, demo.BaihechuntianCode)
				}
			}
			if unit == "" && len(overlapsOf(res, c.planted[:])) != 1 {
				t.Errorf("the planted sibling overlap %v is gone: %+v", c.planted, res.Summary)
			}
		}
	}
}

func overlapsOf(res geo.AuditResult, codes []string) []geo.Finding {
	var out []geo.Finding
	for _, f := range res.Findings {
		if f.Kind == geo.FindingOverlap && slices.Equal(f.Codes, codes) {
			out = append(out, f)
		}
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 0.01*b }

func (c *strayCase) enclave(t *testing.T, code, managing string) string {
	t.Helper()
	around := c.sql(t, `SELECT ST_AsBinary(ST_Multi(ST_Buffer(ST_GeomFromWKB($1, 4326)::geography, 5)::geometry))`, wkbOf(t, c.inside))
	_, err := c.db.CreateEnclave(context.Background(), "test", geo.Enclave{Code: code, Name: "飞地 " + code,
		ManagingCode: managing, Status: geo.EnclaveCustodial, Geom: around})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func (c *strayCase) retireEnclave(t *testing.T, code string) {
	t.Helper()
	// Each enclave here is retired at its first version.
	if _, err := c.db.RetireEnclave(context.Background(), "test", code, 1); err != nil {
		t.Fatal(err)
	}
}

func (c *strayCase) revise(t *testing.T, code string, g orb.MultiPolygon) {
	t.Helper()
	u, err := c.db.GetUnit(context.Background(), code, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	u.Geom = g
	if _, err := c.db.ReviseUnit(context.Background(), "test", u); err != nil {
		t.Fatal(err)
	}
}

// TestRefreshesOfBothSides: refreshes of the two parents of an overlap
// across parents, run at the same time (two editors saving either side),
// wait for each other instead of deadlocking: each locks both parents, in
// one order, before it computes.
func TestRefreshesOfBothSides(t *testing.T) {
	c := newStrayCase(t)
	ctx := context.Background()
	if _, err := c.db.CreateUnit(ctx, "test", geo.Unit{Code: c.stray, Level: geo.Grid, Name: "越界网格", ParentCode: c.home, Geom: c.inside}); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		errs := make(chan error, 2)
		for _, parent := range []string{c.home, demo.BaihechuntianCode} {
			go func() { errs <- refreshOnce(ctx, c, parent) }()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
	c.checkAudits(t, true)
}
