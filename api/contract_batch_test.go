package api

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// batchBody is a FeatureCollection of three points, the second one bad.
const batchBody = `{"type":"FeatureCollection","crs":"wgs84","features":[
 {"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[117.15,39.12]},"properties":{"n":1}},
 {"type":"Feature","id":2,"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}},
 {"type":"Feature","geometry":{"type":"Point","coordinates":[116,30]}}]}`

// fullResults posts the batch and returns each slot's full answer.
func fullResults(t *testing.T, s *fakeServer) []map[string]any {
	t.Helper()
	r := s.req(t, "POST", "/v1/resolve", "", []byte(batchBody))
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var v struct {
		Count   int              `json:"count"`
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil || v.Count != 3 || len(v.Results) != 3 {
		t.Fatalf("%v: %s", err, r.body)
	}
	return v.Results
}

// TestContractBatchBadPointAnswersTheOthers: one bad point gets an error in
// its slot; the others are answered, ids and properties echoed.
func TestContractBatchBadPointAnswersTheOthers(t *testing.T) {
	s := newFakeServer(t, nil)
	res := fullResults(t, s)
	if res[0]["status"] != "managed" || res[0]["id"] != "a" || res[2]["status"] != "outside" {
		t.Errorf("good points: %v / %v", res[0], res[2])
	}
	e, _ := res[1]["error"].(map[string]any)
	if e == nil || e["field"] != "features[1].geometry" || res[1]["id"] != float64(2) {
		t.Errorf("bad point: %v", res[1])
	}
	if p, _ := res[0]["properties"].(map[string]any); p["n"] != float64(1) {
		t.Errorf("properties not echoed: %v", res[0])
	}
}

// TestContractBatchFieldsAndFormats: fields=, NDJSON and CSV carry exactly
// the full answers' values.
func TestContractBatchFieldsAndFormats(t *testing.T) {
	s := newFakeServer(t, nil)
	full := fullResults(t, s)
	t.Run("fields", func(t *testing.T) {
		r := s.req(t, "POST", "/v1/resolve?fields=status,responsible.code,grid.name", "", []byte(batchBody))
		var v struct{ Results []map[string]any }
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Fatal(err)
		}
		got := v.Results[0]
		resp := full[0]["responsible"].(map[string]any)
		grid := full[0]["grid"].(map[string]any)
		want := map[string]any{"status": full[0]["status"], "responsible": map[string]any{"code": resp["code"]},
			"grid": map[string]any{"name": grid["name"]}, "id": "a", "properties": full[0]["properties"]}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("fields: got %v, want %v", got, want)
		}
		if r := s.req(t, "GET", "/v1/resolve?lng=117.15&lat=39.12&fields=status,district", "", nil); r.status != 200 ||
			string(r.body) != `{"status":"managed","district":`+mustJSONString(t, full[0]["district"])+`}` {
			t.Errorf("GET with fields: %s", r.body)
		}
		wantProblem(t, s.req(t, "POST", "/v1/resolve?fields=status,colour", "", []byte(batchBody)), 400, "fields")
		wantProblem(t, s.req(t, "GET", "/v1/resolve?lng=117.15&lat=39.12&fields=grid.level", "", nil), 400, "fields")
	})
	t.Run("ndjson", func(t *testing.T) {
		r := s.req(t, "POST", "/v1/resolve", "", []byte(batchBody), "Accept", "application/x-ndjson")
		if ct := r.header.Get("Content-Type"); ct != "application/x-ndjson" {
			t.Errorf("Content-Type %q", ct)
		}
		sc := bufio.NewScanner(bytes.NewReader(r.body))
		for i := 0; sc.Scan(); i++ {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil || fmt.Sprint(line) != fmt.Sprint(full[i]) {
				t.Errorf("line %d: %s, want %v (%v)", i, sc.Bytes(), full[i], err)
			}
		}
	})
	t.Run("csv", func(t *testing.T) {
		r := s.req(t, "POST", "/v1/resolve?format=csv", "", []byte(batchBody))
		rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
		if err != nil || len(rows) != 4 {
			t.Fatalf("%v: %s", err, r.body)
		}
		col := map[string]int{}
		for i, name := range rows[0] {
			col[name] = i
		}
		g := full[0]["grid"].(map[string]any)
		cell := func(row int, name string) string { return rows[row][col[name]] }
		if cell(1, "index") != "0" || cell(1, "id") != "a" || cell(1, "status") != full[0]["status"] ||
			cell(1, "grid.code") != g["code"] || cell(1, "grid.name") != g["name"] || cell(1, "lng") != "117.15" {
			t.Errorf("row 1: %v", rows[1])
		}
		if cell(2, "id") != "2" || !strings.HasPrefix(cell(2, "error"), "invalid: ") || cell(2, "status") != "" {
			t.Errorf("the bad point's row: %v", rows[2])
		}
		if cell(3, "status") != "outside" || cell(3, "error") != "" {
			t.Errorf("row 3: %v", rows[3])
		}
	})
	t.Run("csv ids a spreadsheet would run, and numbers", func(t *testing.T) {
		body := `{"type":"FeatureCollection","features":[
 {"type":"Feature","id":"=HYPERLINK(\"x\")","geometry":{"type":"Point","coordinates":[117.15,39.12]}},
 {"type":"Feature","id":-1,"geometry":{"type":"Point","coordinates":[117.15,39.12]}}]}`
		r := s.req(t, "POST", "/v1/resolve?format=csv&fields=status", "", []byte(body))
		rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
		if err != nil || len(rows) != 3 || rows[1][1] != `'=HYPERLINK("x")` || rows[2][1] != "-1" {
			t.Errorf("ids %q (%v), want the text defused and the number as sent", rows, err)
		}
	})
	wantProblem(t, s.req(t, "POST", "/v1/resolve?format=xml", "", []byte(batchBody)), 400, "format")
}

func mustJSONString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// endlessPoints streams {"points":[0,0,0,… for n bytes: a body that would
// take gigabytes to decode whole.
type endlessPoints struct{ n, sent int }

func (e *endlessPoints) Read(p []byte) (int, error) {
	if e.sent >= e.n {
		return 0, io.EOF
	}
	k := 0
	if e.sent == 0 {
		k = copy(p, `{"points":[`)
	}
	for ; k+2 <= len(p) && e.sent+k < e.n; k += 2 {
		p[k], p[k+1] = '0', ','
	}
	e.sent += k
	return k, nil
}

// TestContractBatchHugeBodyIsRefusedEarly: a 60 MB body of points is
// refused with 413 once it passes the point limit, long before it has all
// arrived, without the heap growing with the body.
func TestContractBatchHugeBodyIsRefusedEarly(t *testing.T) {
	s := newFakeServer(t, nil)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	body := &endlessPoints{n: 60 << 20}
	start := time.Now()
	req, _ := http.NewRequest("POST", s.srv.URL+"/v1/resolve", body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	took := time.Since(start)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if body.sent >= body.n {
		t.Error("the whole body was read before the answer")
	}
	if grown := int64(after.HeapInuse) - int64(before.HeapInuse); took > time.Second || grown > 64<<20 {
		t.Errorf("413 after %v with the heap %d MB bigger; want well under a second and a bounded heap", took, grown>>20)
	}
	t.Logf("413 after %v, %.1f MB of the body read", took, float64(body.sent)/(1<<20))
}
