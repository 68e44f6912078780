package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestUnitRepeats(t *testing.T) {
	square := orb.MultiPolygon{{{{117, 39}, {117.1, 39}, {117.1, 39.1}, {117, 39.1}, {117, 39}}}}
	stored := Unit{Code: "120104007013004", Level: Grid, Name: "网格", ParentCode: "120104007013", Geom: square,
		Properties: map[string]any{"households": float64(120), "worker": map[string]any{"name": "王伟"}}, CreatedBy: "李娜"}
	moved := orb.MultiPolygon{{{{117, 39}, {117.1, 39}, {117.1, 39.1}, {117, 39.1000000000001}, {117, 39}}}}
	cases := []struct {
		name   string
		edit   func(u *Unit)
		actor  string
		repeat bool
	}{
		{"the same edit", func(*Unit) {}, "李娜", true},
		{"properties in another order, int for float", func(u *Unit) {
			u.Properties = map[string]any{"worker": map[string]any{"name": "王伟"}, "households": 120}
		}, "李娜", true},
		{"someone else", func(*Unit) {}, "张伟", false},
		{"another name", func(u *Unit) { u.Name = "网格二" }, "李娜", false},
		{"a corner moved by 1e-13°", func(u *Unit) { u.Geom = moved }, "李娜", false},
		{"a property dropped", func(u *Unit) { delete(u.Properties, "households") }, "李娜", false},
		{"no properties against some", func(u *Unit) { u.Properties = nil }, "李娜", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			edit := stored
			edit.Properties = map[string]any{}
			for k, v := range stored.Properties {
				edit.Properties[k] = v
			}
			edit.CreatedBy = ""
			c.edit(&edit)
			if got := edit.Repeats(&stored, c.actor); got != c.repeat {
				t.Errorf("Repeats = %v, want %v", got, c.repeat)
			}
		})
	}
}

func TestRepeatedVersionAndRetire(t *testing.T) {
	cases := []struct {
		name                        string
		current, history, ifVersion int
		create, version, retire     bool
	}{
		{"revision made v3 from v2", 3, 3, 2, false, true, false},
		{"someone went further", 4, 4, 2, false, false, false},
		{"create stored", 1, 1, 0, true, true, false},
		{"revived code created", 5, 5, 0, true, true, false},
		{"retired after v2", 0, 2, 2, false, false, true},
		{"retired after a later version", 0, 3, 2, false, false, false},
		{"never existed", 0, 0, 0, false, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := RepeatedVersion(c.current, c.ifVersion, c.create); got != c.version {
				t.Errorf("RepeatedVersion = %v, want %v", got, c.version)
			}
			if got := RepeatedRetire(c.current, c.history, c.ifVersion); got != c.retire {
				t.Errorf("RepeatedRetire = %v, want %v", got, c.retire)
			}
		})
	}
}
