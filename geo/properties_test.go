package geo

import (
	"encoding/json"
	"fmt"
	"strings"
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

// TestPropertiesWrittenOutInFull: the properties' limit counts numbers as
// PostgreSQL writes them back, not as sent: 100 keys of 1e131071 (1,491
// bytes sent) were read back as 13 MB on every read of the unit (a review).
func TestPropertiesWrittenOutInFull(t *testing.T) {
	big := map[string]any{}
	for i := 0; i < 100; i++ {
		big[fmt.Sprintf("k%d", i)] = json.Number("1e131071")
	}
	for _, tc := range []struct {
		name string
		p    map[string]any
		ok   bool
	}{
		{"plain numbers", map[string]any{"a": json.Number("120104199001011234"), "b": json.Number("1.5"), "c": json.Number("1e2")}, true},
		{"a double's range", map[string]any{"max": json.Number("1.7976931348623157e308"), "min": json.Number("5e-324")}, true},
		{"one huge exponent", map[string]any{"x": json.Number("1e131071")}, false},
		{"a tiny one", map[string]any{"x": json.Number("1e-70000")}, false},
		{"many in a list", map[string]any{"x": []any{json.Number("1e40000"), json.Number("-1e40000")}}, false},
		{"a hundred", big, false},
		// Within 64 KiB written out, beyond numeric's 16,383 places: the
		// database refused them, naming no field.
		{"numeric's last place", map[string]any{"x": json.Number("1e-16383"), "y": json.Number("-1.5e-16382")}, true},
		{"a place beyond numeric's", map[string]any{"x": json.Number("1e-16384")}, false},
		{"more places written out", map[string]any{"x": json.Number("0." + strings.Repeat("0", 16383) + "1")}, false},
		{"an exponent beyond 32 bits", map[string]any{"x": json.Number("1e-99999999999")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateProperties("properties", tc.p)
			if (err == nil) != tc.ok {
				t.Errorf("ValidateProperties = %v, want ok %v", err, tc.ok)
			}
		})
	}
	for n, want := range map[string]int{"0": 1, "-0.0": 1, "100": 3, "1e2": 3, "-1.5": 4, "0.0015": 6, "1.5e-3": 6, "12e-1": 3, "1e5": 6} {
		if got := writtenLen(json.Number(n)); got != want {
			t.Errorf("writtenLen(%s) = %d, want %d", n, got, want)
		}
	}
}
