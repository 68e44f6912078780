package importer

import (
	"path/filepath"
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
