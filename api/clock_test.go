package api

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/mock"
)

// overviewReports is the fake report store with an overview: the period
// asked for and no counts, enough for the dates of the answer.
type overviewReports struct{ *mock.Reports }

func (overviewReports) Overview(_ context.Context, q casework.StatsQuery) (casework.Overview, error) {
	return casework.Overview{Query: q, Names: map[string]string{}}, nil
}

// tickingClock reads first, then first+step, first+2·step, … on each call.
func tickingClock(first time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	next := first
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := next
		next = next.Add(step)
		return t
	}
}

// clockServer is the fake server whose statistics and coverage run on now.
func clockServer(t *testing.T, now func() time.Time) *fakeServer {
	t.Helper()
	units := mock.NewBoundaries()
	h := New(Deps{Units: units, Resolver: &mock.Resolver{}, Tokens: &mock.Tokens{}, Auth: unlimitedAuth(),
		Reports: overviewReports{&mock.Reports{}}, Patrols: &mock.Patrols{Units: units}, Policy: casework.DefaultPolicy(), Now: now})
	s := &fakeServer{srv: httptest.NewServer(h)}
	t.Cleanup(s.srv.Close)
	return s
}

// TestOverviewReadsTheClockOnce: a screen asking for its figures as
// midnight passes in China (16:00 UTC) gets one today, the last day of the
// period. The default period and "today" were read from the clock
// separately, so an answer straddling midnight ended the period on
// yesterday and counted today's reports of a day outside it (none).
func TestOverviewReadsTheClockOnce(t *testing.T) {
	// 23:59:59.9995 in China; every later reading is after midnight.
	s := clockServer(t, tickingClock(time.Date(2026, 12, 4, 15, 59, 59, 999_500_000, time.UTC), time.Millisecond))
	r := s.req(t, "GET", "/v1/stats/overview", "", nil)
	m := r.json(t)
	if r.status != 200 || m["today"] != m["to"] || m["today"] != "2026-12-04" || m["from"] != "2026-11-05" {
		t.Fatalf("overview at midnight: %d today %v, period %v to %v", r.status, m["today"], m["from"], m["to"])
	}
}

// TestTodayIsTheChinaDay: at 00:30 in China (16:30 UTC the day before) the
// statistics, the screen and patrol coverage default to the China day.
func TestTodayIsTheChinaDay(t *testing.T) {
	at := time.Date(2026, 12, 4, 16, 30, 0, 0, time.UTC)
	s := clockServer(t, func() time.Time { return at })
	for path, want := range map[string][2]string{
		"/v1/stats":                              {"to", "2026-12-05"},
		"/v1/stats/overview":                     {"today", "2026-12-05"},
		"/v1/patrols/coverage?unit=" + mock.Grid: {"date", "2026-12-05"},
	} {
		r := s.req(t, "GET", path, "", nil)
		if got := r.json(t)[want[0]]; r.status != 200 || got != want[1] {
			t.Errorf("%s at 00:30 China time: %d, %s %v, want %s", path, r.status, want[0], got, want[1])
		}
	}
}
