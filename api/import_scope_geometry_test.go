package api

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestImportScopeHoldsForGeometry: the rule edits keep (TestScopeHoldsForGeometry)
// holds for uploads too. An editor scoped to one street may not upload, as a
// file, an enclave its community manages drawn over the whole city, nor its own
// grid redrawn over the city: either would take every report there (enclaves
// resolve first; the smaller code wins among grids).
func TestImportScopeHoldsForGeometry(t *testing.T) {
	s := importServer(t)
	editor := s.token(t, access.RoleEditor, streetA, "街道编辑")
	community := gridA[:12]
	feature := func(props, geometry string) []byte {
		return []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":` + geometry +
			`,"properties":` + props + `}]}`)
	}
	cases := []struct {
		name, file string
		body       []byte
		fields     map[string]string
	}{
		{"an enclave over the city", "飞地.geojson",
			feature(`{"code":"E-IMP-SCOPE","name":"全市飞地","managing_code":"`+community+`","status":"custodial"}`, cityBox),
			map[string]string{"level": "enclave"}},
		{"its own grid over the city", "网格.geojson",
			feature(`{"code":"`+gridA+`","name":"光明路社区第1网格"}`, cityBox), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.upload(t, editor, map[string][]byte{c.file: c.body}, c.fields)
			if r.status != http.StatusAccepted {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			job := s.wait(t, r.header.Get("Location"))
			if job.Status == geo.JobSucceeded {
				t.Errorf("a token scoped to %s imported %s: job %s, report %+v", streetA, c.name, job.Status, job.Report.Counts)
			}
			said := job.Report != nil && slices.ContainsFunc(job.Report.Issues, func(is geo.ImportIssue) bool {
				return is.Kind == geo.IssueOutsideScope && is.Severity == geo.SeverityError && is.Location != nil
			})
			if !said {
				t.Errorf("the report of %s does not say the feature lies outside the scope: %+v", c.name, job.Report)
			}
		})
	}
	// Whatever the jobs said: nothing of the street's now covers a point in
	// 东丽区, far from 长虹街道.
	var n int
	s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM unit WHERE valid_to IS NULL AND code = $1
		AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(117.35, 39.13), 4326))`, gridA).Scan(&n)
	if n != 0 {
		t.Errorf("grid %s now covers a point in another district", gridA)
	}
	s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM enclave WHERE code = 'E-IMP-SCOPE'`).Scan(&n)
	if n != 0 {
		t.Errorf("the enclave over the city was stored")
	}
}
