package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/casework/phototest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/photo"
	"github.com/gridmap-dev/gridmap/s3"
	"github.com/gridmap-dev/gridmap/s3/s3test"
)

// photoEnv is the API over the demo city with a real photo store: the
// PostgreSQL one, or the S3 one on the test server of scripts/s3.sh.
type photoEnv struct {
	url    string
	grid   string // the grid of e2ePoint, where the workers' reports land
	tokens map[string]string
}

func newPhotoEnv(t *testing.T, backend string) *photoEnv {
	t.Helper()
	db, svc := openDemoService(t)
	var store casework.PhotoStore = db
	if backend == casework.BackendS3 {
		s, err := s3.Open(context.Background(), s3test.NewBucket(t), db)
		if err != nil {
			t.Fatal(err)
		}
		store = s
	}
	res, err := svc.Resolve(context.Background(), geo.ResolveQuery{Point: e2ePoint})
	if err != nil || res.Grid == nil {
		t.Fatalf("resolve %v: %+v, %v", e2ePoint, res, err)
	}
	auth := DefaultAuthConfig
	auth.WritesPerSecond, auth.AddrWritesPerSecond = 0, 0
	srv := httptest.NewServer(New(Deps{Units: db, Resolver: svc, Reports: db, Patrols: db, Photos: store, Tokens: db, Positions: db,
		Auth: &auth, Policy: casework.DefaultPolicy()}))
	t.Cleanup(srv.Close)
	exp := time.Now().Add(time.Hour)
	street := res.Grid.Code[:9]
	return &photoEnv{url: srv.URL, grid: res.Grid.Code, tokens: map[string]string{
		"admin":   createToken(t, db, access.RoleAdmin, "", "管理员", exp),
		"worker":  createToken(t, db, access.RoleReporter, res.Grid.Code, "网格员甲", exp),
		"other":   createToken(t, db, access.RoleReporter, "120104001001001", "网格员乙", exp),
		"street":  createToken(t, db, access.RoleViewer, street, "街道指挥中心", exp),
		"unknown": "gm_NOTATOKEN",
	}}
}

// report files a hazard at e2ePoint as who, listing the photos; the
// answer's id is the report's.
func (e *photoEnv) report(t *testing.T, who string, photos ...string) response {
	t.Helper()
	return request(t, "POST", e.url+"/v1/reports", []byte(hazardWithPhotos(photos...)),
		append(authHeader(e.tokens[who]), "Content-Type", "application/json")...)
}

// hazardWithPhotos is a new report of a hazard at e2ePoint listing the photos.
func hazardWithPhotos(photos ...string) string {
	list, _ := json.Marshal(append([]string{}, photos...))
	return fmt.Sprintf(`{"id":%q,"kind":"hazard","category":"E0506","severity":2,"point":[%f,%f],"attachments":%s}`,
		uuid.NewString(), e2ePoint[0], e2ePoint[1], list)
}

func (e *photoEnv) upload(t *testing.T, who string, body []byte, contentType string) response {
	t.Helper()
	return request(t, "POST", e.url+"/v1/attachments", body, append(authHeader(e.tokens[who]), "Content-Type", contentType)...)
}

func (e *photoEnv) get(t *testing.T, who, path string, headers ...string) response {
	t.Helper()
	return request(t, "GET", e.url+path, nil, append(authHeader(e.tokens[who]), headers...)...)
}

