package geo

import (
	"encoding/json"
	"testing"
)

func TestDecodePropertiesKeepsLiterals(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"beyond 2^53", `{"owner_id":120104199001011234}`, `{"owner_id":120104199001011234}`},
		{"beyond int64", `{"big":12345678901234567890}`, `{"big":12345678901234567890}`},
		{"fraction and nesting", `{"f":1.50,"n":{"l":[0.1,1e2]}}`, `{"f":1.50,"n":{"l":[0.1,1e2]}}`},
		{"null", `null`, `null`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := DecodeProperties([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := json.Marshal(p); string(b) != tc.want {
				t.Errorf("got %s, want %s", b, tc.want)
			}
		})
	}
	for _, bad := range []string{`[1]`, `{"a":1} {}`, `{"a":`} {
		if _, err := DecodeProperties([]byte(bad)); err == nil {
			t.Errorf("DecodeProperties(%s) accepted", bad)
		}
	}
}

func TestSameNumber(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"100", "1e2", true},
		{"100", "100.00", true},
		{"1.5", "15E-1", true},
		{"-0", "0", true},
		{"0.0", "0e5", true},
		{"-1.25", "-125e-2", true},
		{"1e+2", "100", true},
		{"120104199001011234", "120104199001011230", false},
		{"0.1", "0.10000000000000001", false},
		{"1", "-1", false},
		{"12", "1.2", false},
	} {
		t.Run(tc.a+"="+tc.b, func(t *testing.T) {
			if got := SameNumber(json.Number(tc.a), json.Number(tc.b)); got != tc.want {
				t.Errorf("SameNumber(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

// TestSamePropertiesByValue: a retried edit is recognised by its stored
// properties, which jsonb writes back in its own spelling of each number,
// and one that differs in a digit beyond 2^53 is another edit.
func TestSamePropertiesByValue(t *testing.T) {
	props := func(s string) map[string]any {
		p, err := DecodeProperties([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		a, b map[string]any
		want bool
	}{
		{"jsonb's spelling", props(`{"n":1e2,"l":[1.0]}`), props(`{"l":[1.0],"n":100}`), true},
		{"a float64 and its literal", map[string]any{"f": 1.5}, props(`{"f":1.50}`), true},
		{"a last digit beyond 2^53", props(`{"id":120104199001011234}`), props(`{"id":120104199001011230}`), false},
		{"a number and its text", props(`{"id":1}`), props(`{"id":"1"}`), false},
		{"none and empty", nil, map[string]any{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameProperties(tc.a, tc.b); got != tc.want {
				t.Errorf("sameProperties = %v, want %v", got, tc.want)
			}
		})
	}
}
