package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// A boundary's free-form properties keep every number as the literal it
// was written with (json.Number), on every path: the database's jsonb, the
// API's edits and answers, exports and imports. Decoded as float64, an
// integer beyond 2^53 — an 18-digit ID card number, a 20-digit account —
// would become the nearest double (120104199001011234 reads as
// 120104199001011230), and every read, edit and export would store and
// hand on the rounded copy.

// DecodeProperties reads a JSON object of properties with its numbers as
// json.Number. JSON null reads as a nil map.
func DecodeProperties(data []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var p map[string]any
	if err := d.Decode(&p); err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the properties object")
	}
	return p, nil
}

// PropertiesColumn scans a JSON column of properties (jsonb) with its
// numbers as json.Number (DecodeProperties); pgx, which honours
// database/sql's Scanner, reads them as float64 on its own, rounding an
// integer beyond 2^53 to the nearest double on every read and export.
type PropertiesColumn map[string]any

// Scan reads the column's JSON text (nil for SQL NULL).
func (p *PropertiesColumn) Scan(src any) error {
	var data []byte
	switch s := src.(type) {
	case nil:
		*p = nil
		return nil
	case []byte:
		data = s
	case string:
		data = []byte(s)
	default:
		return fmt.Errorf("cannot scan %T into properties", src)
	}
	m, err := DecodeProperties(data)
	if err != nil {
		return fmt.Errorf("decode properties: %w", err)
	}
	*p = m
	return nil
}

// sameProperties compares two property maps as JSON values, which is how
// they are stored: keys in any order, nesting by value, and numbers by
// value whatever their spelling. jsonb keeps a number as a PostgreSQL
// numeric and writes 1e2 back as 100, so the version a retried edit stored
// holds the same values in other words.
func sameProperties(a, b map[string]any) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	if errA != nil || errB != nil {
		return false
	}
	if bytes.Equal(ja, jb) {
		return true
	}
	// Again through one decoder, so that float64, int and json.Number
	// values all compare as the numbers they are written as.
	va, errA := DecodeProperties(ja)
	vb, errB := DecodeProperties(jb)
	return errA == nil && errB == nil && sameJSON(va, vb)
}

// sameJSON compares two decoded JSON values (numbers as json.Number).
func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, has := y[k]; !has || !sameJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		return ok && SameNumber(x, y)
	}
	return a == b // strings, booleans, null
}

// SameNumber reports whether two JSON number literals are the same number
// exactly (100, 1e2 and 100.0 are; 0.1 and 0.10000000000000001 are not),
// as PostgreSQL's numeric compares them.
func SameNumber(a, b json.Number) bool {
	da, okA := parseDecimal(string(a))
	db, okB := parseDecimal(string(b))
	if !okA || !okB {
		return a == b
	}
	return da == db
}

// numbersGrowth is how many bytes the numbers in v (decoded JSON, numbers
// as json.Number) grow by when PostgreSQL writes them back: jsonb keeps a
// number as numeric and writes it out in full, so 1e131071, 8 bytes sent,
// is read back as 131,072 digits, on every read and export of the unit.
func numbersGrowth(v any) int {
	n := 0
	eachNumber(v, func(x json.Number) { n += max(writtenLen(x)-len(x), 0) })
	return n
}

// Limits of PostgreSQL's numeric, which jsonb keeps its numbers in: a
// number beyond them (1e-20000) is refused by the database, which names
// no field. The importer holds a DBF's numeric cells to them too.
const (
	MaxNumericWhole    = 131_072 // digits before the point
	MaxNumericFraction = 16_383  // digits after it
)

// numberBeyondNumeric returns a number in v that numeric cannot hold.
func numberBeyondNumeric(v any) (beyond json.Number, ok bool) {
	eachNumber(v, func(x json.Number) {
		if ok {
			return
		}
		if d, isNumber := parseDecimal(string(x)); !isNumber || !d.fitsNumeric() { // !isNumber: an exponent beyond 32 bits
			beyond, ok = x, true
		}
	})
	return beyond, ok
}

// eachNumber calls f with every number in v (decoded JSON).
func eachNumber(v any, f func(json.Number)) {
	switch x := v.(type) {
	case map[string]any:
		for _, w := range x {
			eachNumber(w, f)
		}
	case []any:
		for _, w := range x {
			eachNumber(w, f)
		}
	case json.Number:
		f(x)
	}
}

// writtenLen is the length of a number written out without an exponent
// (an upper bound: a numeric keeps its trailing zeros).
func writtenLen(n json.Number) int {
	d, ok := parseDecimal(string(n))
	if !ok {
		return len(n)
	}
	return d.writtenLen()
}
