package api

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/mock"
)

// uploadBoundary is the multipart boundary of the fuzzed uploads: fixed, so
// that the fuzzer mutates the parts rather than the header.
const uploadBoundary = "gridmapfuzzboundary"

// FuzzImportUpload feeds hostile multipart bodies to POST /v1/imports (the
// part reader, the file-name and form-field checks, the options): the
// answer is a 202 or a 4xx problem naming a field, never a panic or a 500.
func FuzzImportUpload(f *testing.F) {
	seed := func(name, content string, fields map[string]string) []byte {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.SetBoundary(uploadBoundary)
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write([]byte(content))
		mw.Close()
		return b.Bytes()
	}
	f.Add(seed("网格.geojson", `{"type":"FeatureCollection","features":[]}`, map[string]string{"dry_run": "true", "level": "grid"}))
	f.Add(seed("../../etc/passwd.shp", "x", nil))
	f.Add(seed("a\x00b.zip", "PK", map[string]string{"srs": "EPSG:4527", "props": "a,b"}))
	f.Add(seed("a.gpkg", "", map[string]string{"dry_run": "maybe", "\xff": "\xff"}))
	f.Add([]byte("--" + uploadBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n\r\nx"))
	f.Add([]byte("no parts at all"))

	cfg := DefaultAuthConfig
	cfg.WritesPerSecond, cfg.AddrWritesPerSecond = 0, 0
	tokens := &mock.Tokens{}
	editor := tokens.Issue(access.RoleEditor, mock.Street, "王工", time.Now().Add(time.Hour))
	h := New(Deps{Units: mock.NewBoundaries(), Tokens: tokens, Imports: &mock.Imports{}, Auth: &cfg})
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/v1/imports", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+uploadBoundary)
		req.Header.Set("Authorization", "Bearer "+editor)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusAccepted {
			return
		}
		var problem struct {
			Field string `json:"field"`
		}
		if rec.Code < 400 || rec.Code >= 500 || json.Unmarshal(rec.Body.Bytes(), &problem) != nil || problem.Field == "" {
			t.Fatalf("upload %q: %d %s", body, rec.Code, rec.Body.String())
		}
	})
}
