package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/gridmap-dev/gridmap/geo"
)

// FuzzQueryParams feeds hostile strings to the query parameter parsers:
// they must never panic, and every rejection must be an EINVALID naming its field.
func FuzzQueryParams(f *testing.F) {
	for _, s := range []string{"", "1,2,3,4", "NaN,1,2,3", "1e309,0,0,0", "-180,-90,180,90", "2026-03-01",
		"2026-03-01T08:00:00+08:00", "\xff\xfe", "1,,2,3", "120104", "12x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(field string, err error) {
			var ge *geo.Error
			if err != nil && (!errors.As(err, &ge) || ge.Code != geo.EINVALID || ge.Field != field) {
				t.Fatalf("%s(%q): %v", field, s, err)
			}
		}
		b, err := parseBBox("bbox", s)
		check("bbox", err)
		if err == nil && b != nil && (b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1]) {
			t.Fatalf("bbox %q accepted inverted: %v", s, b)
		}
		_, err = parseAt("at", s)
		check("at", err)
		_, err = parseCode("code", s)
		check("code", err)
		_, err = parseLimit(s, 100, 1000)
		check("limit", err)
	})
}

// FuzzBatchPoint feeds hostile JSON to the per-point decoder of the batch API.
func FuzzBatchPoint(f *testing.F) {
	for _, s := range []string{`[117.1,39.1]`, `[1]`, `["a",1]`, `[1,2,3]`, `[1e400,1]`, `{}`, `null`, `[[1,2]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, ok, err := readPosition(newJSONScanner(bytes.NewReader(raw)))
		if err != nil || !ok {
			return
		}
		if err := geo.ValidatePoint("points[0]", p); err != nil && geo.ErrorCodeOf(err) != geo.EINVALID {
			t.Fatalf("ValidatePoint(%v): %v", p, err)
		}
	})
}

// FuzzBatchBody feeds hostile bodies to the batch decoder: it must never
// panic, and must accept exactly what encoding/json reads as a request
// object (with every point an array of numbers), or answer a 4xx naming a
// field.
func FuzzBatchBody(f *testing.F) {
	for _, s := range []string{`{"points":[[117.1,39.1],[1,2]]}`, `{"crs":"gcj02","points":[[1,2,3]]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[117,39]},"properties":{"n":1}}]}`,
		`{"points":[["a"],{},null,[1]]}`, `{"points":[[1e999,0]]}`, `{"points":"x"}`, `[]`, `{"points":[[1,2]]} x`,
		`{"a":"\ud800","points":[]}`, `{"points":[[01,2]]}`, `{"points":[[-0.5e-3,2]]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, err := readBatch(bytes.NewReader(raw))
		var any map[string]any
		jsonErr := json.Unmarshal(raw, &any)
		if err != nil {
			if code := geo.ErrorCodeOf(err); code != geo.EINVALID && code != geo.ETOOLARGE {
				t.Fatalf("readBatch(%q): %v", raw, err)
			}
			return
		}
		if jsonErr != nil {
			t.Fatalf("readBatch accepted %q, which encoding/json refuses: %v", raw, jsonErr)
		}
		if len(b.points) > MaxBatchPoints {
			t.Fatalf("%d points read", len(b.points))
		}
	})
}

// FuzzAppendString checks the hand-written JSON string encoder against
// encoding/json on any input: escapes, CJK runs, U+2028/9, invalid UTF-8.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "南开区", "a\"b\\c", "<&>", "\u2028\u2029", "\xff\xfe", "第1网格\n\t", "\xe2\x80", "x\xe2\x80\xa8y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, encoding/json %s", s, got, want)
		}
	})
}
