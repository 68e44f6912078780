package geo

import (
	"errors"
	"time"
)

// ChinaTime is UTC+8, where the users are: a bare date starts at its
// midnight here, and days of statistics and patrol coverage are China
// Standard Time days.
var ChinaTime = time.FixedZone("CST", 8*3600)

// ChinaDay returns the calendar day of t in China Standard Time, as
// midnight UTC of that date (the form a SQL date takes).
func ChinaDay(t time.Time) time.Time {
	y, m, d := t.In(ChinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ChinaDayEnd returns the instant a China day (a date, as ChinaDay gives
// it) ends: the next midnight in China, 16:00 UTC on the date.
func ChinaDayEnd(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, ChinaTime)
}

// ParseTime reads an optional point in time sent by a client: RFC 3339, or
// a date meaning its start in China Standard Time. "" is the zero time.
// field names the input in the error. A time before EarliestTime is
// refused: the zero time means "not given" (now, no bound), so
// 0001-01-01T00:00:00Z written out would be taken for it. As PostgreSQL
// reads it: a leap second (23:59:60, which RFC 3339 allows) is the next
// minute's first instant, and an offset past 23:59 is refused (Go's parser
// took +24:00 and +08:60; a tenth attacker).
func ParseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := parseRFC3339(s)
	if err != nil {
		if t, err = time.ParseInLocation("2006-01-02", s, ChinaTime); err != nil {
			return time.Time{}, Invalid(field, "%q is not a time; use RFC 3339 (2026-03-01T08:00:00+08:00) or a date (2026-03-01)", Clip(s))
		}
	}
	if t.Before(EarliestTime) {
		return time.Time{}, Invalid(field, "%q is before %d; gridmap holds nothing from then", Clip(s), EarliestTime.Year())
	}
	return t, nil
}

// parseRFC3339 is time.Parse(time.RFC3339Nano, s), with a leap second
// read as the next minute's first instant and offsets past 23:59 refused.
func parseRFC3339(s string) (time.Time, error) {
	leap := len(s) > 19 && s[10] == 'T' && s[16:19] == ":60"
	if leap {
		s = s[:17] + "59" + s[19:]
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, err
	}
	if n := len(s); s[n-1] != 'Z' && s[n-1] != 'z' && (s[n-5:n-3] > "23" || s[n-2:] > "59") {
		return time.Time{}, errors.New("offset out of range")
	}
	if leap {
		t = t.Add(time.Second)
	}
	return t, nil
}

// CeilMicro rounds t up to a whole microsecond, the precision times are
// stored at: an exclusive upper or inclusive lower bound a client gives to
// the nanosecond keeps its meaning (truncated, from=…59.9999995 took in
// what was stored at …59.999999, and to=…00.0000005 left out what was
// stored at …00.000000: a tenth attacker).
func CeilMicro(t time.Time) time.Time {
	if r := t.Truncate(time.Microsecond); !r.Equal(t) {
		return r.Add(time.Microsecond)
	}
	return t
}

// EarliestTime is the earliest time a client may name: long before any
// boundary, report or change gridmap holds.
var EarliestTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// Clip shortens client input echoed in a message, so an error never carries
// a huge payload back; it cuts at a character boundary.
func Clip(s string) string { return ClipTo(s, 40) }

// ClipTo is Clip with a limit of max bytes (and "…" after a cut).
func ClipTo(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !isRuneStart(s[max]) {
		max--
	}
	return s[:max] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
