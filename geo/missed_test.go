package geo

import (
	"testing"
	"time"
)

// TestMissedVersionIsTheLowest: reads give up at once only for a version
// at least the lowest one missed lately, while the node is still below it.
// The highest was remembered: one client asking for version 999999999
// made every other read on its node give up without waiting.
func TestMissedVersionIsTheLowest(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	soon, later := t0.Add(MinVersionWait/2), t0.Add(2*MinVersionWait)
	type ask struct {
		v, current int64
		at         time.Time
		giveUp     bool
	}
	cases := []struct {
		name   string
		missed []int64 // noted at t0, in order
		asks   []ask
	}{
		{"nothing missed", nil, []ask{{100, 99, soon, false}}},
		{"an impossible version", []int64{999_999_999}, []ask{{100, 99, soon, false}, {999_999_999, 99, soon, true}}},
		{"a version, then an impossible one", []int64{100, 999_999_999}, []ask{
			{100, 99, soon, true}, {150, 99, soon, true}, {50, 49, soon, false}, {150, 100, soon, false}}},
		{"an impossible one, then a version", []int64{999_999_999, 100}, []ask{{120, 99, soon, true}, {99, 98, soon, false}}},
		{"long ago", []int64{100}, []ask{{100, 99, later, false}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m MissedVersion
			for _, v := range c.missed {
				m.Note(v, t0)
			}
			for _, a := range c.asks {
				if got := m.Recent(a.v, a.current, a.at); got != a.giveUp {
					t.Errorf("version %d at %d, %s after: give up %v, want %v", a.v, a.current, a.at.Sub(t0), got, a.giveUp)
				}
			}
		})
	}
}
