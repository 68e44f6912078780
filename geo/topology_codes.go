package geo

import (
	"errors"
	"strconv"
)

// New codes for the parts of a split, and for the children a split or a
// merge moves under another parent, follow the code rules of
// docs/design.md ("Data model") and the national conventions behind them:
// a street's three digits say its kind (GB/T 10114: 001–099 街道, 100–199
// 镇, 200–399 乡, 400–599 政企合一), a community's say residents' or
// villagers' committee (001–199 居委会, 200–399 村委会), a grid's and a
// micro-grid's are a plain sequence (001–999). A new code takes the kind of
// the code it comes from. District codes are the state's (GB/T 2260) and are
// never invented: a district's new code must be given.

// SequenceRange returns the sequence numbers a new sibling of code may take:
// the range of code's own kind.
func SequenceRange(code string) (lo, hi int, err error) {
	level, err := LevelOfCode(code)
	if err != nil {
		return 0, 0, err
	}
	seq, _ := strconv.Atoi(code[len(code)-3:])
	switch level {
	case District:
		return 0, 0, Invalid("codes", "district codes are assigned by GB/T 2260 and are never made up: give the new code")
	case Street:
		lo, hi = rangeOf(seq, [][2]int{{1, 99}, {100, 199}, {200, 399}, {400, 599}})
	case Community:
		lo, hi = rangeOf(seq, [][2]int{{1, 199}, {200, 399}})
	default:
		lo, hi = 1, 999
	}
	return lo, hi, nil
}

// rangeOf is the range that holds seq, or what lies above the last one.
func rangeOf(seq int, ranges [][2]int) (lo, hi int) {
	for _, r := range ranges {
		if seq >= r[0] && seq <= r[1] {
			return r[0], r[1]
		}
	}
	return ranges[len(ranges)-1][1] + 1, 999
}

// NextFreeCode returns a new code under parent of the kind of like: the
// sequence after the highest one used in like's range, so that a new unit
// never takes a retired unit's code (and its history); when that is past
// the range, the lowest one never used. used holds every sequence number
// ever used under parent, current or retired, and codes chosen meanwhile.
func NextFreeCode(parent, like string, used map[int]bool) (string, error) {
	lo, hi, err := SequenceRange(like)
	if err != nil {
		return "", err
	}
	top := lo - 1
	for s := range used {
		if s >= lo && s <= hi && s > top {
			top = s
		}
	}
	if top < hi {
		return parent + threeDigits(top+1), nil
	}
	for s := lo; s <= hi; s++ {
		if !used[s] {
			return parent + threeDigits(s), nil
		}
	}
	return "", Errorf(ECONFLICT, "codes", "every code from %s%03d to %s%03d is taken: give the new code", parent, lo, parent, hi)
}

// CheckNewCode checks a code given for a new sibling of a unit at level
// under parent.
func CheckNewCode(field, code string, level Level, parent string) error {
	if err := ValidateCode(code, level); err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Field = field
		}
		return err
	}
	if ParentCode(code) != parent {
		return Invalid(field, "%s is not a code under %s; a new %s keeps the parent", code, parent, level)
	}
	return nil
}
