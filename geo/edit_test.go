package geo

import (
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
