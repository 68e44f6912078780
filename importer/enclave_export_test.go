package importer

import (
	"testing"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestEnclaveExportRoundTrip exports the enclaves in every format and
// imports each file again: nothing changes — codes, names, managing units,
// statuses, reasons, properties and geometry all come back as they were.
func TestEnclaveExportRoundTrip(t *testing.T) {
	db := demotest.Open(t)
	grids := gridsOf(t, db, "120104007", 2)
	o := opts()
	o.Level = geo.LevelEnclave
	extra := enclaveFixture(t, db, "e.geojson", []enclaveSpec{
		{grid: grids[0], attrs: map[string]any{"code": "E-1", "name": "铁路宿舍", "managing_code": demo.WanxinCode, "status": "代管",
			"reason": "企业自建", "户数": 12, "联系人": "李四", "note": map[string]any{"doc": "津政发〔2020〕1号"}}},
		{grid: grids[1], attrs: map[string]any{"code": "E-2", "name": "plain", "managing_code": demo.DongliCode, "status": "unmanaged"}},
	})
	if rep := mustImport(t, db, o, extra); !rep.Committed || rep.Counts.Created != 2 {
		t.Fatalf("import: %+v %v", rep.Counts, rep.Issues)
	}
	before := enclaveFingerprint(t, db)
	for _, format := range []string{"geojson", "shp", "gpkg"} {
		t.Run(format, func(t *testing.T) {
			path := exportFile(t, db, ExportOptions{Level: geo.LevelEnclave, Encoding: "gbk", SRID: 4527}, "飞地."+format)
			dry := o
			dry.DryRun = true
			rep := mustImport(t, db, dry, path)
			if rep.Errors != 0 || rep.Counts.Unchanged != 3 || rep.Counts.Created+rep.Counts.Changed != 0 {
				t.Errorf("re-import of the export: %+v; issues %v", rep.Counts, rep.Issues)
			}
		})
	}
	if enclaveFingerprint(t, db) != before {
		t.Error("the round trips changed the enclaves")
	}
}
