package api

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"testing"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
)

// enclaveKML is a KML enclave list, as exported from Google Earth or a web
// map: one placemark, a box of ±d degrees around (lng, lat), managed by
// managing, its fields in ExtendedData under Chinese names.
func enclaveKML(code, managing string, lng, lat, d float64) []byte {
	ring := fmt.Sprintf("%.7f,%.7f %.7f,%.7f %.7f,%.7f %.7f,%.7f %.7f,%.7f",
		lng-d, lat-d, lng+d, lat-d, lng+d, lat+d, lng-d, lat+d, lng-d, lat-d)
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder><name>飞地</name>
<Placemark><name>铁路宿舍</name><ExtendedData>
<Data name="飞地编码"><value>` + code + `</value></Data>
<Data name="管理单位"><value>` + managing + `</value></Data>
<Data name="状态"><value>代管</value></Data></ExtendedData>
<Polygon><outerBoundaryIs><LinearRing><coordinates>` + ring + `</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></Folder></Document></kml>`)
}

// TestImportEnclaveKML uploads an enclave list as KML with level=enclave:
// GDAL reads it, the enclave is committed, and a token scoped to 南开区 may
// import enclaves its units manage but not those 东丽区's units manage.
func TestImportEnclaveKML(t *testing.T) {
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		t.Fatal("ogr2ogr is needed: run scripts/gdal.sh")
	}
	s := importServer(t)
	nankai := s.token(t, access.RoleEditor, demo.NankaiCode, "nankai-staff")
	var lng, lat float64
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p
		FROM unit WHERE valid_to IS NULL AND level = 'grid' AND code LIKE '120104005%' ORDER BY code LIMIT 1) x`).Scan(&lng, &lat); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, code, managing string
		status               geo.JobStatus
	}{
		{"managed in the token's scope", "E120104301", "120104001001", geo.JobSucceeded},
		{"managed outside it", "E120104302", demo.BaihechuntianCode, geo.JobRejected},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.upload(t, nankai, map[string][]byte{"飞地.kml": enclaveKML(c.code, c.managing, lng, lat, 0.0001)},
				map[string]string{"level": "enclave"})
			if r.status != http.StatusAccepted {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			job := s.wait(t, r.header.Get("Location"))
			if job.Status != c.status || job.Report == nil {
				t.Fatalf("job %s (%s); want %s; report %+v", job.Status, job.Error, c.status, job.Report)
			}
			if job.Status == geo.JobSucceeded && (job.Report.Counts.Created != 1 || job.Report.Format[:3] != "KML") {
				t.Errorf("report %+v", job.Report)
			}
			_, err := s.db.GetEnclave(context.Background(), c.code, zeroTime)
			if (err == nil) != (c.status == geo.JobSucceeded) {
				t.Errorf("enclave %s after the job: %v", c.code, err)
			}
		})
	}
}
