package api

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/importer"
)

// queueServer serves the demo city with imports bounded as given.
func queueServer(t *testing.T, workers, waiting int, space *importer.Space) (*editServer, *importer.Jobs) {
	t.Helper()
	db := demotest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	jobs := &importer.Jobs{Pool: db.Pool, Base: ctx, Workers: workers, Waiting: waiting, Space: space}
	t.Cleanup(func() { cancel(); jobs.Wait() })
	h := New(Deps{Units: db, Tokens: db, Imports: jobs, Ready: func(ctx context.Context) error { return db.Ping(ctx) }})
	s := &editServer{db: db, srv: httptest.NewServer(h)}
	t.Cleanup(s.srv.Close)
	return s, jobs
}

// multipartBody is an upload of one file with form fields.
func multipartBody(name string, content []byte, fields map[string]string) ([]byte, string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	w, _ := mw.CreateFormFile("file", name)
	w.Write(content)
	mw.Close()
	return body.Bytes(), mw.FormDataContentType()
}

// post sends a request from any goroutine (no t.Fatal): the status, the
// Location and Retry-After headers, or the error.
func post(url, token string, body []byte, ctype string) (int, http.Header, error) {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}

// emptyDir fails the test unless dir holds nothing.
func emptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if len(entries) > 0 {
		t.Errorf("%d entries left in the upload space: %v", len(entries), entries[0].Name())
	}
}

// TestImportQueueHoldsUnderLoad (defect 4): twenty uploads at once get a
// place in the queue or a 503 with Retry-After; reads keep answering within
// their deadline meanwhile; every accepted job reaches its outcome; and the
// upload space is empty again at the end.
func TestImportQueueHoldsUnderLoad(t *testing.T) {
	space := &importer.Space{Dir: t.TempDir(), MaxBytes: 256 << 20}
	s, jobs := queueServer(t, 1, 3, space)
	// Twenty members of staff: one caller holds at most importer.DefaultPerOwner places.
	var editors []string
	for i := range 20 {
		editors = append(editors, s.token(t, access.RoleEditor, "", fmt.Sprintf("gis-staff-%d", i)))
	}
	body, ctype := multipartBody("区县.geojson", districtsFile(t), map[string]string{"dry_run": "true"})

	stopReads := make(chan struct{})
	readErrs := make(chan error, 100)
	var readers sync.WaitGroup
	readers.Add(1)
	go func() { defer readers.Done(); readUntil(s.srv.URL, stopReads, readErrs) }()

	var mu sync.Mutex
	var accepted []string
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for _, editor := range editors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, h, err := post(s.srv.URL+"/v1/imports", editor, body, ctype)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("upload: %v", err)
			case status == http.StatusAccepted:
				accepted = append(accepted, h.Get("Location"))
			case status == http.StatusServiceUnavailable && h.Get("Retry-After") != "":
			default:
				t.Errorf("upload: %d (Retry-After %q); want 202, or 503 with Retry-After", status, h.Get("Retry-After"))
			}
			statuses[status]++
		}()
	}
	wg.Wait()
	if len(accepted) == 0 || len(accepted) > 20 {
		t.Fatalf("%d uploads accepted", len(accepted))
	}
	for _, loc := range accepted {
		if job := s.wait(t, loc); job.Status != geo.JobDryRun {
			t.Errorf("%s: %s (%s), want dry_run", loc, job.Status, job.Error)
		}
	}
	jobs.Wait() // a job's outcome is recorded before its upload gives its space back
	close(stopReads)
	readers.Wait()
	close(readErrs)
	for err := range readErrs {
		t.Error(err)
	}
	if used := space.Used(); used != 0 {
		t.Errorf("%d bytes of upload space still taken", used)
	}
	emptyDir(t, space.Dir)
	t.Logf("answers %v", statuses)
}

// readUntil reads a unit and /readyz every 50 ms until stop, sending an
// error for every answer that is not a 200 within two seconds.
func readUntil(base string, stop <-chan struct{}, errs chan<- error) {
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		for _, path := range []string{"/v1/units/120104", "/readyz"} {
			if _, err := getOK(client, base, path); err != nil {
				select {
				case errs <- fmt.Errorf("during the uploads, %v", err):
				default:
				}
			}
		}
		select {
		case <-stop:
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// getOK reads base+path with client: an error unless the answer is a 200
// within the client's timeout. It returns how long the answer took.
func getOK(client *http.Client, base, path string) (time.Duration, error) {
	start := time.Now()
	resp, err := client.Get(base + path)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
	}
	took := time.Since(start)
	if err != nil {
		return took, fmt.Errorf("GET %s after %v: %v", path, took, err)
	}
	return took, nil
}

// zipBomb is a small zip whose GeoJSON member unpacks to n bytes.
func zipBomb(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("bomb.geojson")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(`{"type":"FeatureCollection","features":[`))
	w.Write(bytes.Repeat([]byte(" "), n))
	w.Write([]byte(`]}`))
	zw.Close()
	return buf.Bytes()
}

