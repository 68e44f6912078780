package importer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// community is the first community of 兴南街道 in the demo city; its
// second grid was dropped (the planted gap).
const testStreet = "120104001"

// exportFile exports units to a new file in a temp dir.
func exportFile(t *testing.T, db *postgres.DB, o ExportOptions, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	n, err := Export(context.Background(), db.Pool, o, path)
	if err != nil || n == 0 {
		t.Fatalf("export %s: %d units, %v", name, n, err)
	}
	return path
}

// testCollection is a GeoJSON file as plain maps, for editing in tests.
type testCollection struct {
	Type     string           `json:"type"`
	Features []map[string]any `json:"features"`
}

func readCollection(t *testing.T, path string) *testCollection {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fc testCollection
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	return &fc
}

func (fc *testCollection) write(t *testing.T, name string) string {
	t.Helper()
	b, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func props(f map[string]any) map[string]any { return f["properties"].(map[string]any) }

// TestReimportOwnExportIsUnchanged: a file that changes nothing commits
// nothing — no version, no audit refresh — so the data version stays and
// no tile cache is dropped.
func TestReimportOwnExportIsUnchanged(t *testing.T) {
	db := demotest.Open(t)
	before := fingerprint(t, db)
	version := func() int64 {
		v, err := db.HeadVersion(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0 := version()
	for _, format := range []string{"geojson", "gpkg"} {
		t.Run(format, func(t *testing.T) {
			path := exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Format: format}, "grids."+format)
			rep := mustImport(t, db, opts(), path)
			if rep.Errors != 0 || rep.Counts.Unchanged == 0 || rep.Counts.Created+rep.Counts.Changed != 0 {
				t.Fatalf("re-import of the export: %+v; issues %v", rep.Counts, rep.Issues)
			}
			if fingerprint(t, db) != before {
				t.Error("re-importing unchanged boundaries changed the database")
			}
			if v := version(); v != v0 {
				t.Errorf("re-importing unchanged boundaries moved the data version from %d to %d", v0, v)
			}
		})
	}
}

func TestVersionedCommit(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	fc := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Format: "geojson"}, "g.geojson"))
	renamed := props(fc.Features[0])["code"].(string)
	props(fc.Features[0])["name"] = "新名字网格"
	gone := props(fc.Features[1])["code"].(string)
	fc.Features = append(fc.Features[:1], fc.Features[2:]...)
	o := opts()
	o.Actor, o.RetireMissing, o.Scope = "alice", true, testStreet
	jobs := &Jobs{Pool: db.Pool, Base: ctx}
	id, err := jobs.Create(ctx, "g.geojson", o, geo.JobRunning)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := jobs.RunJob(ctx, id, []string{fc.write(t, "edited.geojson")}, o, nil)
	if err != nil || !rep.Committed {
		t.Fatalf("import: %v %+v", err, rep)
	}
	if c := rep.Counts; c.Changed != 1 || c.Retired != 1 || c.Created != 0 || c.Unchanged != len(fc.Features)-1 {
		t.Errorf("counts %+v, want 1 changed, 1 retired, the rest unchanged", c)
	}
	hist, err := db.UnitHistory(ctx, renamed)
	if err != nil || len(hist) != 2 || hist[1].Name != "新名字网格" || hist[0].ValidTo == nil || !hist[0].ValidTo.Equal(hist[1].ValidFrom) {
		t.Fatalf("history of %s: %+v %v", renamed, hist, err)
	}
	if _, err := db.GetUnit(ctx, gone, hist[1].ValidFrom); geo.ErrorCodeOf(err) != geo.ENOTFOUND {
		t.Errorf("retired %s is still current: %v", gone, err)
	}
	var actor string
	var detail map[string]any
	err = db.Pool.QueryRow(ctx, `SELECT actor, detail FROM change_log WHERE code = $1 AND version = 2`, renamed).Scan(&actor, &detail)
	if err != nil || actor != "alice" || detail["import_job"] != float64(id) || detail["source"] != "edited.geojson" {
		t.Errorf("change log: actor %q detail %v (%v); want alice and import job %d", actor, detail, err, id)
	}
	job, err := jobs.Job(ctx, id)
	if err != nil || job.Status != geo.JobSucceeded || job.Report == nil || job.Report.Counts.Changed != 1 {
		t.Errorf("job %+v %v", job, err)
	}
}

