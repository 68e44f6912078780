package tiles

import (
	"testing"
)

// newHouseholdsSQL writes the next version of a grid with households set
// to the JSON number $2, the way every edit is made.
const newHouseholdsSQL = `
WITH old AS (UPDATE unit SET valid_to = now() WHERE code = $1 AND valid_to IS NULL RETURNING *)
INSERT INTO unit (code, level, name, parent_code, geom, properties, version, valid_from, created_by)
SELECT code, level, name, parent_code, geom, properties || jsonb_build_object('households', $2::text::jsonb),
       version + 1, valid_to, 'test' FROM old`

// TestHouseholdsBeyondTheTileColumn: a households count the tiles' int
// cannot hold is left out of the tiles, and the unit is saved; migration
// 003's function failed the edit (or the whole import) with "integer out of
// range".
func TestHouseholdsBeyondTheTileColumn(t *testing.T) {
	s, db := newDemoService(t)
	grid := firstGridOf(t, db, "120104001001")
	at := coordAt(labelOf(t, db, grid), 15)
	cases := []struct {
		number string
		want   any // the tile's value; nil: none
	}{
		{"2147483647", 2147483647.0},
		{"3000000000", nil},
		{"-3000000000", nil},
		{"1e400", nil},
		{"2147483647.4", 2147483647.0},
		{"2147483647.5", nil},
		{"12.6", 13.0},
	}
	for _, c := range cases {
		t.Run(c.number, func(t *testing.T) {
			mustExec(t, db, newHouseholdsSQL, grid, c.number)
			layers, _, _ := get(t, s, "grid", at)
			f := feature(layers["grid"], "code", grid)
			if f == nil {
				t.Fatalf("grid %s not drawn", grid)
			}
			if got := f.Properties["households"]; got != c.want {
				t.Errorf("households %v (%T), want %v", got, got, c.want)
			}
		})
	}
}
