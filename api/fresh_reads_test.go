package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// behindFollower is an index at version 1 that never reaches another; it
// counts the waits asked of it.
type behindFollower struct{ waits int }

func (f *behindFollower) Version() int64                         { return 1 }
func (f *behindFollower) CatchUp(context.Context) (int64, error) { return 1, nil }
func (f *behindFollower) WaitVersion(context.Context, int64, time.Duration) bool {
	f.waits++
	return false
}

// TestBoundaryReadsBoundTheirWait: a read naming a version the database
// does not have asks the database at most twice and waits once; asked
// again for it (or a newer one) soon after, it is refused at once. A
// reviewer's loop asking for a version no database had cost 21 queries and
// half a second a request. An older one is waited for: it may be there in
// a moment (an attacker's impossible version once refused every other
// client's reads; geo.MissedVersion).
func TestBoundaryReadsBoundTheirWait(t *testing.T) {
	index, queries := &behindFollower{}, 0
	h := New(Deps{Index: index, DataVersion: func(context.Context) (int64, error) { queries++; return 1, nil }})
	steps := []struct {
		name           string
		path           string
		queries, waits int // asked of the database and of the index by this request
	}{
		{"a version the database lacks", "/v1/units?min_version=5", 2, 1},
		{"again, soon after", "/v1/units/120104?min_version=5", 1, 0},
		{"an older one", "/v1/enclaves?min_version=3", 2, 1},
		{"a newer one than that", "/ogc/collections/grids/items?min_version=6", 1, 0},
		{"one the index has", "/v1/units/120104/history?min_version=1", 0, 0},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			q, w := queries, index.waits
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", s.path, nil))
			if s.queries > 0 && (rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "") {
				t.Errorf("%d %s, want 503 with Retry-After", rec.Code, rec.Body)
			}
			if queries-q != s.queries || index.waits-w != s.waits {
				t.Errorf("%d queries and %d waits, want %d and %d", queries-q, index.waits-w, s.queries, s.waits)
			}
		})
	}
}
