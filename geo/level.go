package geo

import "fmt"

// Level is the administrative level of a unit, from the coarsest (district)
// to the finest (micro-grid).
type Level string

// The levels of grid governance, coarse to fine.
const (
	District  Level = "district"  // 区, 6-digit GB/T 2260 code
	Street    Level = "street"    // 街道/乡镇, 9 digits
	Community Level = "community" // 社区/村, 12 digits
	Grid      Level = "grid"      // 网格, community code + 3-digit sequence
	MicroGrid Level = "microgrid" // 微网格, grid code + 3-digit sequence
)

// NumLevels is the number of levels; arrays indexed by Level.Rank have this length.
const NumLevels = 5

// Levels lists every level from the coarsest to the finest.
var Levels = [NumLevels]Level{District, Street, Community, Grid, MicroGrid}

// codeLengths is the code length of each level, indexed by rank.
var codeLengths = [NumLevels]int{6, 9, 12, 15, 18}

// ParseLevel returns the level named s.
func ParseLevel(s string) (Level, error) {
	for _, l := range Levels {
		if string(l) == s {
			return l, nil
		}
	}
	return "", Invalid("level", "unknown level %q; want one of district, street, community, grid, microgrid", s)
}

// Rank is the level's position, 0 for district to 4 for micro-grid, or -1
// for an unknown level.
func (l Level) Rank() int {
	for i, x := range Levels {
		if x == l {
			return i
		}
	}
	return -1
}

// Valid reports whether l is one of the known levels.
func (l Level) Valid() bool { return l.Rank() >= 0 }

// IsGrid reports whether a point covered at this level counts as managed: a
// grid or a micro-grid answers for it.
func (l Level) IsGrid() bool { return l == Grid || l == MicroGrid }

// Parent returns the level above l; ok is false for districts.
func (l Level) Parent() (parent Level, ok bool) {
	r := l.Rank()
	if r <= 0 {
		return "", false
	}
	return Levels[r-1], true
}

// CodeLength is the number of digits of a code at this level.
func (l Level) CodeLength() int {
	r := l.Rank()
	if r < 0 {
		return 0
	}
	return codeLengths[r]
}

// String returns the level's name.
func (l Level) String() string { return string(l) }

// LevelOfCode infers a level from a code's length.
func LevelOfCode(code string) (Level, error) {
	if err := checkDigits(code); err != nil {
		return "", err
	}
	for i, n := range codeLengths {
		if len(code) == n {
			return Levels[i], nil
		}
	}
	return "", Invalid("code", "code %q has %d digits; a unit code has 6, 9, 12, 15 or 18", code, len(code))
}

func checkDigits(code string) error {
	if code == "" {
		return Invalid("code", "code is empty")
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return Invalid("code", "code %q must be digits only", code)
		}
	}
	return nil
}

// levelName is used in messages.
func levelName(l Level) string { return fmt.Sprintf("%s (%d digits)", l, l.CodeLength()) }
