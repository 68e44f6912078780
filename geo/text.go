package geo

import (
	"encoding/json"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Limits on the text of boundaries. Names are what a map label and a
// dashboard list show; the reason of an enclave is a sentence or two. A
// NUL, other control characters and invalid UTF-8 are refused by name
// before they reach the database (which cannot store a NUL at all).
const (
	MaxUnitName        = 200      // characters of a unit's or enclave's name
	MaxEnclaveReason   = 2000     // characters of an enclave's reason
	MaxPropertiesBytes = 64 << 10 // a boundary's properties, as JSON
	MaxEnclaveCode     = 64       // bytes of an enclave code
)

// enclaveCodePattern is the one pattern of enclave codes: letters, digits, "_" and
// "-". The demo's E120110001 and any file's own identifiers fit; a "/" or a
// space would make the code unusable in a URL path.
var enclaveCodePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidateEnclaveCode checks an enclave code against ^[A-Za-z0-9_-]{1,64}$.
func ValidateEnclaveCode(field, code string) error {
	if !enclaveCodePattern.MatchString(code) {
		return Invalid(field, "%q is not an enclave code: 1 to %d letters, digits, _ or -", ClipTo(code, 40), MaxEnclaveCode)
	}
	return nil
}

// ValidateStoredEnclaveCode is the looser check of a code an enclave may
// already have: codes stored before ValidateEnclaveCode was the rule (say
// "a/b") must still be revisable and retirable. It refuses only what no
// stored code can be: empty, over 8 KiB, invalid UTF-8 or a control
// character.
func ValidateStoredEnclaveCode(field, code string) error {
	if code == "" || len(code) > 8<<10 || ValidateName(field, code, 8<<10, true) != nil {
		return Invalid(field, "%q is not an enclave code", ClipTo(code, 40))
	}
	return nil
}

// ValidateName checks a name or identifier: valid UTF-8, no control
// characters, at most max characters, and not blank when required.
func ValidateName(field, s string, max int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return Invalid(field, "%s is required", field)
	}
	return validateText(field, s, max, hasControl(s))
}

// ValidateText checks free text: like ValidateName, but tabs and line
// breaks are allowed.
func ValidateText(field, s string, max int) error {
	return validateText(field, s, max, hasControl(strings.NewReplacer("\n", "", "\r", "", "\t", "").Replace(s)))
}

func validateText(field, s string, max int, control bool) error {
	switch {
	case !utf8.ValidString(s):
		return Invalid(field, "%s is not valid UTF-8", field)
	case control:
		return Invalid(field, "%s contains control characters", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Invalid(field, "%s has %d characters; the limit is %d", field, n, max)
	}
	return nil
}

func hasControl(s string) bool { return strings.IndexFunc(s, unicode.IsControl) >= 0 }

// ValidateProperties checks a boundary's free-form attributes: at most
// MaxPropertiesBytes as JSON, and no NUL in any key or value.
func ValidateProperties(field string, p map[string]any) error {
	b, err := json.Marshal(p)
	switch {
	case err != nil:
		return Invalid(field, "cannot be stored as JSON: %v", err)
	case len(b) > MaxPropertiesBytes:
		return Invalid(field, "%d bytes of properties; the limit is %d", len(b), MaxPropertiesBytes)
	case len(b)+numbersGrowth(p) > MaxPropertiesBytes:
		return Invalid(field, "%d bytes of properties once their numbers are written out in full (1e300 is 301 digits); the limit is %d",
			len(b)+numbersGrowth(p), MaxPropertiesBytes)
	case strings.Contains(string(b), `\u0000`):
		return Invalid(field, "contains a NUL character")
	}
	if n, beyond := numberBeyondNumeric(p); beyond {
		return Invalid(field, "the number %s cannot be stored: at most %d digits before the point and %d after",
			ClipTo(string(n), 40), MaxNumericWhole, MaxNumericFraction)
	}
	return nil
}

// ParseUUID checks that s is a UUID in its 36-character form (a report's
// id, a client id) and returns it in canonical lower case, so that a retry
// that spells it in capitals is recognised.
func ParseUUID(field, s string) (string, error) {
	u, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return "", Invalid(field, "%q is not a UUID (8-4-4-4-12 hex digits)", ClipTo(s, 40))
	}
	return u.String(), nil
}

// CheckClientID checks and normalises an optional client id in place: a
// UUID (ParseUUID) naming a request so that its retry is recognised.
func CheckClientID(id *string) error {
	if *id == "" {
		return nil
	}
	canon, err := ParseUUID("client_id", *id)
	if err != nil {
		return err
	}
	*id = canon
	return nil
}
