package geo

import (
	"encoding/json"
	"maps"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Count properties: a unit's households (户数) and residents (人口). A
// count is not copied by a split nor dropped by a merge: the total under
// the parent stays what it was.
const (
	HouseholdsProperty = "households"
	PopulationProperty = "population"
)

// CountProperties are the properties that count something in a unit's
// area, which splits and merges share out and add up instead of copying.
var CountProperties = []string{HouseholdsProperty, PopulationProperty}

// SplitProperties returns the properties of the two parts of a split unit,
// each its own copy. The counts stay with the part keeper, the one that
// continues the unit (the part that keeps its code, else the larger); the
// other part has none until it is counted: the two parts must not both
// claim the whole.
func SplitProperties(props map[string]any, keeper int) [2]map[string]any {
	var out [2]map[string]any
	for i := range out {
		out[i] = maps.Clone(props)
		if i != keeper {
			for _, count := range CountProperties {
				delete(out[i], count)
			}
		}
	}
	return out
}

// MergedProperties returns the properties of a merged unit: those of the
// unit that keeps its identity (kept, copied), with each count the sum of
// the merged units' counts (of those that have one). When one of a count's
// values is not a number the values cannot be added up, and kept's stays
// as it is.
func MergedProperties(kept map[string]any, all []map[string]any) map[string]any {
	out := maps.Clone(kept)
	for _, count := range CountProperties {
		sum, ok := sumOf(count, all)
		if !ok {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[count] = sum
	}
	return out
}

// sumOf adds up the property count of the units that have it, in decimal
// and exactly: in float64, 0.1 + 0.2 is 0.30000000000000004 and two counts
// beyond 2^53 lose their last digits. ok is false when none has it or
// one's is no number.
func sumOf(count string, all []map[string]any) (sum json.Number, ok bool) {
	var total big.Rat
	places := 0
	for _, props := range all {
		v, has := props[count]
		if !has {
			continue
		}
		d, isNumber := decimalOf(v)
		if !isNumber {
			return "", false
		}
		n, _ := new(big.Rat).SetString(d.key())
		total.Add(&total, n)
		places, ok = max(places, d.places()), true
	}
	return json.Number(trimZeros(total.FloatString(places))), ok
}

// decimalOf reads a JSON number as read from a file or the database
// (json.Number), one decoded as a float64 (its shortest spelling), or a
// count written as text ("120": a shapefile's text column). A number of
// more than maxCountDigits digits written out is no count: 1e999999999
// would be a sum of a billion digits.
func decimalOf(v any) (decimal, bool) {
	var text string
	switch n := v.(type) {
	case float64:
		if math.IsInf(n, 0) || math.IsNaN(n) {
			return decimal{}, false
		}
		text = strconv.FormatFloat(n, 'g', -1, 64)
	case json.Number:
		text = string(n)
	case string:
		text = strings.TrimSpace(n)
	default:
		return decimal{}, false
	}
	d, ok := parseDecimal(text)
	return d, ok && d.writtenLen() <= maxCountDigits
}

// maxCountDigits bounds a count's digits (decimalOf).
const maxCountDigits = 1024

// trimZeros drops the zeros a fixed number of places left after the point.
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}