// form is a multipart form with one file part.
func form(t *testing.T, field, filename, contentType string, b []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("note", "处置前")
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename)}
	if contentType != "" {
		h["Content-Type"] = []string{contentType}
	}
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = part.Write(b)
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// TestAttachments runs the photo store's HTTP contract on both backends.
func TestAttachments(t *testing.T) {
	for _, backend := range []string{casework.BackendPostgres, casework.BackendS3} {
		t.Run(backend, func(t *testing.T) {
			e := newPhotoEnv(t, backend)
			t.Run("sniffing", func(t *testing.T) { testPhotoSniffing(t, e) })
			t.Run("idempotent", func(t *testing.T) { testPhotoIdempotent(t, e) })
			t.Run("size limit", func(t *testing.T) { testPhotoSizeLimit(t, e) })
			t.Run("scope", func(t *testing.T) { testPhotoScope(t, e) })
			t.Run("ranges", func(t *testing.T) { testPhotoRanges(t, e) })
			t.Run("thumbnails", func(t *testing.T) { testPhotoThumbnails(t, e) })
		})
	}
}

func testPhotoSniffing(t *testing.T, e *photoEnv) {
	jpg := phototest.JPEG(t, 300, 200, 11)
	webp, err := os.ReadFile("../photo/testdata/quadrant.webp")
	if err != nil {
		t.Fatal(err)
	}
	multi, multiType := form(t, "file", "IMG_0001.jpg", "image/jpeg", phototest.JPEG(t, 300, 200, 12))
	noFile, noFileType := form(t, "photo", "IMG_0001.jpg", "image/jpeg", jpg)
	lying, lyingType := form(t, "file", "IMG_0001.png", "image/png", phototest.JPEG(t, 300, 200, 13))
	tests := map[string]struct {
		body        []byte
		contentType string
		status      int
		field       string
		wantType    string
	}{
		"jpeg":                       {jpg, "image/jpeg", 201, "", photo.JPEG},
		"webp":                       {webp, "image/webp", 201, "", photo.WebP},
		"multipart":                  {multi, multiType, 201, "", photo.JPEG},
		"jpeg declared png":          {phototest.JPEG(t, 300, 200, 14), "image/png", 415, "body", ""},
		"gif":                        {[]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "image/gif", 415, "body", ""},
		"no image type":              {jpg, "application/x-www-form-urlencoded", 415, "Content-Type", ""},
		"cut short":                  {phototest.JPEG(t, 300, 200, 15)[:500], "image/jpeg", 415, "body", ""},
		"form without file":          {noFile, noFileType, 400, "file", ""},
		"form part declared falsely": {lying, lyingType, 415, "file", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := e.upload(t, "worker", tc.body, tc.contentType)
			if tc.field != "" {
				wantProblem(t, r, tc.status, tc.field)
				return
			}
			got := r.json(t)
			if r.status != tc.status || got["type"] != tc.wantType || !strings.HasPrefix(got["checksum"].(string), "sha256:") ||
				got["url"] != "/v1/attachments/"+got["checksum"].(string) || r.header.Get("Location") != got["url"] {
				t.Errorf("%d %s", r.status, r.body)
			}
			writePosition(t, r)
		})
	}
	if r := e.upload(t, "", jpg, "image/jpeg"); r.status != 401 {
		t.Errorf("upload without a token: %d", r.status)
	}
	if r := e.upload(t, "street", jpg, "image/jpeg"); r.status != 403 {
		t.Errorf("upload with a viewer token: %d", r.status)
	}
}

func testPhotoIdempotent(t *testing.T, e *photoEnv) {
	b := phototest.JPEG(t, 640, 480, 21)
	statuses := make([]int, photoTurnsPerToken) // as many at once as a token may have under way
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.upload(t, "worker", b, "image/jpeg").status
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		switch s {
		case 201:
			created++
		case 200:
		default:
			t.Errorf("status %d", s)
		}
	}
	if created != 1 {
		t.Errorf("statuses %v: want exactly one 201", statuses)
	}
	for _, c := range []struct {
		who, by string
		status  int
	}{{"worker", "网格员甲", 200}, {"admin", "管理员", 201}, {"admin", "管理员", 200}} {
		again := e.upload(t, c.who, b, "image/jpeg")
		if again.status != c.status || again.json(t)["uploaded_by"] != c.by || again.json(t)["checksum"] != casework.ChecksumOf(b) {
			t.Errorf("the same bytes again from %s: %d %s; want %d, uploaded by %s", c.who, again.status, again.body, c.status, c.by)
		}
	}
}

