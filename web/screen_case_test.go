package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
)

// seedCase gives the big screen's case card (test/screen-case.mjs) a case
// with photos: the grid worker whose token is reporter uploads two photos
// (POST /v1/attachments), reports a hazard in 长虹街道 (120104001) with the
// first, and accepts, dispatches (to 城管科) and handles it with the second
// as the 处置后 photo. It returns what the browser test needs to know, as
// JSON: the case's id, its point, its category and the photos' checksums
// and sizes.
func seedCase(t *testing.T, base, reporter string) string {
	t.Helper()
	type photo struct {
		Checksum string `json:"checksum"`
		Width    int    `json:"width"`
		Height   int    `json:"height"`
	}
	var photos []photo
	for i, size := range [][2]int{{640, 480}, {480, 640}} {
		var p photo
		callAPI(t, base, reporter, "POST", "/v1/attachments", "image/jpeg", jpegOf(t, size[0], size[1], uint8(90*i)), &p)
		photos = append(photos, p)
	}
	id := uuid.NewString()
	point := [2]float64{117.138, 39.142} // 广灵里社区, 长虹街道
	body, err := json.Marshal(map[string]any{"id": id, "kind": "hazard", "category": "E0506", "severity": 3,
		"description": "楼道堆放杂物堵塞消防通道", "point": point,
		"observed_at": time.Now().Add(-30 * time.Second).UTC().Format(time.RFC3339), "attachments": []string{photos[0].Checksum}})
	if err != nil {
		t.Fatal(err)
	}
	callAPI(t, base, reporter, "POST", "/v1/reports", "application/json", body, nil)
	for _, step := range []map[string]any{{"action": "accept"}, {"action": "dispatch", "assignee": "城管科"},
		{"action": "handle", "note": "已清理", "attachments": []string{photos[1].Checksum}}} {
		b, err := json.Marshal(step)
		if err != nil {
			t.Fatal(err)
		}
		callAPI(t, base, reporter, "POST", "/v1/reports/"+id+"/transitions", "application/json", b, nil)
	}
	out, err := json.Marshal(map[string]any{"id": id, "point": point, "category": "E0506", "street": "120104001", "photos": photos})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// callAPI sends a request with token and fails the test on an answer that is
// not 2xx; the answer's JSON goes into out when out is not nil.
func callAPI(t *testing.T, base, token, method, path, contentType string, body []byte, out any) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(fmt.Errorf("%s %s: %w", method, path, err))
		}
	}
}

// jpegOf is a w×h JPEG, a gradient tinted by tint (each photo its own bytes).
func jpegOf(t *testing.T, w, h int, tint uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(255 * x / w), tint + uint8(120*y/h), 160 - tint/2, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
