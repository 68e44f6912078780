package api

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// sameFloat reports whether a and b are the same float64, bit for bit
// (so -0 differs from 0, and NaN equals NaN).
func sameFloat(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// referenceFloat is appendFloat by strconv alone.
func referenceFloat(f float64) string {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return "" // appendFloat's exponent form, which the fast path leaves alone
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// checkDecimal holds both fast paths to strconv for s.
func checkDecimal(t *testing.T, s string) {
	t.Helper()
	want, wantErr := strconv.ParseFloat(s, 64)
	got, err := parseFloat(s)
	if (err != nil) != (wantErr != nil) || err == nil && !sameFloat(got, want) {
		t.Fatalf("parseFloat(%q) = %v, %v; strconv %v, %v", s, got, err, want, wantErr)
	}
	if f, ok := parseDecimal(s); ok && !sameFloat(f, want) {
		t.Fatalf("parseDecimal(%q) = %v, strconv %v", s, f, want)
	}
	if wantErr != nil {
		return
	}
	if ref := referenceFloat(want); ref != "" {
		if got := string(appendFloat(nil, want)); got != ref {
			t.Fatalf("appendFloat(%v) = %s, strconv %s", want, got, ref)
		}
	}
}

func TestDecimalMatchesStrconv(t *testing.T) {
	for _, s := range []string{
		"117.2345678", "-117.2345678", "39.1", "39.10000000", "0", "-0", "0.0", "-0.000", "5.", ".5", "-.5",
		"007.5", "180", "-90", "1e3", "+1", "0x1p3", "Inf", "NaN", "1_0", "", "-", ".", "1.2.3", "١٢٣",
		"117.23456789012345678", "123456789012345", "1234567890123456", "999999999999999", "0.000001",
		"0.0000001", "0.1", "0.3", "0.30000000000000004", "117.20000000000002", "39.10000000000001",
		"1e-7", "1e21", "4503599627370496.5", "9007199254740993",
	} {
		t.Run(s, func(t *testing.T) { checkDecimal(t, s) })
	}
}

func TestShortDecimalOfComputedPoints(t *testing.T) {
	// Points made by arithmetic (a GCJ-02 conversion, a centre) mostly
	// have no short decimal: strconv's path answers them.
	for i := range 100000 {
		f := 73 + float64(i)*0.000613
		g := f * 1.0000001
		for _, v := range []float64{f, g, -g, g / 1e7, g * 1e11} {
			if ref := referenceFloat(v); ref != "" && string(appendFloat(nil, v)) != ref {
				t.Fatalf("appendFloat(%v) = %s, strconv %s", v, appendFloat(nil, v), ref)
			}
		}
	}
}

func FuzzDecimal(f *testing.F) {
	for _, s := range []string{"117.2345678", "-0.5", "39.1", "1e5", "12345678901234567", ".5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkDecimal(t, s)
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			// Also the float next to it, which has no short decimal.
			checkDecimal(t, strconv.FormatFloat(math.Nextafter(v, math.Inf(1)), 'g', -1, 64))
		}
	})
}

func TestRandomShortDecimals(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		digits := 1 + rng.IntN(16) // up to 16: one past the fast path
		s := strconv.FormatUint(rng.Uint64N(uint64(math.Pow10(digits))), 10)
		for len(s) < digits {
			s = "0" + s
		}
		if at := rng.IntN(digits + 1); at < digits {
			s = s[:at] + "." + s[at:]
		}
		if rng.IntN(2) == 0 {
			s = "-" + s
		}
		checkDecimal(t, s)
	}
}

// BenchmarkDecimal compares the short paths with strconv's on a GPS
// fix's coordinates (7 decimals).
func BenchmarkDecimal(b *testing.B) {
	texts := []string{"117.2345678", "39.1234567", "117.0456781", "38.9876543"}
	vals := make([]float64, len(texts))
	for i, s := range texts {
		vals[i], _ = strconv.ParseFloat(s, 64)
	}
	var sink float64
	buf := make([]byte, 0, 32)
	b.Run("parse/strconv", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			f, _ := strconv.ParseFloat(texts[i&3], 64)
			sink += f
		}
	})
	b.Run("parse/short", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			f, _ := parseFloat(texts[i&3])
			sink += f
		}
	})
	b.Run("format/strconv", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			buf = strconv.AppendFloat(buf[:0], vals[i&3], 'f', -1, 64)
		}
	})
	b.Run("format/short", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			buf = appendFloat(buf[:0], vals[i&3])
		}
	})
	_ = sink
}

// TestDecimalSyntax: a coordinate in a query is a plain decimal; Go's other
// literals, which strconv reads, are refused (a review: lng=11_7.15 read as
// 117.15, lng=0x1p6 as 64).
func TestDecimalSyntax(t *testing.T) {
	for s, want := range map[string]bool{
		"117.15": true, "-39.1": true, "+117": true, "5.": true, ".5": true, "1e3": true, "1E-3": true, "007.5": true,
		"11_7.15": false, "0x1p6": false, "Inf": false, "NaN": false, "": false, "-": false, ".": false, "1e": false,
		"1e+": false, " 117": false, "117 ": false, "١٢٣": false,
	} {
		if decimalSyntax(s) != want {
			t.Errorf("decimalSyntax(%q) = %v", s, !want)
		}
	}
}