func testPhotoSizeLimit(t *testing.T, e *photoEnv) {
	big := make([]byte, photo.MaxBytes+1)
	copy(big, phototest.JPEG(t, 64, 64, 31))
	wantProblem(t, e.upload(t, "worker", big, "image/jpeg"), 413, "body")
	multi, ct := form(t, "file", "big.jpg", "image/jpeg", big)
	wantProblem(t, e.upload(t, "worker", multi, ct), 413, "file")
	wantProblem(t, e.upload(t, "worker", []byte{}, "image/jpeg"), 400, "body")
}

// testPhotoScope: a photo is seen by admins, and by tokens for which a
// report using it is in scope; never anonymously, even with public reads.
func testPhotoScope(t *testing.T, e *photoEnv) {
	before := phototest.JPEG(t, 400, 300, 41)
	after := phototest.JPEG(t, 400, 300, 42)
	sumBefore := e.upload(t, "worker", before, "image/jpeg").json(t)["checksum"].(string)
	sumAfter := e.upload(t, "worker", after, "image/jpeg").json(t)["checksum"].(string)
	path := "/v1/attachments/" + sumBefore
	seen := func(step string, want map[string]int) {
		t.Helper()
		for who, status := range want {
			if r := e.get(t, who, path); r.status != status {
				t.Errorf("%s: %s reads the photo: %d, want %d (%s)", step, who, r.status, status, r.body)
			}
		}
	}
	seen("unused", map[string]int{"": 401, "unknown": 401, "worker": 403, "street": 403, "other": 403, "admin": 200})

	id := uuid.NewString()
	body := fmt.Sprintf(`{"id":%q,"kind":"hazard","category":"E0506","severity":2,"point":[%f,%f],"attachments":[%q]}`,
		id, e2ePoint[0], e2ePoint[1], sumBefore)
	r := request(t, "POST", e.url+"/v1/reports", []byte(body), append(authHeader(e.tokens["worker"]), "Content-Type", "application/json")...)
	if r.status != 201 {
		t.Fatalf("report with a photo: %d %s", r.status, r.body)
	}
	att := r.json(t)["attachments"].([]any)[0].(map[string]any)
	if att["checksum"] != sumBefore || att["type"] != "image/jpeg" || att["width"] != 400.0 || att["size"] != float64(len(before)) {
		t.Errorf("attachment as stored: %v", att)
	}
	seen("reported", map[string]int{"": 401, "worker": 200, "street": 200, "other": 403, "admin": 200})

	missing := casework.ChecksumOf([]byte("never uploaded"))
	bad := strings.Replace(body, id, uuid.NewString(), 1)
	bad = strings.Replace(bad, sumBefore, missing, 1)
	wantProblem(t, request(t, "POST", e.url+"/v1/reports", []byte(bad), append(authHeader(e.tokens["worker"]), "Content-Type", "application/json")...), 400, "attachments[0]")

	for _, step := range []string{`{"action":"accept"}`, `{"action":"dispatch","assignee":"网格员甲"}`} {
		if r := request(t, "POST", e.url+"/v1/reports/"+id+"/transitions", []byte(step), authHeader(e.tokens["admin"])...); r.status != 200 {
			t.Fatalf("%s: %d %s", step, r.status, r.body)
		}
	}
	handle := fmt.Sprintf(`{"action":"handle","note":"已清理","attachments":[%q]}`, sumAfter)
	r = request(t, "POST", e.url+"/v1/reports/"+id+"/transitions", []byte(handle), authHeader(e.tokens["worker"])...)
	if r.status != 200 || !strings.Contains(string(r.body), sumAfter) {
		t.Fatalf("handle with an after-photo: %d %s", r.status, r.body)
	}
	if r := e.get(t, "street", "/v1/attachments/"+sumAfter); r.status != 200 || !bytes.Equal(r.body, after) {
		t.Errorf("the street reads the after-photo: %d", r.status)
	}
	wantProblem(t, e.get(t, "admin", "/v1/attachments/"+missing), 404, "checksum")
	wantProblem(t, e.get(t, "other", "/v1/attachments/"+missing), 403, "checksum")
	wantProblem(t, e.get(t, "admin", "/v1/attachments/md5:00"), 400, "checksum")
}

