package api

import (
	"encoding/json"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/gridmap-dev/gridmap/geo"
)

// JSON text that is not text: encoding/json turns an escaped lone UTF-16
// surrogate ("\ud800" without its pair) into U+FFFD without a word, so a
// name or a description was stored other than as sent, and two retries of
// one report with different lone surrogates compared equal (both U+FFFD)
// and were taken for the same report. Such a body is refused instead, as
// invalid UTF-8 is.

// checkEscapes refuses JSON whose escapes are not text (loneSurrogate),
// naming the member that holds one.
func checkEscapes(raw []byte) error {
	if !loneSurrogate(raw) {
		return nil
	}
	return geo.Invalid(badMember(raw, loneSurrogate),
		`holds an escaped lone UTF-16 surrogate (such as \ud800 without the low half that must follow it), which is no character; send text as UTF-8`)
}

// invalidUTF8Member names the member of a JSON object whose value holds
// invalid UTF-8 (or "body" when it cannot tell).
func invalidUTF8Member(raw []byte) string {
	return badMember(raw, func(b []byte) bool { return !utf8.Valid(b) })
}

// badMember names the member of a JSON object whose raw value is bad, the
// innermost one through nested objects (a Feature's "name", not its
// "properties", as the other checks of a property name it), or "body" when
// it cannot tell.
func badMember(raw []byte, bad func([]byte) bool) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return "body"
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if k == "" || !bad(m[k]) {
			continue
		}
		if inner := badMember(m[k], bad); inner != "body" {
			return inner
		}
		return k
	}
	return "body"
}

// loneSurrogate reports whether raw (JSON) holds a \u escape of a UTF-16
// surrogate that is not a high one followed by a low one.
func loneSurrogate(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if i+1 < len(raw) && raw[i+1] != 'u' {
			i++ // another escape (\\, \", \n…): its character is not a backslash to look at
			continue
		}
		r, ok := escapedUnit(raw, i)
		switch {
		case !ok || r < 0xD800 || r > 0xDFFF:
			i++
		case r >= 0xDC00: // a low surrogate without its high one
			return true
		default:
			low, ok := escapedUnit(raw, i+6)
			if !ok || low < 0xDC00 || low > 0xDFFF {
				return true
			}
			i += 11 // past both escapes
		}
	}
	return false
}

// escapedUnit reads the UTF-16 unit of the \uXXXX escape at raw[i:].
func escapedUnit(raw []byte, i int) (rune, bool) {
	if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
		return 0, false
	}
	r, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
	return rune(r), err == nil
}