func TestDryRunAndRejectionChangeNothing(t *testing.T) {
	db := demotest.Open(t)
	fc := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Format: "geojson"}, "g.geojson"))
	props(fc.Features[0])["name"] = "改名"
	edited := fc.write(t, "edited.geojson")
	bad := readCollection(t, edited)
	props(bad.Features[1])["code"] = "12010400100A"                 // not digits
	props(bad.Features[2])["code"] = props(bad.Features[3])["code"] // duplicate
	props(bad.Features[4])["name"] = ""                             // no name
	badPath := bad.write(t, "bad.geojson")
	before := fingerprint(t, db)
	cases := []struct {
		name   string
		path   string
		dry    bool
		errors map[geo.IssueKind]int
	}{
		{"dry run", edited, true, nil},
		{"errors", badPath, false, map[geo.IssueKind]int{geo.IssueBadCode: 1, geo.IssueDuplicateCode: 1, geo.IssueMissingField: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := opts()
			o.DryRun = c.dry
			rep := mustImport(t, db, o, c.path)
			if rep.Committed {
				t.Fatal("committed")
			}
			got := map[geo.IssueKind]int{}
			for _, is := range rep.Issues {
				if is.Severity == geo.SeverityError {
					got[is.Kind]++
					if is.Index < 0 || is.Message == "" {
						t.Errorf("error without index or message: %+v", is)
					}
				}
			}
			for k, n := range c.errors {
				if got[k] != n {
					t.Errorf("%d %s errors, want %d (%v)", got[k], k, n, rep.Issues)
				}
			}
			if c.dry && (rep.Errors != 0 || rep.Counts.Changed != 1) {
				t.Errorf("dry run: %d errors, counts %+v", rep.Errors, rep.Counts)
			}
			if fingerprint(t, db) != before {
				t.Error("the database changed")
			}
		})
	}
}

// TestChecksAgainstStoredUnits imports grids that break rules only the
// stored boundaries reveal.
func TestChecksAgainstStoredUnits(t *testing.T) {
	db := demotest.Open(t)
	fc := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Format: "geojson"}, "g.geojson"))
	one := func(mod func(f map[string]any)) string {
		var c map[string]any // a deep copy: each case edits its own
		b, _ := json.Marshal(fc.Features[0])
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		mod(c)
		return (&testCollection{Type: "FeatureCollection", Features: []map[string]any{c}}).write(t, "one.geojson")
	}
	cases := []struct {
		name string
		path string
		kind geo.IssueKind
		sev  geo.Severity
		msg  string // a part of the message, when one matters
	}{
		{"unknown parent", one(func(f map[string]any) {
			props(f)["code"], props(f)["parent_code"] = "120104001999001", nil
		}), geo.IssueUnknownParent, geo.SeverityError, ""},
		{"parent contradicts code", one(func(f map[string]any) { props(f)["parent_code"] = "120104001002" }), geo.IssueParentMismatch, geo.SeverityError, ""},
		{"outside parent", one(func(f map[string]any) { shift(f, 0.01, 0) }), geo.IssueOutsideParent, geo.SeverityWarning, ""},
		{"overlaps siblings", one(func(f map[string]any) { shift(f, 0, -0.0005) }), geo.IssueOverlap, geo.SeverityWarning, ""},
		// A newcomer's walkthrough: a grid in another district was told only
		// as sticking out by its whole area.
		{"wholly in another district", one(func(f map[string]any) { shift(f, 0.15, 0.07) }), geo.IssueOutsideParent, geo.SeverityWarning,
			"lies wholly outside its parent"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := opts()
			o.DryRun = true
			rep := mustImport(t, db, o, c.path)
			for _, is := range rep.Issues {
				if is.Kind == c.kind && is.Severity == c.sev && strings.Contains(is.Message, c.msg) {
					if c.msg != "" && (is.LiesIn == "" || !strings.Contains(is.Message, "it is in ")) {
						t.Errorf("%q names no unit it lies in (lies_in %q)", is.Message, is.LiesIn)
					}
					t.Log(is.Message)
					return
				}
			}
			t.Errorf("no %s %s saying %q in %v", c.sev, c.kind, c.msg, rep.Issues)
		})
	}
}

// shift moves a feature's polygon by dx, dy degrees.
func shift(f map[string]any, dx, dy float64) {
	for _, poly := range f["geometry"].(map[string]any)["coordinates"].([]any) {
		for _, ring := range poly.([]any) {
			for _, p := range ring.([]any) {
				pt := p.([]any)
				pt[0], pt[1] = pt[0].(float64)+dx, pt[1].(float64)+dy
			}
		}
	}
}

func TestStrictAndScope(t *testing.T) {
	db := demotest.Open(t)
	src := districtsGeoJSON(t)
	cases := []struct {
		name  string
		mod   func(*geo.ImportOptions)
		check func(*geo.ImportReport) bool
	}{
		{"strict rejects warnings", func(o *geo.ImportOptions) { o.Strict = true },
			func(r *geo.ImportReport) bool { return !r.Committed && r.Errors == 0 && r.Warnings > 0 }},
		{"a scoped importer may not touch other districts", func(o *geo.ImportOptions) { o.Within = demo.NankaiCode },
			func(r *geo.ImportReport) bool { return !r.Committed && len(issuesOf(r, geo.IssueBadCode)) == 14 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := opts()
			c.mod(&o)
			if rep := mustImport(t, db, o, src); !c.check(rep) {
				t.Errorf("report %+v", rep)
			}
		})
	}
}

