package api

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo"
)

// bigNumbers are property numbers a float64 cannot hold, as a client
// writes them: an 18-digit ID beyond 2^53, an integer beyond int64.
var bigNumbers = []struct{ key, literal string }{
	{"owner_id", "120104199001011234"},
	{"id_card_like", "12345678901234567890"},
	{"f", "1.5"},
}

// bigNumbersJSON is the properties object of bigNumbers.
const bigNumbersJSON = `{"owner_id":120104199001011234,"id_card_like":12345678901234567890,"f":1.5}`

// holdsLiterals checks that body spells each of bigNumbers as sent, times
// times (one per version in a history).
func holdsLiterals(t *testing.T, what string, body []byte, times int) {
	t.Helper()
	for _, n := range bigNumbers {
		re := regexp.MustCompile(`"` + n.key + `":\s*` + regexp.QuoteMeta(n.literal) + `[,}\s]`)
		if got := len(re.FindAll(body, -1)); got != times {
			t.Errorf("%s: %q spelled %s %d times, want %d: %s", what, n.key, n.literal, got, times, body)
		}
	}
}

// exactFeature decodes a feature as a client that keeps numbers exact does.
func exactFeature(t *testing.T, body []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var f map[string]any
	if err := d.Decode(&f); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestPropertyNumbersKeepTheirDigits: numbers in a boundary's properties
// come back from every read as they were sent, and an edit that sends
// back what it read stores them unchanged; a tester saw POST store
// 12345678901234567890 as 12345678901234567000 and a rename store
// 120104199001011234 as 120104199001011230.
func TestPropertyNumbersKeepTheirDigits(t *testing.T) {
	s := newEditServer(t, nil)
	ed := s.token(t, access.RoleEditor, "", "王工")
	const code = "120104001001097"
	r := s.req(t, "POST", "/v1/units", ed, featureBody(`{"code":"`+code+`","name":"新网格","properties":`+bigNumbersJSON+`}`))
	if r.status != 201 {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	holdsLiterals(t, "POST answer", r.body, 1)

	// A rename, sent back as read by a client that keeps numbers exact.
	r = s.req(t, "GET", "/v1/units/"+code, ed, nil)
	f := exactFeature(t, r.body)
	propsOf(f)["name"] = "改名网格"
	r = s.req(t, "PUT", "/v1/units/"+code, ed, mustJSON(t, f), "If-Match", r.header.Get("ETag"))
	if r.status != 200 || r.header.Get("ETag") != `"v2"` {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	holdsLiterals(t, "PUT answer", r.body, 1)

	// An enclave's properties, by PUT.
	r = s.req(t, "GET", "/v1/enclaves/"+demo.EnclaveCode, ed, nil)
	e := exactFeature(t, r.body)
	propsOf(e)["properties"] = json.RawMessage(bigNumbersJSON)
	r = s.req(t, "PUT", "/v1/enclaves/"+demo.EnclaveCode, ed, mustJSON(t, e), "If-Match", r.header.Get("ETag"))
	if r.status != 200 {
		t.Fatalf("PUT enclave: %d %s", r.status, r.body)
	}
	holdsLiterals(t, "PUT enclave answer", r.body, 1)

	for _, tc := range []struct {
		name, path, token string
		times             int
	}{
		{"unit", "/v1/units/" + code, ed, 1},
		{"unit, anonymous", "/v1/units/" + code, "", 1},
		{"unit history", "/v1/units/" + code + "/history", ed, 2},
		{"OGC unit", "/ogc/collections/grids/items/" + code, ed, 1},
		{"enclave", "/v1/enclaves/" + demo.EnclaveCode, ed, 1},
		{"OGC enclave", "/ogc/collections/enclaves/items/" + demo.EnclaveCode, ed, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.req(t, "GET", tc.path, tc.token, nil)
			if r.status != 200 {
				t.Fatalf("GET %s: %d %s", tc.path, r.status, r.body)
			}
			holdsLiterals(t, tc.path, r.body, tc.times)
		})
	}
}
