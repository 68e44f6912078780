package geo

import "testing"

// TestDecimal: the one reader of decimal text behind properties' numbers
// (SameNumber, the numeric bounds, their written length), count sums and a
// DBF's numbers beyond a double (NumericLiteral): one spelling per value,
// exact at any size.
func TestDecimal(t *testing.T) {
	cases := []struct {
		in, key, scientific string // key "": not a decimal literal
		fits                bool
		written             int
	}{
		{"1.250", "125e-2", "1.25e+0", true, 4},
		{"-1.250", "-125e-2", "-1.25e+0", true, 5},
		{"00120", "12e1", "1.2e+2", true, 3},
		{"1.5E2", "15e1", "1.5e+2", true, 3},
		{"+5", "5e0", "5e+0", true, 1},
		{".5", "5e-1", "5e-1", true, 3},
		{"5.", "5e0", "5e+0", true, 1},
		{"-0.000", "0e0", "0", true, 1},
		{"1e-400", "1e-400", "1e-400", true, 402},
		{"-1.5e+400", "-15e399", "-1.5e+400", true, 402},
		{"1e131071", "1e131071", "1e+131071", true, 131072},
		{"1e131072", "1e131072", "1e+131072", false, 131073},
		{"1e-16383", "1e-16383", "1e-16383", true, 16385},
		{"1e-16384", "1e-16384", "1e-16384", false, 16386},
		{"120104199001011234", "120104199001011234e0", "1.20104199001011234e+17", true, 18},
		{"1e99999999999", "", "", false, 0}, // an exponent beyond 32 bits
		{"0x10", "", "", false, 0},
		{"1.2.3", "", "", false, 0},
		{"-+5", "", "", false, 0},
		{"-", "", "", false, 0},
		{"", "", "", false, 0},
		{"1e", "", "", false, 0},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			d, ok := parseDecimal(c.in)
			if ok != (c.key != "") {
				t.Fatalf("parsed %v, want %v", ok, c.key != "")
			}
			n, fits := NumericLiteral(c.in)
			if fits != c.fits || fits && string(n) != c.scientific {
				t.Errorf("NumericLiteral %q %v, want %q %v", n, fits, c.scientific, c.fits)
			}
			if !ok {
				return
			}
			if d.key() != c.key || d.scientific() != c.scientific || d.writtenLen() != c.written {
				t.Errorf("key %s, scientific %s, written %d; want %s, %s, %d", d.key(), d.scientific(), d.writtenLen(), c.key, c.scientific, c.written)
			}
		})
	}
}