// TestWebMapCoordinates imports a district traced on a GCJ-02 base map
// (AMap, Tencent): the offset is undone before storing.
func TestWebMapCoordinates(t *testing.T) {
	db := pgtest.Open(t)
	fc := readCollection(t, districtsGeoJSON(t))
	fc.Features = fc.Features[:1] // 和平区, valid
	orig := [2]float64{}
	for i, ring := range fc.Features[0]["geometry"].(map[string]any)["coordinates"].([]any)[0].([]any) {
		pt := ring.([]any)
		p := orb.Point{pt[0].(float64), pt[1].(float64)}
		if i == 0 {
			orig = p
		}
		g := geo.WGS84ToGCJ02(p)
		pt[0], pt[1] = g[0], g[1]
	}
	o := opts()
	o.SRS = "gcj02"
	rep := mustImport(t, db, o, fc.write(t, "gcj.geojson"))
	if !rep.Committed || !strings.HasPrefix(rep.CRS, "GCJ02") {
		t.Fatalf("report %+v", rep)
	}
	var x, y float64
	err := db.Pool.QueryRow(context.Background(), `SELECT ST_X(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1)),
		ST_Y(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1)) FROM unit WHERE code = '120101'`).Scan(&x, &y)
	if err != nil || abs(x-orig[0]) > 1e-8 || abs(y-orig[1]) > 1e-8 {
		t.Errorf("first vertex %.9f,%.9f, want %.9f,%.9f (%v)", x, y, orig[0], orig[1], err)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestLocalCodes imports grids numbered within their community ("1", "2",
// ...) without parent codes: each is placed in the community that covers
// it, and gets back the code it has.
func TestLocalCodes(t *testing.T) {
	db := demotest.Open(t)
	fc := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Format: "geojson"}, "g.geojson"))
	for _, f := range fc.Features {
		p := props(f)
		p["code"] = strings.TrimLeft(p["code"].(string)[12:], "0")
		delete(p, "parent_code")
		delete(p, "level")
	}
	cases := []struct {
		name  string
		mod   func(fc *testCollection)
		check func(t *testing.T, rep *geo.ImportReport)
	}{
		{"all placed back", func(*testCollection) {}, func(t *testing.T, rep *geo.ImportReport) {
			if rep.Errors != 0 || rep.Counts.Unchanged != len(fc.Features) {
				t.Errorf("counts %+v, errors %v", rep.Counts, rep.Issues)
			}
		}},
		{"a grid in no community", func(fc *testCollection) { shift(fc.Features[0], 5, 0) }, func(t *testing.T, rep *geo.ImportReport) {
			if len(issuesOf(rep, geo.IssueUnknownParent)) != 1 {
				t.Errorf("issues %v", rep.Issues)
			}
		}},
		{"two grids numbered alike", func(fc *testCollection) { props(fc.Features[1])["code"] = props(fc.Features[0])["code"] },
			func(t *testing.T, rep *geo.ImportReport) {
				if len(issuesOf(rep, geo.IssueDuplicateCode)) != 1 {
					t.Errorf("issues %v", rep.Issues)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var copyFC testCollection
			b, _ := json.Marshal(fc)
			json.Unmarshal(b, &copyFC)
			c.mod(&copyFC)
			o := opts()
			o.Level, o.DryRun = geo.Grid, true
			c.check(t, mustImport(t, db, o, copyFC.write(t, "local.geojson")))
		})
	}
}

// TestGeoJSONInGBK: a GeoJSON written in GBK by an old tool is refused
// feature by feature, and read correctly with the encoding option.
func TestGeoJSONInGBK(t *testing.T) {
	db := pgtest.Open(t)
	path := gbkGeoJSON(t)
	if rep := mustImport(t, db, opts(), path); rep.Committed || len(issuesOf(rep, geo.IssueUnreadable)) != 1 {
		t.Fatalf("without the option: %+v", rep)
	}
	o := opts()
	o.Encoding = "gbk"
	rep := mustImport(t, db, o, path)
	if !rep.Committed || !strings.HasPrefix(rep.Encoding, "GB18030") {
		t.Fatalf("with the option: %+v", rep)
	}
	if u, err := db.GetUnit(context.Background(), "120101", time.Time{}); err != nil || u.Name != "和平区" {
		t.Errorf("stored name %q (%v), want 和平区", u.Name, err)
	}
}
