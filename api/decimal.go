package api

import (
	"math"
	"strconv"
)

// Every resolve reads two coordinates and echoes them in its answer. They
// come as plain decimals of at most 15 significant digits (a phone's GPS
// fix has 6 to 8 decimals), and for those both directions have a short
// exact path that strconv's general algorithms do not take: the profile of
// GET /v1/resolve showed ParseFloat and AppendFloat at 0.3 µs of a
// request. Anything else takes strconv's path; the fuzz test holds both
// paths to strconv's results bit for bit.

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// maxExactDigits is DBL_DIG: distinct decimals of at most this many
// significant digits are distinct float64s.
const maxExactDigits = 15

// parseFloat is strconv.ParseFloat(s, 64).
func parseFloat(s string) (float64, error) {
	if f, ok := parseDecimal(s); ok {
		return f, nil
	}
	return strconv.ParseFloat(s, 64)
}

// decimalSyntax reports whether s is a number as people and JSON write
// one: a sign, digits with perhaps a point, perhaps an exponent. strconv
// also reads Go's literals (0x1p6, 11_7.15) and Inf, which no phone sends:
// a coordinate written so is a mistake to point out, not to guess at.
func decimalSyntax(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := 0
	for ; i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.'); i++ {
		if s[i] != '.' {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

// parseDecimal parses -?digits[.digits] with at most 15 digits. The
// digits make an integer m < 10^15 and the point a power 10^k, k ≤ 15,
// both exact in a float64, so m / 10^k is one correctly rounded division:
// the float64 nearest the decimal, as strconv gives. ok is false for any
// other text.
func parseDecimal(s string) (f float64, ok bool) {
	i, neg := 0, false
	if len(s) > 0 && s[0] == '-' {
		i, neg = 1, true
	}
	var m uint64
	digits, point := 0, -1 // point: digits before the decimal point
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			digits++
		case c == '.' && point < 0:
			point = digits
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > maxExactDigits {
		return 0, false
	}
	k := 0
	if point >= 0 {
		k = digits - point
	}
	f = float64(m) / pow10[k]
	if neg {
		f = -f
	}
	return f, true
}

// appendShortDecimal appends strconv.FormatFloat(f, 'f', -1, 64) when f
// is the float64 of a decimal with at most 15 significant digits and
// 1e-6 ≤ |f| < 1e15, and reports whether it did. Such a decimal, found by
// rounding f at 15 significant digits and checked by dividing back, is the
// only one of so few digits that becomes f, so it is the shortest that
// does: what strconv prints.
func appendShortDecimal(b []byte, f float64) ([]byte, bool) {
	a := math.Abs(f)
	if !(a >= 1e-6 && a < 1e15) {
		return b, false
	}
	k := maxExactDigits // digits after the point: 15 less those before it
	for k > 0 && a >= pow10[maxExactDigits-k] {
		k--
	}
	d := math.Round(a * pow10[k])
	if d >= 1e15 || d/pow10[k] != a {
		return b, false
	}
	u := uint64(d)
	for k > 0 && u%10 == 0 {
		u /= 10
		k--
	}
	if f < 0 {
		b = append(b, '-')
	}
	unit := uint64(pow10[k])
	b = strconv.AppendUint(b, u/unit, 10)
	if k == 0 {
		return b, true
	}
	b = append(b, '.')
	b = append(b, "000000000000000"[:k]...)
	for frac, i := u%unit, len(b)-1; frac > 0; frac, i = frac/10, i-1 {
		b[i] = byte('0' + frac%10)
	}
	return b, true
}