func testPhotoRanges(t *testing.T, e *photoEnv) {
	b := phototest.JPEG(t, 800, 600, 51)
	up := e.upload(t, "admin", b, "image/jpeg")
	path := up.json(t)["url"].(string)
	full := e.get(t, "admin", path)
	etag := full.header.Get("ETag")
	if full.status != 200 || !bytes.Equal(full.body, b) || full.header.Get("Content-Type") != "image/jpeg" ||
		etag != `"`+strings.TrimPrefix(casework.ChecksumOf(b), "sha256:")+`"` || full.header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("GET: %d, %d bytes, headers %v", full.status, len(full.body), full.header)
	}
	tests := map[string]struct {
		headers []string
		status  int
		want    []byte
	}{
		"first ten":          {[]string{"Range", "bytes=0-9"}, 206, b[:10]},
		"last five":          {[]string{"Range", "bytes=-5"}, 206, b[len(b)-5:]},
		"middle":             {[]string{"Range", "bytes=1000-2999"}, 206, b[1000:3000]},
		"past the end":       {[]string{"Range", fmt.Sprintf("bytes=%d-", len(b)+10)}, 416, nil},
		"if-none-match":      {[]string{"If-None-Match", etag}, 304, nil},
		"if-range stale tag": {[]string{"Range", "bytes=0-9", "If-Range", `"other"`}, 200, b},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := e.get(t, "admin", path, tc.headers...)
			if r.status != tc.status || (tc.want != nil && !bytes.Equal(r.body, tc.want)) {
				t.Errorf("%d, %d bytes", r.status, len(r.body))
			}
		})
	}
	head := request(t, "HEAD", e.url+path, nil, authHeader(e.tokens["admin"])...)
	if head.status != 200 || head.header.Get("Content-Length") != fmt.Sprint(len(b)) || len(head.body) != 0 {
		t.Errorf("HEAD: %d, Content-Length %s", head.status, head.header.Get("Content-Length"))
	}
}

func testPhotoThumbnails(t *testing.T, e *photoEnv) {
	// Stored 1200×800 with EXIF orientation 6: seen 800×1200.
	b := phototest.Oriented(phototest.JPEG(t, 1200, 800, 61), phototest.EXIF(false, 6))
	up := e.upload(t, "admin", b, "image/jpeg")
	got := up.json(t)
	if up.status != 201 || got["width"] != 800.0 || got["height"] != 1200.0 || got["orientation"] != 6.0 {
		t.Fatalf("upload: %d %s", up.status, up.body)
	}
	r := e.get(t, "admin", got["thumbnail_url"].(string))
	if r.status != 200 || r.header.Get("Content-Type") != "image/jpeg" || !strings.HasSuffix(r.header.Get("ETag"), `-thumb"`) {
		t.Fatalf("thumbnail: %d %v", r.status, r.header)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(r.body))
	if err != nil || cfg.Width != 213 || cfg.Height != 320 {
		t.Errorf("thumbnail %dx%d (%v), want 213x320: upright, longest side 320", cfg.Width, cfg.Height, err)
	}
	if again := e.get(t, "admin", got["thumbnail_url"].(string)); !bytes.Equal(again.body, r.body) {
		t.Errorf("the thumbnail changed between reads: it is made once and kept")
	}
	wantProblem(t, e.get(t, "admin", got["url"].(string)+"?size=huge"), 400, "size")
}
