package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/audit"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/importer"
)

// importServer serves the demo city with imports and the audit enabled.
func importServer(t *testing.T) *editServer {
	t.Helper()
	db := demotest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	jobs := &importer.Jobs{Pool: db.Pool, Base: ctx}
	t.Cleanup(func() { cancel(); jobs.Wait() })
	h := New(Deps{Units: db, Tokens: db, Imports: jobs, Audit: &audit.Store{Pool: db.Pool}})
	s := &editServer{db: db, srv: httptest.NewServer(h)}
	t.Cleanup(s.srv.Close)
	return s
}

// upload posts files (name → content) and form fields as multipart.
func (s *editServer) upload(t *testing.T, token string, files map[string][]byte, fields map[string]string) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for name, content := range files {
		w, _ := mw.CreateFormFile("file", name)
		w.Write(content)
	}
	mw.Close()
	return s.req(t, "POST", "/v1/imports", token, body.Bytes(), "Content-Type", mw.FormDataContentType())
}

// uploadFields posts one empty file and form fields given as name, value,
// … in order (a field may repeat).
func (s *editServer) uploadFields(t *testing.T, token, file string, fields ...string) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	mw.CreateFormFile("file", file)
	mw.Close()
	return s.req(t, "POST", "/v1/imports", token, body.Bytes(), "Content-Type", mw.FormDataContentType())
}

