package api

import (
	"unicode/utf8"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/internal/jsontext"
)

// JSON text that is not text: encoding/json turns an escaped lone UTF-16
// surrogate ("\ud800" without its pair) into U+FFFD without a word, so a
// name or a description was stored other than as sent, and two retries of
// one report with different lone surrogates compared equal (both U+FFFD)
// and were taken for the same report. Such a body is refused instead, as
// invalid UTF-8 is. The scanner is shared with the importer
// (internal/jsontext), which makes such a string an error of its feature.

// checkEscapes refuses JSON whose escapes are not text (an escaped lone
// surrogate), naming the member that holds one. The scanner's own tests
// are internal/jsontext's.
func checkEscapes(raw []byte) error {
	if !jsontext.LoneSurrogate(raw) {
		return nil
	}
	return geo.Invalid(badMember(raw, jsontext.LoneSurrogate), jsontext.LoneSurrogateMessage+"; send text as UTF-8")
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
	if m := jsontext.BadMember(raw, bad); m != "" {
		return m
	}
	return "body"
}
