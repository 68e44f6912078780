package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// Fuzz targets for the decoders of request bodies that issue 12 added or
// rewrote (make fuzz runs each for FUZZTIME; go test replays the seeds).
// Each must never panic, must refuse with a 4xx problem naming a field, and
// must never accept what encoding/json refuses.

// wantClientError fails unless err is nil or a 4xx problem with a field.
func wantClientError(t *testing.T, what string, raw []byte, err error) {
	t.Helper()
	var ge *geo.Error
	if err == nil {
		return
	}
	if code := geo.ErrorCodeOf(err); (code != geo.EINVALID && code != geo.ETOOLARGE) || !errors.As(err, &ge) || ge.Field == "" {
		t.Fatalf("%s(%q): %v", what, raw, err)
	}
}

// FuzzPatrolBody feeds hostile bodies to the streaming patrol decoder.
func FuzzPatrolBody(f *testing.F) {
	for _, s := range []string{
		`{"id":"0b7c6a3e-5f1d-4a51-9b7e-6d2f1c3a9e01","fixes":[{"point":[117.1,39.1],"t":"2026-11-25T08:30:00+08:00","accuracy_m":5}]}`,
		`{"id":"x","track":{"type":"LineString","coordinates":[[1,2],[3,4,5]]},"times":["2026-11-25T08:30:00Z","2026-11-25T08:31:00Z"]}`,
		`{"fixes":[{"point":[117.128]}]}`, `{"fixes":[{"point":"x"}]}`, `{"track":{"coordinates":[[1,2]]},"times":[1]}`,
		`{"id":"a","fixes":[],"track":{}}`, `{"id":"\u0000","worker":"\ud800"}`, `[]`, `{"fixes":[{"accuracy_m":null}]} x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		in, err := readPatrol(newJSONScanner(bytes.NewReader(raw)))
		wantClientError(t, "readPatrol", raw, err)
		if err != nil {
			return
		}
		var any map[string]any
		if jerr := json.Unmarshal(raw, &any); jerr != nil {
			t.Fatalf("readPatrol accepted %q, which encoding/json refuses: %v", raw, jerr)
		}
		if len(in.Fixes) > casework.MaxFixes {
			t.Fatalf("%d fixes read", len(in.Fixes))
		}
	})
}

// FuzzReportBatch feeds hostile bodies to the report batch splitter: every
// report it returns must be one JSON value, in order, as the body had it.
func FuzzReportBatch(f *testing.F) {
	for _, s := range []string{`{"reports":[{"id":"a"},{"id":"b","point":[1,2]}]}`, `{"reports":[]}`, `{"reports":null}`,
		`{"x":1,"reports":[1,"s",null,[{}]]}`, `{"reports":[{"d":"\xff"}]}`, `{"reports":[{]}`, `{"reports":[{}]} {}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		reports, err := decodeBatch(raw)
		wantClientError(t, "decodeBatch", raw, err)
		if err != nil {
			return
		}
		var want struct{ Reports []json.RawMessage }
		if jerr := json.Unmarshal(raw, &want); jerr != nil {
			if strings.Contains(jerr.Error(), "UTF-8") {
				return
			}
			t.Fatalf("decodeBatch accepted %q, which encoding/json refuses: %v", raw, jerr)
		}
		if len(reports) != len(want.Reports) || len(reports) > MaxReportBatch {
			t.Fatalf("%d reports, encoding/json finds %d", len(reports), len(want.Reports))
		}
		for i := range reports {
			if !json.Valid(reports[i]) {
				t.Fatalf("report %d is not one JSON value: %q", i, reports[i])
			}
		}
	})
}

// FuzzEditFeature feeds hostile bodies to the edit reader: what it accepts
// is a Polygon or MultiPolygon whose every position was two or three numbers.
func FuzzEditFeature(f *testing.F) {
	for _, s := range []string{string(featureBody(`{"name":"x"}`)),
		`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[1,2],[3,4],[5,6],[1,2]]]]},"properties":null}`,
		`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[117.128],[1,2]]]}}`,
		`{"type":"Feature","geometry":{"coordinates":[[[1,2,3,4]]],"type":"Polygon"}}`,
		`{"type":"Feature","geometry":null}`, `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}}`,
		`{"type":"Feature","geometry":{"type":"Polygon","coordinates":"x"},"id":7}`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, mp, err := decodeFeature(raw)
		wantClientError(t, "decodeFeature", raw, err)
		if err != nil {
			return
		}
		if !json.Valid(raw) {
			t.Fatalf("decodeFeature accepted %q, which is not JSON", raw)
		}
		n := 0
		for _, p := range mp {
			for _, r := range p {
				n += len(r)
			}
		}
		if n > maxEditVertices {
			t.Fatalf("%d vertices read", n)
		}
	})
}

// FuzzReportBody feeds hostile bodies to the single-report decoder.
func FuzzReportBody(f *testing.F) {
	for _, s := range []string{
		`{"id":"0b7c6a3e-5f1d-4a51-9b7e-6d2f1c3a9e01","kind":"hazard","category":"E0506","severity":3,"point":[117.15,39.11]}`,
		`{"point":[117.15]}`, `{"severity":"3"}`, `{"id":"a","severity":1,"point":[1,2],"observed_at":"x"}`, "{\"d\":\"\xff\"}", `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, err := decodeReport(raw, "")
		wantClientError(t, "decodeReport", raw, err)
	})
}

// FuzzQueryText feeds hostile raw queries to the text guard: it must never
// panic, and whatever it lets through must parse as the router parses it
// (no pair dropped) to valid UTF-8 without a NUL.
func FuzzQueryText(f *testing.F) {
	for _, s := range []string{"cursor=%00", "a=1&b=%ff", "%zz=1", "name=%E5%8D%97", "a%00=1", "=&&=", "x=%", "a=1;b=2", "unit=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !cleanQuery(raw) {
			return
		}
		values, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatalf("cleanQuery let %q through, which the router's parser drops a pair of: %v", raw, err)
		}
		for k, vs := range values {
			for _, s := range append(vs, k) {
				if !cleanText(s) {
					t.Fatalf("cleanQuery let %q through", raw)
				}
			}
		}
	})
}
