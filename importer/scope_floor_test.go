package importer

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestReprojectedFileWithinScope: grids exported, drawn in CGCS2000
// Gauss-Krüger and imported by a token scoped to their district stay
// within it: the reprojection's specks at shared vertices (1e-5 m², square,
// not thin) refused a correct file as '0.00 m² … outside' (a newcomer's
// walkthrough).
func TestReprojectedFileWithinScope(t *testing.T) {
	requireOGR(t)
	db := demotest.Open(t)
	src := exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet[:6], Format: "geojson"}, "g.geojson")
	dir := t.TempDir()
	// As the walkthrough went: the grids once through one zone (stored),
	// then through another, checked by the district's token.
	for _, epsg := range []string{"4527", "4547"} {
		shp := filepath.Join(dir, "grids_"+epsg+".shp")
		ogr(t, "-f", "ESRI Shapefile", "-t_srs", "EPSG:"+epsg, "-lco", "ENCODING=UTF-8", shp, src)
		if epsg == "4527" {
			mustImport(t, db, opts(), shp)
			continue
		}
		o := opts()
		o.DryRun, o.Within = true, testStreet[:6]
		rep := mustImport(t, db, o, shp)
		if out := issuesOf(rep, geo.IssueOutsideScope); len(out) != 0 || rep.Errors != 0 {
			t.Errorf("%d features outside the scope, %d errors: %v", len(out), rep.Errors, rep.Issues)
		}
	}
}

// TestWrongZoneIsTold: grids in EPSG:4547 read as EPSG:4548 land 260 km
// east, in China and in range; the stored units tell it, and name the zone
// that puts them back (a newcomer's walkthrough: the file was told only as
// units sticking out of their parents, warnings that would commit). One
// unit moved far on purpose is not refused.
func TestWrongZoneIsTold(t *testing.T) {
	requireOGR(t)
	db := demotest.Open(t)
	src := exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Format: "geojson"}, "g.geojson")
	shp := filepath.Join(t.TempDir(), "grids.shp")
	ogr(t, "-f", "ESRI Shapefile", "-t_srs", "EPSG:4547", "-lco", "ENCODING=UTF-8", shp, src)
	cases := []struct {
		name   string
		srs    string
		within string
		want   string // in the file-level error; "" for none
	}{
		{"read in its own zone", "EPSG:4547", "", ""},
		{"read in the next zone", "EPSG:4548", "", "EPSG:4547 (central meridian 114E) puts them on their stored boundaries"},
		{"read in the next zone by a scoped token", "EPSG:4548", testStreet[:6], "EPSG:4547"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := opts()
			o.DryRun, o.SRS, o.Within = true, c.srs, c.within
			rep := mustImport(t, db, o, shp)
			var told []string
			for _, is := range rep.Issues {
				if is.Index == -1 && is.Kind == geo.IssueOutOfRange && is.Severity == geo.SeverityError {
					told = append(told, is.Message)
				}
			}
			switch {
			case c.want == "" && len(told) > 0:
				t.Errorf("refused: %v", told)
			case c.want != "" && (len(told) != 1 || !strings.Contains(told[0], c.want)):
				t.Errorf("told %v, want one error naming %q", told, c.want)
			case c.want != "" && len(issuesOf(rep, geo.IssueOutsideScope)) > 0:
				t.Errorf("told as outside the scope too: %v", rep.Issues)
			}
		})
	}
	t.Run("one unit moved far", func(t *testing.T) {
		fc := readCollection(t, src)
		shift(fc.Features[0], 0.5, 0)
		o := opts()
		o.DryRun = true
		rep := mustImport(t, db, o, fc.write(t, "moved.geojson"))
		for _, is := range rep.Issues {
			if is.Index == -1 && is.Kind == geo.IssueOutOfRange {
				t.Errorf("refused: %s", is.Message)
			}
		}
	})
}
