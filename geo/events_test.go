package geo

import "testing"

func TestEventIDRoundTrip(t *testing.T) {
	for _, c := range []struct {
		floor uint64
		id    int64
	}{{0, 0}, {7412, 1093}, {1<<63 + 5, 1<<62 + 1}} {
		f, id, err := ParseEventID("Last-Event-ID", EventID(c.floor, c.id))
		if err != nil || f != c.floor || id != c.id {
			t.Errorf("%d-%d: got %d-%d, %v", c.floor, c.id, f, id, err)
		}
	}
	for _, bad := range []string{"", "7412", "-1", "7412-", "x-1", "1-x", "1--2", "18446744073709551616-1", "1-2-3"} {
		if _, _, err := ParseEventID("Last-Event-ID", bad); err == nil || ErrorCodeOf(err) != EINVALID {
			t.Errorf("%q: %v, want an invalid-input error", bad, err)
		}
	}
}

func TestEventWithin(t *testing.T) {
	report := Event{Kind: EventReportCreated, Codes: []string{"120104007001003", "120104007001"}}
	area := Event{Kind: EventUnitChanged, Codes: []string{"120104007"}}
	city := Event{Kind: EventImportFinished, Codes: []string{""}}
	for _, c := range []struct {
		name string
		e    Event
		code string
		want bool
	}{
		{"report in its district", report, "120104", true},
		{"report in its grid", report, "120104007001003", true},
		{"report elsewhere", report, "120110", false},
		{"report not in a sibling grid", report, "120104007001004", false},
		{"street edit reaches its grids", area, "120104007001003", true},
		{"street edit reaches its district", area, "120104", true},
		{"street edit not a sibling", area, "120104008", false},
		{"city-wide import reaches all", city, "120110003", true},
		{"no unit asked", report, "", true},
	} {
		if got := c.e.Within(c.code); got != c.want {
			t.Errorf("%s: Within(%q) = %v", c.name, c.code, got)
		}
	}
}

// FuzzParseEventID: any Last-Event-ID a client sends is parsed or refused
// with an invalid-input error, and what parses prints back the same.
func FuzzParseEventID(f *testing.F) {
	for _, s := range []string{"7412-1093", "0-0", "", "-", "1-", "99999999999999999999-1", "1-\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		floor, id, err := ParseEventID("Last-Event-ID", s)
		if err != nil {
			if ErrorCodeOf(err) != EINVALID {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if f2, i2, err := ParseEventID("x", EventID(floor, id)); err != nil || f2 != floor || i2 != id {
			t.Fatalf("%q parsed as %d-%d, which does not read back: %d-%d %v", s, floor, id, f2, i2, err)
		}
	})
}