// wait polls a job until it is final.
func (s *editServer) wait(t *testing.T, location string) geo.ImportJob {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	reader := createToken(t, s.db, access.RoleViewer, "", "任务查看", deadline) // jobs are never public
	for {
		r := s.req(t, "GET", location, reader, nil)
		var job geo.ImportJob
		if r.status != 200 || json.Unmarshal(r.body, &job) != nil {
			t.Fatalf("GET %s: %d %s", location, r.status, r.body)
		}
		if job.Status != geo.JobQueued && job.Status != geo.JobRunning {
			return job
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %s", job.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func districtsFile(t *testing.T) []byte {
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "demo", "data", "tianjin-districts.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestImportUploads(t *testing.T) {
	s := importServer(t)
	editor := s.token(t, access.RoleEditor, "", "gis-staff")
	nankai := s.token(t, access.RoleEditor, demo.NankaiCode, "nankai-staff")
	src := districtsFile(t)
	cases := []struct {
		name   string
		token  string
		files  map[string][]byte
		fields map[string]string
		status geo.JobStatus
		check  func(t *testing.T, r *geo.ImportReport)
	}{
		{"dry run of the districts the demo holds", editor, map[string][]byte{"区县.geojson": src}, map[string]string{"dry_run": "true"}, geo.JobDryRun,
			func(t *testing.T, r *geo.ImportReport) {
				if r.Counts.Features != 15 || r.Counts.Unchanged != 15 || r.Counts.Repaired != 4 {
					t.Errorf("counts %+v", r.Counts)
				}
			}},
		{"a scoped token may not import other districts", nankai, map[string][]byte{"d.geojson": src}, nil, geo.JobRejected,
			func(t *testing.T, r *geo.ImportReport) {
				if r.Errors != 14 || r.Committed {
					t.Errorf("%d errors, committed %v", r.Errors, r.Committed)
				}
			}},
		{"retiring everywhere on purpose", editor, map[string][]byte{"区县.geojson": src},
			map[string]string{"dry-run": "true", "retire-missing": "true", "scope": "all"}, geo.JobDryRun,
			func(t *testing.T, r *geo.ImportReport) {
				if r.Counts.Unchanged != 15 || r.Counts.Retired != 0 {
					t.Errorf("counts %+v", r.Counts)
				}
			}},
		{"unreadable file", editor, map[string][]byte{"x.geojson": []byte(`{"type":`)}, nil, geo.JobRejected, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.upload(t, c.token, c.files, c.fields)
			if r.status != http.StatusAccepted || r.header.Get("Location") == "" {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			job := s.wait(t, r.header.Get("Location"))
			if job.Status != c.status {
				t.Fatalf("job %s (%s), want %s", job.Status, job.Error, c.status)
			}
			if c.check != nil {
				if job.Report == nil {
					t.Fatal("no report")
				}
				c.check(t, job.Report)
			}
		})
	}
}

// TestImportShapefileParts uploads the parts of a GBK shapefile in a
// projected CRS, as a desktop GIS saves it, and commits it.
func TestImportShapefileParts(t *testing.T) {
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		t.Skip("ogr2ogr is needed (the importer's tests install it)")
	}
	s := importServer(t)
	editor := s.token(t, access.RoleEditor, "", "gis-staff")
	dir := t.TempDir()
	src := filepath.Join(dir, "src.geojson")
	os.WriteFile(src, districtsFile(t), 0o644)
	shp := filepath.Join(dir, "区县.shp")
	if out, err := exec.Command("ogr2ogr", "-f", "ESRI Shapefile", "-t_srs", "EPSG:4527", "-lco", "ENCODING=GBK", shp, src).CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v %s", err, out)
	}
	files := map[string][]byte{}
	for _, ext := range []string{".shp", ".shx", ".dbf", ".prj"} {
		b, _ := os.ReadFile(filepath.Join(dir, "区县"+ext))
		files["区县"+ext] = b
	}
	r := s.upload(t, editor, files, nil)
	if r.status != http.StatusAccepted {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	job := s.wait(t, r.header.Get("Location"))
	if job.Status != geo.JobSucceeded || job.Report.Encoding != "GB18030 (detected)" || job.Actor != "gis-staff" {
		t.Fatalf("job %+v", job)
	}
}

func TestImportUploadRefusals(t *testing.T) {
	s := importServer(t)
	editor := s.token(t, access.RoleEditor, "", "gis-staff")
	viewer := s.token(t, access.RoleViewer, "", "wall")
	nankai := s.token(t, access.RoleEditor, demo.NankaiCode, "nankai-staff")
	many := map[string][]byte{}
	for i := range 11 {
		many[fmt.Sprintf("f%d.geojson", i)] = []byte("{}")
	}
	cases := []struct {
		name   string
		send   func() response
		status int
		field  string
	}{
		{"anonymous", func() response { return s.upload(t, "", map[string][]byte{"a.geojson": {}}, nil) }, 401, ""},
		{"viewer", func() response { return s.upload(t, viewer, map[string][]byte{"a.geojson": {}}, nil) }, 403, ""},
		{"not multipart", func() response { return s.req(t, "POST", "/v1/imports", editor, []byte(`{}`)) }, 400, "body"},
		{"an executable", func() response { return s.upload(t, editor, map[string][]byte{"a.exe": {1}}, nil) }, 400, "file"},
		{"no file", func() response { return s.upload(t, editor, nil, map[string]string{"level": "grid"}) }, 400, "file"},
		{"too many files", func() response { return s.upload(t, editor, many, nil) }, 400, "file"},
		{"bad option", func() response {
			return s.upload(t, editor, map[string][]byte{"a.geojson": {}}, map[string]string{"dry_run": "perhaps"})
		}, 400, "dry_run"},
		{"a misspelt option", func() response {
			return s.upload(t, editor, map[string][]byte{"a.geojson": {}}, map[string]string{"dryrun": "true"})
		}, 400, "dryrun"},
		{"an option given twice", func() response { // which would win? (a review: the last did, and imported)
			return s.uploadFields(t, editor, "a.geojson", "dry_run", "true", "dry_run", "false")
		}, 400, "dry_run"},
		{"an option given twice in its two spellings", func() response {
			return s.uploadFields(t, editor, "a.geojson", "dry-run", "true", "dry_run", "false")
		}, 400, "dry_run"},
		{"an option past its length", func() response { // it was cut at 1 KiB, and "true   …garbage" read as true
			return s.uploadFields(t, editor, "a.geojson", "dry_run", "true"+strings.Repeat(" ", 1100)+"garbage")
		}, 400, "dry_run"},
		{"bad level", func() response {
			return s.upload(t, editor, map[string][]byte{"a.geojson": {}}, map[string]string{"level": "county"})
		}, 400, "level"},
		{"retiring without a scope", func() response { // it would retire every district's units the file lacks
			return s.upload(t, editor, map[string][]byte{"a.geojson": {}}, map[string]string{"retire_missing": "true"})
		}, 400, "scope"},
		{"retiring everywhere with a scoped token", func() response {
			return s.upload(t, nankai, map[string][]byte{"a.geojson": {}}, map[string]string{"retire_missing": "true", "scope": "all"})
		}, 400, "scope"},
		{"unknown job", func() response { return s.req(t, "GET", "/v1/imports/99999", editor, nil) }, 404, "id"},
		{"a job to an anonymous caller", func() response { return s.req(t, "GET", "/v1/imports/99999", "", nil) }, 401, "Authorization"},
		{"job id not a number", func() response { return s.req(t, "GET", "/v1/imports/abc", editor, nil) }, 400, "id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.send()
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if p := r.json(t); c.field != "" && p["field"] != c.field {
				t.Errorf("field %v, want %s: %s", p["field"], c.field, r.body)
			}
		})
	}
}

