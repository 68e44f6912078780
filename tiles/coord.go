package tiles

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gridmap-dev/gridmap/geo"
)

// Coord addresses one tile of the Web Mercator (XYZ, "slippy map") pyramid:
// x grows eastwards and y southwards from 0 to 2^z-1.
type Coord struct {
	Z, X, Y int
}

// String returns "z/x/y".
func (c Coord) String() string { return fmt.Sprintf("%d/%d/%d", c.Z, c.X, c.Y) }

// ParseCoord reads z, x and y path segments; y may carry the extension .mvt
// (or .pbf, which other tile servers use for the same format).
func ParseCoord(z, x, y string) (Coord, error) {
	y, ok := strings.CutSuffix(y, ".mvt")
	if !ok {
		if y, ok = strings.CutSuffix(y, ".pbf"); !ok {
			return Coord{}, geo.Invalid("y", "the tile must end in .mvt, as in /tiles/grid/14/13524/6253.mvt")
		}
	}
	var c Coord
	var err error
	if c.Z, err = parseIndex("z", z, MaxZoom); err != nil {
		return c, err
	}
	max := 1<<c.Z - 1
	if c.X, err = parseIndex("x", x, max); err != nil {
		return c, err
	}
	if c.Y, err = parseIndex("y", y, max); err != nil {
		return c, err
	}
	return c, nil
}

// parseIndex reads a tile index: digits only (no sign, no leading zero),
// so that one tile has one URL and one cache entry.
func parseIndex(field, s string, max int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > max || (len(s) > 1 && s[0] == '0') || s[0] < '0' || s[0] > '9' {
		return 0, geo.Invalid(field, "%s must be a whole number from 0 to %d, got %q", field, max, clip(s))
	}
	return n, nil
}
