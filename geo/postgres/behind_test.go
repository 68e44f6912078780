package postgres

import (
	"strings"
	"testing"
	"time"
)

// TestBehindRule: a standby is behind when its replay lag, or its time
// without a stream from a primary, is over the limit; a primary, or a
// limit of 0, never is. (TestAStandbyBehindIsNotReady asks a real standby;
// one cut off from its primary cannot be made without cutting the shared
// one.)
func TestBehindRule(t *testing.T) {
	for _, c := range []struct {
		name            string
		standby         bool
		lag, cut, limit time.Duration
		want            string // a word of the error; "" none
	}{
		{"a primary", false, time.Hour, time.Hour, time.Second, ""},
		{"no limit", true, time.Hour, time.Hour, 0, ""},
		{"caught up", true, 0, 0, time.Minute, ""},
		{"lag at the limit", true, time.Minute, 0, time.Minute, ""},
		{"lag over it", true, 61 * time.Second, 0, time.Minute, "replay"},
		{"cut off, not long", true, 0, 30 * time.Second, time.Minute, ""},
		{"cut off too long", true, 0, 2 * time.Minute, time.Minute, "received nothing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := behind(c.standby, c.lag, c.cut, c.limit)
			if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
				t.Errorf("behind = %v, want %q", err, c.want)
			}
		})
	}
}
