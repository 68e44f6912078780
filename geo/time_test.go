package geo

import (
	"testing"
	"time"
)

// TestChinaDayAndItsEnd: an instant's China day, and the instant that day
// ends, across the UTC date line of 16:00 and a year's end.
func TestChinaDayAndItsEnd(t *testing.T) {
	tests := []struct {
		at, day, end string
	}{
		{"2026-03-01T15:59:59Z", "2026-03-01", "2026-03-01T16:00:00Z"},
		{"2026-03-01T16:00:00Z", "2026-03-02", "2026-03-02T16:00:00Z"},
		{"2026-12-31T17:30:00Z", "2027-01-01", "2027-01-01T16:00:00Z"},
		{"2026-12-31T08:00:00+08:00", "2026-12-31", "2026-12-31T16:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			day := ChinaDay(at)
			if got := day.Format(time.DateOnly); got != tt.day || day.Location() != time.UTC || day.Hour() != 0 {
				t.Errorf("ChinaDay = %s; want %s at midnight UTC", day, tt.day)
			}
			end := ChinaDayEnd(day)
			if got := end.UTC().Format(time.RFC3339); got != tt.end {
				t.Errorf("ChinaDayEnd(%s) = %s; want %s", tt.day, got, tt.end)
			}
			if !at.Before(end) || !at.After(end.Add(-24*time.Hour).Add(-time.Nanosecond)) {
				t.Errorf("%s is not within the day ending %s", at, end)
			}
		})
	}
}

// TestParseTime: RFC 3339 and China dates; "" is the zero time ("not
// given"), and a time before EarliestTime is refused, the zero time
// written out included (a review: at=0001-01-01T00:00:00Z answered "now").
func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" : refused
	}{
		{"2026-03-01T08:00:00+08:00", "2026-03-01T00:00:00Z"},
		{"2026-03-01", "2026-02-28T16:00:00Z"},
		{"1900-01-01T00:00:00Z", "1900-01-01T00:00:00Z"},
		{"0001-01-01T00:00:00Z", ""},
		{"0001-01-01T00:00:01Z", ""},
		{"1899-12-31", ""},
		{"yesterday", ""},
		// A leap second is the next minute's first instant, as PostgreSQL reads it.
		{"2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z"},
		{"2016-12-31T23:59:60.5Z", "2017-01-01T00:00:00.5Z"},
		{"2017-01-01T07:59:60+08:00", "2017-01-01T00:00:00Z"},
		{"2016-12-31T23:59:61Z", ""},
		// Offsets past 23:59 are no offsets (PostgreSQL refuses them).
		{"2026-03-01T08:00:00+24:00", ""},
		{"2026-03-01T08:00:00+08:60", ""},
		{"2026-03-01T08:00:00-23:59", "2026-03-02T07:59:00Z"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTime("at", tc.in)
			switch {
			case tc.want == "" && ErrorCodeOf(err) != EINVALID:
				t.Errorf("%v, %v; want refused", got, err)
			case tc.want != "" && (err != nil || got.UTC().Format(time.RFC3339Nano) != tc.want):
				t.Errorf("%v, %v; want %s", got, err, tc.want)
			}
		})
	}
	if got, err := ParseTime("at", ""); err != nil || !got.IsZero() {
		t.Errorf(`"": %v, %v; want the zero time`, got, err)
	}
}

// TestCeilMicro: a bound given to the nanosecond rounds up to the
// microsecond times are stored at; a whole microsecond stays.
func TestCeilMicro(t *testing.T) {
	base := time.Date(2026, 3, 1, 15, 59, 59, 999_999_000, time.UTC)
	for _, tc := range []struct {
		in, want time.Time
	}{
		{base, base},
		{base.Add(500), base.Add(time.Microsecond)},
		{base.Add(1), base.Add(time.Microsecond)},
		{base.Add(-1), base},
		{time.Time{}, time.Time{}},
	} {
		if got := CeilMicro(tc.in); !got.Equal(tc.want) {
			t.Errorf("CeilMicro(%s) = %s, want %s", tc.in.Format(time.RFC3339Nano), got.Format(time.RFC3339Nano), tc.want.Format(time.RFC3339Nano))
		}
	}
}
