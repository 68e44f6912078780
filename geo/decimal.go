package geo

import (
	"encoding/json"
	"strconv"
	"strings"
)

// decimal is a decimal number's exact value, read from its text so that no
// digit is lost to a float64 at any size: ±digits × 10^exp, digits without
// leading or trailing zeros ("0" for zero, which has no sign). Properties
// compare (SameNumber), are bounded (numberBeyondNumeric) and add up
// (sumOf) through it, and the importer writes a DBF's out-of-range numbers
// with it (NumericLiteral).
type decimal struct {
	neg    bool
	digits string
	exp    int
}

// parseDecimal reads a decimal literal: an optional sign, digits with an
// optional point (at least one digit), and an optional exponent (e or E,
// within 32 bits, so that the sums below cannot overflow).
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		s, d.neg = rest, true
	} else {
		s = strings.TrimPrefix(s, "+")
	}
	mantissa := s
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.ParseInt(s[i+1:], 10, 32)
		if err != nil {
			return decimal{}, false
		}
		mantissa, d.exp = s[:i], int(e)
	}
	whole, frac, _ := strings.Cut(mantissa, ".")
	digits := whole + frac
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return decimal{}, false
	}
	d.exp -= len(frac)
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return decimal{digits: "0"}, true // -0 is 0
	}
	d.digits = strings.TrimRight(digits, "0")
	d.exp += len(digits) - len(d.digits)
	return d, true
}

// key is the number in one spelling ("-125e-2" for -1.250): two literals
// are the same number when their keys are equal.
func (d decimal) key() string {
	return d.sign() + d.digits + "e" + strconv.Itoa(d.exp)
}

func (d decimal) sign() string {
	if d.neg {
		return "-"
	}
	return ""
}

// fitsNumeric reports whether PostgreSQL's numeric holds the number: at
// most MaxNumericWhole digits before the point and MaxNumericFraction
// after it.
func (d decimal) fitsNumeric() bool {
	return len(d.digits)+d.exp <= MaxNumericWhole && -d.exp <= MaxNumericFraction
}

// places is how many digits the number has after the point.
func (d decimal) places() int { return max(0, -d.exp) }

// writtenLen is the length of the number written out without an exponent.
func (d decimal) writtenLen() int {
	sign := len(d.sign())
	switch {
	case d.digits == "0":
		return 1
	case d.exp >= 0:
		return sign + len(d.digits) + d.exp
	case -d.exp >= len(d.digits):
		return sign + 2 - d.exp // 0.000ddd
	}
	return sign + len(d.digits) + 1
}

// scientific is the number in the form strconv.FormatFloat's 'g' gives a
// large or small one: the first significant digit, the others after the
// point, and the exponent ("-1.5e+400", "1e-400").
func (d decimal) scientific() string {
	if d.digits == "0" {
		return "0"
	}
	out := d.sign() + d.digits[:1]
	if len(d.digits) > 1 {
		out += "." + d.digits[1:]
	}
	exp := d.exp + len(d.digits) - 1 // of the first significant digit
	if exp < 0 {
		return out + "e-" + strconv.Itoa(-exp)
	}
	return out + "e+" + strconv.Itoa(exp)
}

// NumericLiteral writes a decimal literal exactly, at any size, in the form
// strconv.FormatFloat's 'g' gives a number beyond a double's range
// ("1e-400", "-1.5e+400"). ok is false when s is no decimal literal or
// PostgreSQL's numeric cannot hold it.
func NumericLiteral(s string) (n json.Number, ok bool) {
	d, ok := parseDecimal(s)
	if !ok || !d.fitsNumeric() {
		return "", false
	}
	return json.Number(d.scientific()), true
}
