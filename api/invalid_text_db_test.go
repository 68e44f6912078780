package api

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
)

// TestInvalidTextIs400OnTheDatabase (defect 9) sends the probe's requests to
// the real stack, where PostgreSQL once met the text (SQLSTATE 22021) and
// the client got a 500: a NUL cursor, NUL and invalid UTF-8 in OGC filters,
// a NUL in a name, a code or a description, an overlong upload name and a
// 1 MB name are each a 400 naming the field.
func TestInvalidTextIs400OnTheDatabase(t *testing.T) {
	db, srv := demoServer(t)
	admin := createToken(t, db, access.RoleAdmin, "", "值班", time.Now().Add(time.Hour))

	var upload bytes.Buffer
	mw := multipart.NewWriter(&upload)
	fw, _ := mw.CreateFormFile("file", strings.Repeat("网", 100)+".geojson")
	fw.Write([]byte(`{"type":"FeatureCollection","features":[]}`))
	mw.Close()
	report := func(description string) []byte {
		return []byte(`{"id":"0b7c6a3e-5f1d-4a51-9b7e-6d2f1c3a9e78","kind":"hazard","category":"E0506","severity":2,` +
			`"reporter":"值班","point":[117.15,39.11],"description":"` + description + `"}`)
	}
	cases := []struct {
		name, method, path string
		body               []byte
		field              string
		headers            []string
	}{
		{"a NUL cursor", "GET", "/v1/units?cursor=%00", nil, "cursor", nil},
		{"a NUL report cursor", "GET", "/v1/reports?cursor=%00", nil, "cursor", nil},
		{"a NUL OGC filter", "GET", "/ogc/collections/grids/items?district_code=%00", nil, "district_code", nil},
		{"invalid UTF-8 in an OGC filter", "GET", "/ogc/collections/grids/items?name=%ff%fe", nil, "name", nil},
		{"a NUL in a path code", "GET", "/v1/units/1201%0004", nil, "path", nil},
		{"a NUL in a unit name", "POST", "/v1/units", featureBody(`{"code":"120104001001099","name":"a\u0000b"}`), "name", nil},
		{"a 1 MB unit name", "POST", "/v1/units",
			featureBody(`{"code":"120104001001099","name":"` + strings.Repeat("名", 1<<20/3) + `"}`), "name", nil},
		{"a NUL in a unit code", "POST", "/v1/units", featureBody(`{"code":"1201040010010\u00009","name":"x"}`), "code", nil},
		{"a NUL in a description", "POST", "/v1/reports", report(`a\u0000b`), "description", nil},
		{"a lone surrogate in a description", "POST", "/v1/reports", report(`x\ud800y`), "description", nil},
		{"a lone surrogate in a unit name", "POST", "/v1/units", featureBody(`{"code":"120104001001099","name":"ab\udbffcd"}`), "name", nil},
		{"an upload name over 255 bytes", "POST", "/v1/imports", upload.Bytes(), "file",
			[]string{"Content-Type", mw.FormDataContentType()}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := request(t, c.method, srv.URL+c.path, c.body, append(authHeader(admin), c.headers...)...)
			wantProblem(t, r, 400, c.field)
		})
	}
}
