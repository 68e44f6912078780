// Package jsontext finds JSON text that is not text: encoding/json turns
// an escaped lone UTF-16 surrogate ("\ud800" without its pair) into U+FFFD
// without a word, so a string would be stored other than as sent. The API
// refuses such a body (api/json_text.go), and an import makes it an error
// of the feature (importer/geojson.go); both find it here.
package jsontext

import (
	"encoding/json"
	"sort"
	"strconv"
)

// LoneSurrogateMessage says what is wrong with a value LoneSurrogate finds.
const LoneSurrogateMessage = `holds an escaped lone UTF-16 surrogate (such as \ud800 without the low half that must follow it), which is no character`

// LoneSurrogate reports whether raw (JSON) holds a \u escape of a UTF-16
// surrogate that is not a high one followed by a low one.
func LoneSurrogate(raw []byte) bool {
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

// BadMember names the member of a JSON object whose raw value is bad, the
// innermost one through nested objects (a Feature's "name", not its
// "properties"), or "" when it cannot tell: raw is no object, or no
// member's value is bad (the bad text is in a name, or in an array of
// objects).
func BadMember(raw []byte, bad func([]byte) bool) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
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
		if inner := BadMember(m[k], bad); inner != "" {
			return inner
		}
		return k
	}
	return ""
}
