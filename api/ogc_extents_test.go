package api

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// atVersion is an index at a version a test sets.
type atVersion struct{ v int64 }

func (a *atVersion) Version() int64                                         { return a.v }
func (a *atVersion) CatchUp(context.Context) (int64, error)                 { return a.v, nil }
func (a *atVersion) WaitVersion(context.Context, int64, time.Duration) bool { return true }

// TestExtentsAreReadOncePerVersion: a collection's extent is read from the
// database once per data version of the node's index, each collection its
// own; a failed read is not kept; a node without an index reads each time.
// Every /ogc/collections read each level's extent over every current unit
// (161 ms at city scale).
func TestExtentsAreReadOncePerVersion(t *testing.T) {
	index := &atVersion{v: 7}
	var e extentCache
	reads := 0
	read := func(x float64, fail bool) func() (geo.Extent, error) {
		return func() (geo.Extent, error) {
			reads++
			if fail {
				return geo.Extent{}, errors.New("database away")
			}
			return geo.Extent{BBox: orb.Bound{Min: orb.Point{x, 39}, Max: orb.Point{x + 1, 40}}}, nil
		}
	}
	steps := []struct {
		name      string
		index     geo.Follower
		version   int64
		id        string
		x         float64
		fail      bool
		wantX     float64
		wantReads int
	}{
		{"first read", index, 7, "grids", 117, false, 117, 1},
		{"same version", index, 7, "grids", 118, false, 117, 0},
		{"another collection", index, 7, "streets", 116, false, 116, 1},
		{"a new version", index, 8, "grids", 118, false, 118, 1},
		{"the other one again at it", index, 8, "streets", 115, false, 115, 1},
		{"a failed read", index, 9, "grids", 0, true, 0, 1},
		{"read again after it", index, 9, "grids", 119, false, 119, 1},
		{"no index", nil, 9, "grids", 120, false, 120, 1},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			index.v, reads = s.version, 0
			ext, err := e.get(s.index, s.id, read(s.x, s.fail))
			if (err != nil) != s.fail || ext.BBox.Min[0] != s.wantX || reads != s.wantReads {
				t.Errorf("extent at %v (%v), %d reads; want %v, %d reads", ext.BBox.Min[0], err, reads, s.wantX, s.wantReads)
			}
		})
	}
}
