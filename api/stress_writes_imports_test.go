package api

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// The import client of TestStressWrites (stress_writes_test.go): two files
// of one street uploaded in turn, each job followed to its end, and how it
// ended judged.

// stressImportFileSQL is a FeatureCollection of the current
// communities and grids under street $1 ($2 false: but the last grid
// of each community that has several), and how many it holds.
const stressImportFileSQL = `SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object(
  'type', 'Feature', 'geometry', ST_AsGeoJSON(geom)::json, 'properties', json_build_object('code', code, 'name', name)) ORDER BY code))::text, count(*)
FROM unit WHERE valid_to IS NULL AND level IN ('community', 'grid') AND parent_code LIKE $1 || '%'
  AND ($2 OR code NOT IN (SELECT max(code) FROM unit WHERE valid_to IS NULL AND level = 'grid' AND parent_code LIKE $1 || '%'
    GROUP BY parent_code HAVING count(*) > 1))`

// importFiles are two GeoJSON files of the first street's communities and
// grids as the demo has them: all of them, and all but the last grid of
// each community that has several.
func (s *stress) importFiles(t *testing.T) [2][]byte {
	t.Helper()
	var files [2][]byte
	for i, all := range []bool{true, false} {
		var n int
		if err := s.db.Pool.QueryRow(s.ctx, stressImportFileSQL, stressStreets[0], all).Scan(&files[i], &n); err != nil {
			t.Fatal(err)
		}
		if n < 20 {
			t.Fatalf("an import file of street %s has %d communities and grids", stressStreets[0], n)
		}
		t.Logf("import file %d: %d of street %s's communities and grids", i, n, stressStreets[0])
	}
	return files
}

// imports uploads the two files in turn, on the nodes in turn, retiring
// the street's units missing from the file, and waits for each job.
func (s *stress) imports(_ string) {
	names := [2]string{"importA.geojson", "importB.geojson"}
	fields := map[string]string{"retire_missing": "true", "scope": stressStreets[0], "dry_run": "false"}
	for i := 0; s.running(); i++ {
		node := s.nodes[i%2]
		body, ctype := multipartBody(names[i%2], s.files[i%2], fields)
		st, _, h := s.do("import-post", "POST", node+"/v1/imports", body, "Content-Type", ctype)
		if st != 202 || h.Get("Location") == "" {
			s.pause(200, 0)
			continue
		}
		s.waitImport(node+h.Get("Location"), names[i%2])
	}
}

// waitImport polls a job until it ends, and checks how it ended.
func (s *stress) waitImport(url, name string) {
	deadline := time.Now().Add(2 * time.Minute)
	for s.ctx.Err() == nil {
		s.pause(150, 0)
		st, b, _ := s.do("import-poll", "GET", url, nil)
		if st != 200 {
			return
		}
		var job stressImportJob
		if err := json.Unmarshal(b, &job); err != nil {
			s.fail("import job %s: %v: %s", url, err, stressClip(string(b), 400))
			return
		}
		if job.Status == geo.JobQueued || job.Status == geo.JobRunning {
			if time.Now().After(deadline) {
				s.fail("import %s (%s) still %s after 2 minutes", url, name, job.Status)
				return
			}
			continue
		}
		outcome, err := stressImportOutcome(&job)
		s.mu.Lock()
		s.counts[s.phase].outcomes[outcome]++
		s.mu.Unlock()
		if err != nil {
			s.fail("import %s (%s): %v\njob: %s", url, name, err, stressClip(string(b), 1500))
		}
		return
	}
}

// stressImportJob is what the client reads of an import job.
type stressImportJob struct {
	Status geo.JobStatus `json:"status"`
	Error  string        `json:"error"`
	Report struct {
		Issues []struct {
			Code     string `json:"code"`
			Kind     string `json:"kind"`
			Message  string `json:"message"`
			Severity string `json:"severity"`
		} `json:"issues"`
	} `json:"report"`
}

// stressImportOutcome names how an import ended, and says what is wrong
// with it. An import either succeeds or is rejected whole:
//
//   - rejected with errors that are all "orphaned": a community it must
//     retire still manages an enclave the racing client made;
//
// An import meeting a unit created after its instant applies again with a
// later one (importer/apply_overtaken.go): it is not rejected for it.
//
// Anything else ("failed", "interrupted", another rejection) is a failure.
func stressImportOutcome(job *stressImportJob) (string, error) {
	switch job.Status {
	case geo.JobSucceeded:
		return string(job.Status), nil
	case geo.JobRejected:
		var other []string
		errors := 0
		for _, is := range job.Report.Issues {
			if is.Severity != "error" {
				continue
			}
			errors++
			if is.Kind != "orphaned" {
				other = append(other, fmt.Sprintf("%s %s: %s", is.Kind, is.Code, is.Message))
			}
		}
		if errors > 0 && len(other) == 0 {
			return "rejected: orphaned", nil
		}
		return "rejected: other", fmt.Errorf("rejected (%s) for a reason no racing client explains: %v", job.Error, other)
	}
	return string(job.Status), fmt.Errorf("ended %s: %s", job.Status, job.Error)
}
