package api

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gridmap-dev/gridmap/geo"
)

// TestFailedBelow: a 503 is logged as an error only when something beneath
// the request failed, not when a client asked for what this node cannot
// give yet.
func TestFailedBelow(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"a min_version not reached", geo.Errorf(geo.EUNAVAILABLE, "min_version", "not reached"), false},
		{"a part this server runs without", fmt.Errorf("events: %w", geo.Errorf(geo.EUNAVAILABLE, "", "no events")), false},
		{"the database down", &geo.Error{Code: geo.EUNAVAILABLE, Message: "unavailable", Err: errors.New("connection refused")}, true},
		{"an unclassified error", errors.New("boom"), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := failedBelow(c.err); got != c.want {
				t.Errorf("failedBelow = %v, want %v", got, c.want)
			}
		})
	}
}
