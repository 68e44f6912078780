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

// TestReplayLagFollowsTheReplay: the lag is how long the replay has been
// short of a position it had received, look by look (noteRole). A replay
// that reaches at each look what had been received at the one before is
// in step — a long transaction streaming after a quiet minute read as a
// minute behind when the lag was the age of the last replayed commit —
// and one that stops is behind by the time since it stopped reaching.
func TestReplayLagFollowsTheReplay(t *testing.T) {
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	look := func(i int) time.Time { return start.Add(time.Duration(i) * 5 * time.Second) }
	for _, c := range []struct {
		name  string
		looks []Role // received and replayed at each look, 5 s apart
		want  time.Duration
	}{
		{"caught up", []Role{{Standby: true, Received: 100, Replayed: 100}, {Standby: true, Received: 200, Replayed: 200}}, 0},
		{"in step behind a long transaction", []Role{
			{Standby: true, Received: 1000, Replayed: 900}, {Standby: true, Received: 2000, Replayed: 1900},
			{Standby: true, Received: 3000, Replayed: 2900}, {Standby: true, Received: 4000, Replayed: 3900}}, 0},
		{"stopped", []Role{
			{Standby: true, Received: 1000, Replayed: 900}, {Standby: true, Received: 2000, Replayed: 900},
			{Standby: true, Received: 3000, Replayed: 950}, {Standby: true, Received: 3000, Replayed: 990}}, 15 * time.Second},
		{"stopped, then caught up", []Role{
			{Standby: true, Received: 1000, Replayed: 900}, {Standby: true, Received: 1000, Replayed: 900},
			{Standby: true, Received: 1000, Replayed: 1000}}, 0},
		{"a primary", []Role{{Received: 0, Replayed: 0}, {Received: 0, Replayed: 0}}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var db DB
			for i, r := range c.looks {
				r.Receiving = true
				db.noteRole(r, look(i))
			}
			if got := db.ReplayLag(); got != c.want {
				t.Errorf("lag %s, want %s", got, c.want)
			}
		})
	}
}