// TestImportSpaceBoundsZipBombs (defect 4): five zip bombs, two unpacking at
// a time, never put more than the upload space on disk; each is refused by
// name (an upload meeting a full space is told to retry), and the space is
// empty again.
func TestImportSpaceBoundsZipBombs(t *testing.T) {
	space := &importer.Space{Dir: t.TempDir(), MaxBytes: 8 << 20}
	s, jobs := queueServer(t, 2, 3, space)
	bomb := zipBomb(t, 64<<20)
	body, ctype := multipartBody("bomb.zip", bomb, nil)

	var peak int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			peak = max(peak, dirBytes(space.Dir))
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	var locations []string
	for i := range 5 {
		// Five members of staff (one holds at most two places); a full
		// space is a 503 with Retry-After: retry, as a client would.
		editor := s.token(t, access.RoleEditor, "", fmt.Sprintf("gis-staff-%d", i))
		r := s.req(t, "POST", "/v1/imports", editor, body, "Content-Type", ctype)
		for try := 0; r.status == http.StatusServiceUnavailable && r.header.Get("Retry-After") != "" && try < 100; try++ {
			time.Sleep(100 * time.Millisecond)
			r = s.req(t, "POST", "/v1/imports", editor, body, "Content-Type", ctype)
		}
		if r.status != http.StatusAccepted {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
		h := r.header
		locations = append(locations, h.Get("Location"))
	}
	for _, loc := range locations {
		job := s.wait(t, loc)
		// Rejected when the bomb alone passes the space, failed (retry
		// later) when the other bombs had filled it.
		if (job.Status != geo.JobRejected && job.Status != geo.JobFailed) || !strings.Contains(job.Error, "upload space") {
			t.Errorf("%s: %s (%s), want refused for the upload space", loc, job.Status, job.Error)
		}
	}
	jobs.Wait() // a job's outcome is recorded before its upload gives its space back
	close(stop)
	<-sampled
	if peak > space.MaxBytes+int64(len(bomb))*5+1<<20 {
		t.Errorf("%d bytes on disk at the peak; the space is %d", peak, space.MaxBytes)
	}
	if used := space.Used(); used != 0 {
		t.Errorf("%d bytes of upload space still taken", used)
	}
	emptyDir(t, space.Dir)
	t.Logf("peak on disk %.1f MB of a %d MB space, bombs of %d KB each unpacking to 64 MB", float64(peak)/(1<<20), space.MaxBytes>>20, len(bomb)>>10)
}

// dirBytes is the size of the files under dir.
func dirBytes(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// TestImportRecoverAtStart (defect 4): at start, a job whose process died
// gets its outcome recorded, and the uploads of dead processes are removed
// while a live process's stay.
func TestImportRecoverAtStart(t *testing.T) {
	space := &importer.Space{Dir: t.TempDir()}
	s, jobs := queueServer(t, 1, 1, space)
	ctx := context.Background()
	var stale, live int64
	for _, q := range []struct {
		age string
		id  *int64
	}{{"2 minutes", &stale}, {"1 second", &live}} {
		if err := s.db.Pool.QueryRow(ctx, `INSERT INTO import_job (status, actor, source, updated_at)
			VALUES ('running', 't', 'a.geojson', now() - $1::interval) RETURNING id`, q.age).Scan(q.id); err != nil {
			t.Fatal(err)
		}
	}
	dead := filepath.Join(space.Dir, "upload-999999999-1")
	mine := filepath.Join(space.Dir, fmt.Sprintf("upload-%d-1", os.Getpid()))
	for _, d := range []string{dead, mine} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, "a.geojson"), []byte("{}"), 0o600)
	}
	n, dirs, err := jobs.Recover(ctx)
	if err != nil || n != 1 || dirs != 1 {
		t.Fatalf("recover: %d jobs, %d dirs, %v; want 1 and 1", n, dirs, err)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("a live process's upload was removed: %v", err)
	}
	for id, want := range map[int64]geo.JobStatus{stale: geo.JobFailed, live: geo.JobRunning} {
		job, err := jobs.Job(ctx, id)
		if err != nil || job.Status != want || (want == geo.JobFailed && !strings.HasPrefix(job.Error, "interrupted")) {
			t.Errorf("job %d: %s (%q) %v, want %s", id, job.Status, job.Error, err, want)
		}
	}
}
