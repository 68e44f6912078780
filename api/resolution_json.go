package api

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/gridmap-dev/gridmap/geo"
)

// The resolve endpoints write results by hand: a batch of 100,000 points is
// ~50 MB of JSON, and reflection-based encoding would dominate the request.
// The output is the same as encoding/json's for geo.Resolution (a test
// checks that).

// appendResolution writes r whole; memo is the one beside r's answer, or
// nil (appendCachedMiddle).
func appendResolution(b []byte, r *geo.Resolution, memo *geo.Memo) []byte {
	b = append(b, `{"status":`...)
	b = appendString(b, string(r.Status))
	b = append(b, `,"point":[`...)
	b = appendFloat(b, r.Point[0])
	b = append(b, ',')
	b = appendFloat(b, r.Point[1])
	b = append(b, `],"responsible":`...)
	b, chainStart := appendCachedMiddle(b, r, memo)
	chainEnd := len(b)
	b = append(b, `,"enclave":`...)
	if r.Enclave == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"code":`...)
		b = appendString(b, r.Enclave.Code)
		b = append(b, `,"name":`...)
		b = appendString(b, r.Enclave.Name)
		b = append(b, `,"status":`...)
		b = appendString(b, string(r.Enclave.Status))
		b = append(b, '}')
	}
	b = append(b, `,"geographic":{`...)
	if r.Geographic == r.Chain { // no enclave: where the point lies is who answers
		b = append(b, b[chainStart:chainEnd]...)
	} else {
		b = appendCachedChain(b, &r.Geographic)
	}
	b = append(b, `},"conflicts":[`...)
	for i := range r.Conflicts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendLevelRef(b, &r.Conflicts[i])
	}
	b = append(b, `],"index_version":`...)
	b = strconv.AppendInt(b, r.IndexVersion, 10)
	return append(b, '}')
}

func appendChainFields(b []byte, c *geo.Chain) []byte {
	if c.MicroGrid != nil {
		b = append(b, `"microgrid":`...)
		b = appendRef(b, c.MicroGrid)
		b = append(b, ',')
	}
	b = append(b, `"grid":`...)
	b = appendRef(b, c.Grid)
	b = append(b, `,"community":`...)
	b = appendRef(b, c.Community)
	b = append(b, `,"street":`...)
	b = appendRef(b, c.Street)
	b = append(b, `,"district":`...)
	return appendRef(b, c.District)
}

func appendRef(b []byte, r *geo.Ref) []byte {
	if r == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"code":`...)
	b = appendString(b, r.Code)
	b = append(b, `,"name":`...)
	b = appendString(b, r.Name)
	return append(b, '}')
}

func appendLevelRef(b []byte, r *geo.LevelRef) []byte {
	b = append(b, `{"level":`...)
	b = appendString(b, string(r.Level))
	b = append(b, `,"code":`...)
	b = appendString(b, r.Code)
	b = append(b, `,"name":`...)
	b = appendString(b, r.Name)
	return append(b, '}')
}

// appendFloat formats like encoding/json: shortest exact decimal, exponent
// form only for very small or very large magnitudes.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		b = strconv.AppendFloat(b, f, 'e', -1, 64)
		// encoding/json writes e-7, not e-07.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
		return b
	}
	if out, ok := appendShortDecimal(b, f); ok {
		return out
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string, escaping as encoding/json does
// (quotes, backslash, control characters, <, >, &, U+2028/9); invalid UTF-8
// becomes U+FFFD. It validates UTF-8 inline and copies the runs that need
// no escaping whole: names are mostly CJK, and per-rune decoding dominated
// encoding answers.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendEscaped(b, c)
			i++
			start = i
			continue
		}
		n := utf8SeqLen(s[i:])
		switch {
		case n == 0: // invalid: one byte becomes U+FFFD
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
		case n == 3 && c == 0xE2 && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9):
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', '8'+s[i+2]-0xA8)
			i += 3
			start = i
		default:
			i += n
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// utf8SeqLen is the length of the valid UTF-8 sequence s starts with (its
// first byte is not ASCII), or 0 when it is not valid: the checks of
// utf8.DecodeRuneInString, without decoding.
func utf8SeqLen(s string) int {
	c := s[0]
	cont := func(i int) bool { return i < len(s) && s[i]&0xC0 == 0x80 }
	switch {
	case c >= 0xC2 && c < 0xE0:
		if cont(1) {
			return 2
		}
	case c >= 0xE0 && c < 0xF0:
		if !cont(1) || !cont(2) || (c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) {
			return 0
		}
		return 3
	case c >= 0xF0 && c < 0xF5:
		if !cont(1) || !cont(2) || !cont(3) || (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90) {
			return 0
		}
		return 4
	}
	return 0
}

// appendEscaped writes the escape of an ASCII byte that needs one.
func appendEscaped(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// jsonPlain marks the ASCII bytes a JSON string carries as they are.
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()