func TestAuditEndpoint(t *testing.T) {
	s := importServer(t)
	cases := []struct {
		query          string
		status         int
		gaps, overlaps float64
		features       int
	}{
		{"?unit=120104", 200, 2, 1, 3},
		{"", 200, 2, 1, 3},
		{"?unit=120104&min_area=20000", 200, 1, 0, 1},
		{"?unit=12010", 400, 0, 0, 0},
		{"?unit=120199", 404, 0, 0, 0},
		{"?min_area=lots", 400, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := s.req(t, "GET", "/v1/audit"+c.query, "", nil)
			if r.status != c.status {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if c.status != 200 {
				return
			}
			if ct := r.header.Get("Content-Type"); ct != "application/geo+json" {
				t.Errorf("Content-Type %q", ct)
			}
			m := r.json(t)
			sum := m["summary"].(map[string]any)
			if sum["gaps"] != c.gaps || sum["overlaps"] != c.overlaps || len(m["features"].([]any)) != c.features {
				t.Errorf("summary %v, %d features", sum, len(m["features"].([]any)))
			}
		})
	}
}

// TestImportJobScope: an import's scope option limits only what
// --retire-missing retires; the file of an unscoped uploader may touch any
// district, and its report names them and the uploader. A token scoped to
// the district named as the retiring scope must not read that job, whereas
// it still reads the job of an uploader limited to its district.
func TestImportJobScope(t *testing.T) {
	s := importServer(t)
	editor := s.token(t, access.RoleEditor, "", "市局GIS")
	nankaiEditor := s.token(t, access.RoleEditor, demo.NankaiCode, "南开GIS")
	nankaiViewer := s.token(t, access.RoleViewer, demo.NankaiCode, "南开大屏")
	src := districtsFile(t)

	r := s.upload(t, editor, map[string][]byte{"区县.geojson": src},
		map[string]string{"dry_run": "true", "retire_missing": "true", "scope": demo.NankaiCode})
	if r.status != 202 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	job := s.wait(t, loc)
	if job.Report == nil || job.Report.Counts.Features != 15 || job.Options.Within != "" {
		t.Fatalf("the unscoped upload should cover all 15 districts: %+v", job)
	}
	got := s.req(t, "GET", loc, nankaiViewer, nil)
	if got.status != 403 {
		t.Errorf("a viewer scoped to %s reads the job of an unrestricted city-wide import: %d (%d bytes, names %s: %v)",
			demo.NankaiCode, got.status, len(got.body), demo.DongliCode, strings.Contains(string(got.body), demo.DongliCode))
	}

	r = s.upload(t, nankaiEditor, map[string][]byte{"区县.geojson": src}, map[string]string{"dry_run": "true"})
	if r.status != 202 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	loc = r.header.Get("Location")
	if job := s.wait(t, loc); job.Status == geo.JobQueued {
		t.Fatal("not run")
	}
	if got := s.req(t, "GET", loc, nankaiViewer, nil); got.status != 200 {
		t.Errorf("the job of an upload limited to %s, to its viewer: %d", demo.NankaiCode, got.status)
	}
}
