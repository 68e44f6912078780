package mock

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

var _ casework.PatrolStore = (*Patrols)(nil)

// Patrols is an in-memory casework.PatrolStore: creating is idempotent by
// id, and a day's coverage counts the cells the stored tracks visited in
// the current grids of Units, and each track's time on that day.
type Patrols struct {
	// Err, if set, is returned by every call.
	Err error
	// Units holds the grids a day's coverage is measured in.
	Units *Boundaries

	mu   sync.Mutex
	byID map[string]casework.Patrol
}

// CreatePatrol implements casework.PatrolStore.
func (s *Patrols) CreatePatrol(_ context.Context, p casework.Patrol) (casework.CreateOutcome, casework.Patrol, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return 0, p, s.Err
	}
	if s.byID == nil {
		s.byID = map[string]casework.Patrol{}
	}
	stored, ok := s.byID[p.ID]
	switch {
	case !ok:
		s.byID[p.ID] = p
		return casework.Created, p, nil
	case stored.Hash == p.Hash:
		return casework.Existing, stored, nil
	}
	return casework.Different, stored, nil
}

// PatrolDay implements casework.PatrolStore.
func (s *Patrols) PatrolDay(ctx context.Context, unit string, day time.Time) (casework.PatrolDay, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := casework.PatrolDay{Visited: map[uint64]bool{}, ByGrid: map[string]casework.GridCoverage{}}
	if s.Err != nil {
		return d, s.Err
	}
	if s.Units != nil {
		grids, _, err := s.Units.ListUnits(ctx, geo.UnitFilter{Level: geo.Grid, Window: geo.Window{Limit: 1 << 20}})
		if err != nil {
			return d, err
		}
		for _, g := range grids {
			if strings.HasPrefix(g.Code, unit) {
				d.Grids = append(d.Grids, g)
			}
		}
	}
	for _, p := range s.byID {
		for _, v := range p.Visits {
			if v.Day.Equal(day) {
				d.Visited[v.Cell] = true
			}
		}
		if p.Grid == "" || !strings.HasPrefix(p.Grid, unit) {
			continue
		}
		for _, share := range p.Summary.Days {
			if share.Day.Equal(day) {
				c := d.ByGrid[p.Grid]
				c.Patrols++
				c.InsideS += share.Inside.Seconds()
				c.OutsideS += share.Outside.Seconds()
				c.Workers = append(c.Workers, p.Worker)
				d.ByGrid[p.Grid] = c
			}
		}
	}
	return d, nil
}
