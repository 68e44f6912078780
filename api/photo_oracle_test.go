package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/casework/phototest"
)

// TestPhotoOnFileOracles (security review): whoever holds a picture must
// not learn whether it is on file. 网格员甲 files a photo with a case outside
// 网格员乙's scope; 网格员乙 holds the bytes (and so the checksum). Each probe
// below sends a checksum C and compares the answer for C = the stored
// photo with the answer for C = a checksum nobody stored: they must be the
// same (the checksum itself replaced).
func TestPhotoOnFileOracles(t *testing.T) {
	e := newPhotoEnv(t, casework.BackendPostgres)
	evidence := phototest.JPEG(t, 320, 240, 91)
	stored := e.upload(t, "worker", evidence, "image/jpeg").json(t)["checksum"].(string)
	post := func(path, b string) response {
		return request(t, "POST", e.url+path, []byte(b), append(authHeader(e.tokens["other"]), "Content-Type", "application/json")...)
	}
	if r := e.report(t, "worker", stored); r.status != 201 {
		t.Fatalf("the worker's report: %d %s", r.status, r.body)
	}
	missing := "sha256:" + strings.Repeat("cd", 32) // after the probed one
	never := "sha256:" + strings.Repeat("ef", 32)   // the control: nobody stored it
	nowhere := uuid.NewString()                     // no report has this id

	for _, c := range []struct {
		name string
		send func(sum string) response
	}{
		{"a report naming it before a checksum nobody stored", func(sum string) response {
			return post("/v1/reports", hazardWithPhotos(sum, missing))
		}},
		{"a batch naming it before a checksum nobody stored", func(sum string) response {
			r := post("/v1/reports:batch", `{"reports":[`+hazardWithPhotos(sum, missing)+`]}`)
			var b struct {
				Results []struct {
					Status int             `json:"status"`
					Error  json.RawMessage `json:"error"`
				} `json:"results"`
			}
			if err := json.Unmarshal(r.body, &b); err != nil || len(b.Results) != 1 {
				t.Fatalf("batch: %d %s", r.status, r.body)
			}
			return response{status: b.Results[0].Status, body: b.Results[0].Error}
		}},
		{"a step on a report that does not exist", func(sum string) response {
			b, _ := json.Marshal(map[string]any{"action": "handle", "note": "已修复", "attachments": []string{sum}})
			return post("/v1/reports/"+nowhere+"/transitions", string(b))
		}},
		{"a step with an unknown action", func(sum string) response {
			b, _ := json.Marshal(map[string]any{"action": "nosuch", "attachments": []string{sum}})
			return post("/v1/reports/"+nowhere+"/transitions", string(b))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b := c.send(stored), c.send(never)
			sa := fmt.Sprintf("%d %s", a.status, strings.ReplaceAll(problemText(a.body), stored, "C"))
			sb := fmt.Sprintf("%d %s", b.status, strings.ReplaceAll(problemText(b.body), never, "C"))
			if sa != sb {
				t.Errorf("the photo on file is answered\n  %s\nbut a checksum nobody stored\n  %s", sa, sb)
			}
		})
	}
}

// problemText is a problem's field, code and detail (not its instance).
func problemText(body []byte) string {
	var p map[string]any
	_ = json.Unmarshal(body, &p)
	return fmt.Sprint(p["field"], " ", p["code"], " ", p["detail"])
}

// TestPhotoReadDatesNoStranger (security review): 网格员乙, holding a
// picture 网格员甲 filed, uploads it (201, "as if new"), attaches it to a
// report of their own (allowed: it is their upload) and reads it back. The
// answer's Last-Modified must not be older than 网格员乙's own upload:
// otherwise it says that the picture was on file before (and since when).
func TestPhotoReadDatesNoStranger(t *testing.T) {
	e := newPhotoEnv(t, casework.BackendPostgres)
	evidence := phototest.JPEG(t, 320, 240, 92)
	sum := e.upload(t, "worker", evidence, "image/jpeg").json(t)["checksum"].(string)
	time.Sleep(1100 * time.Millisecond) // Last-Modified counts seconds
	for _, c := range []struct {
		name  string
		bytes []byte
	}{{"a picture new to the store", phototest.JPEG(t, 320, 240, 93)}, {"a picture on file", evidence}} {
		t.Run(c.name, func(t *testing.T) {
			up := e.upload(t, "other", c.bytes, "image/jpeg")
			if up.status != 201 {
				t.Fatalf("upload: %d %s", up.status, up.body)
			}
			mine, _ := time.Parse(time.RFC3339Nano, up.json(t)["uploaded_at"].(string))
			cs := up.json(t)["checksum"].(string)
			if r := e.report(t, "other", cs); r.status != 201 {
				t.Fatalf("report with the upload: %d %s", r.status, r.body)
			}
			got := e.get(t, "other", "/v1/attachments/"+cs)
			if got.status != 200 {
				t.Fatalf("read back: %d", got.status)
			}
			lm, err := http.ParseTime(got.header.Get("Last-Modified"))
			if err == nil && lm.Before(mine.Truncate(time.Second)) {
				t.Errorf("uploaded at %s, read back with Last-Modified %s: the picture was on file before (sum %s = %v)",
					mine.Format(time.RFC3339), got.header.Get("Last-Modified"), cs, cs == sum)
			}
		})
	}
}

// TestHiddenPhotosTellNoHolder (security review): a caller who may not
// read a report's photos is not shown their checksums, but is shown each
// photo's byte size and pixel size. Whoever holds a picture knows both,
// so an anonymous listing tells them that the picture is on file, and
// with which case. The hidden entries must not carry them.
func TestHiddenPhotosTellNoHolder(t *testing.T) {
	e := newPhotoEnv(t, casework.BackendPostgres)
	evidence := phototest.JPEG(t, 320, 240, 94)
	sum := e.upload(t, "worker", evidence, "image/jpeg").json(t)["checksum"].(string)
	r := e.report(t, "worker", sum)
	if r.status != 201 {
		t.Fatalf("report: %d %s", r.status, r.body)
	}
	id := r.json(t)["id"].(string)
	fingerprint := fmt.Sprintf(`"size":%d`, len(evidence))
	for _, path := range []string{"/v1/reports/" + id, "/v1/reports?limit=500"} {
		t.Run(path, func(t *testing.T) {
			r := request(t, "GET", e.url+path, nil)
			if r.status != 200 {
				t.Fatalf("anonymous GET %s: %d", path, r.status)
			}
			if strings.Contains(string(r.body), sum) {
				t.Fatalf("the checksum is shown")
			}
			if strings.Contains(string(r.body), fingerprint) {
				t.Errorf("anonymous GET %s shows a hidden photo's byte size (%s) and pixel size: the holder of the %d-byte picture learns it is on file",
					path, fingerprint, len(evidence))
			}
		})
	}
}
