package geo

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestValidateRings(t *testing.T) {
	sq := orb.Ring{{117, 39}, {117.1, 39}, {117.1, 39.1}, {117, 39.1}, {117, 39}}
	cases := []struct {
		name  string
		mp    orb.MultiPolygon
		field string
	}{
		{"square", orb.MultiPolygon{{sq}}, ""},
		{"empty", nil, "geometry"},
		{"polygon without rings", orb.MultiPolygon{{}}, "geometry"},
		{"too few positions", orb.MultiPolygon{{sq[:3]}}, "geometry.coordinates[0][0]"},
		{"not closed", orb.MultiPolygon{{append(orb.Ring{}, sq[:4]...)}}, "geometry.coordinates[0][0]"},
		{"swapped coordinates", orb.MultiPolygon{{{{39, 117}, {39.1, 117}, {39.1, 117.1}, {39, 117}}}}, "geometry.coordinates[0][0][0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateRings(c.mp)
			var field string
			if e, ok := err.(*Error); ok {
				field = e.Field
			}
			if field != c.field || (err == nil) != (c.field == "") {
				t.Errorf("ValidateRings = %v, want field %q", err, c.field)
			}
		})
	}
}

func TestVersionCursor(t *testing.T) {
	for _, c := range []VersionCursor{{}, {Code: "120104001001001", Version: 3}, {Code: "E:with:colons", Version: 1}} {
		got, err := ParseVersionCursor(c.String())
		if err != nil || got != c {
			t.Errorf("round trip of %+v: %+v %v", c, got, err)
		}
	}
	for _, bad := range []string{"x", "1", "-1:a", ":a", "1:"} {
		if _, err := ParseVersionCursor(bad); err == nil {
			t.Errorf("cursor %q accepted", bad)
		}
	}
}

// TestCheckVersion: each way an If-Match can miss is told apart; a version
// never stored (v3000000000) was told "someone else saved it meanwhile".
func TestCheckVersion(t *testing.T) {
	cases := []struct {
		name                        string
		current, history, ifVersion int
		code                        ErrorCode // "": no error
		says                        string
	}{
		{"the current version", 3, 3, 3, "", ""},
		{"an older version", 3, 3, 2, EPRECONDITION, "someone else saved it meanwhile"},
		{"a version never stored", 3, 3, 3_000_000_000, EPRECONDITION, "named none of its versions"},
		{"version zero", 3, 3, 0, EPRECONDITION, "named none of its versions"},
		{"a retired code", 0, 4, 4, EPRECONDITION, "has been retired"},
		{"no such code", 0, 0, 1, ENOTFOUND, "no grid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckVersion("grid", "120104001001001", c.current, c.history, c.ifVersion)
			if (err == nil) != (c.code == "") || err != nil && (ErrorCodeOf(err) != c.code || !strings.Contains(err.Error(), c.says)) {
				t.Errorf("CheckVersion = %v; want %q saying %q", err, c.code, c.says)
			}
		})
	}
}
