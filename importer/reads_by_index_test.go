package importer

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestStreetWorkReadsByIndex: exporting one street and importing one
// changed feature find the units they touch through indexes, never by
// reading every unit, once the statistics are current. A scale review
// found both growing with the city: the versions to close were asked for
// as changed OR retired in one condition (100 ms of a one-feature import
// at province scale), and a street's units by a prefix no index answered.
func TestStreetWorkReadsByIndex(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	one := pgtest.OnePool(t, db)
	units := pgtest.Rows(t, one, "unit")
	file := filepath.Join(t.TempDir(), "street.geojson") // the subtests' dirs go with them
	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"export a street", func(t *testing.T) {
			if n, err := Export(ctx, one, ExportOptions{Under: testStreet, Format: "geojson"}, file); err != nil || n == 0 {
				t.Fatalf("export: %d units, %v", n, err)
			}
		}},
		{"import one changed grid", func(t *testing.T) {
			fc := readCollection(t, file)
			for _, f := range fc.Features {
				if props := f["properties"].(map[string]any); props["level"] == string(geo.Grid) {
					props["name"] = "改名网格"
					fc.Features = []map[string]any{f}
					break
				}
			}
			rep, err := Run(ctx, one, []string{fc.write(t, "one.geojson")}, opts(), 0, nil)
			if err != nil || rep.Errors != 0 || rep.Counts.Changed != 1 {
				t.Fatalf("import: %v, %d errors, %d changed", err, rep.Errors, rep.Counts.Changed)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := pgtest.Reads(t, one, "unit")
			c.run(t)
			if read := pgtest.Reads(t, one, "unit").Since(before); read.SeqScans > 0 || read.Rows > units/2 {
				t.Errorf("%d sequential scans and %d rows of unit's %d read, want an index's few", read.SeqScans, read.Rows, units)
			}
		})
	}
}
