package casework

import (
	"math"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// TrackSummary is what a track did relative to one grid.
type TrackSummary struct {
	Start, End   time.Time
	DistanceM    float64
	Inside       time.Duration // patrolling inside the grid
	Outside      time.Duration // patrolling outside it
	Untracked    time.Duration // gaps and jumps, not counted
	GridCells    int           // the grid's cells (CellSet: at PatrolRes unless the grid is too large)
	VisitedCells int           // of those, passed through
	Coverage     float64       // VisitedCells / GridCells
	// Days splits Inside and Outside by China day, in order: a night
	// patrol counts on both days it spans, each with its own part.
	Days []DayShare `json:"-"`
}

// DayShare is the part of a track's patrolling time on one China day.
type DayShare struct {
	Day             time.Time
	Inside, Outside time.Duration
}

// share returns the day's share, added (in order) on first use.
func (s *TrackSummary) share(day time.Time) *DayShare {
	for i := range s.Days {
		if s.Days[i].Day.Equal(day) {
			return &s.Days[i]
		}
	}
	s.Days = append(s.Days, DayShare{Day: day})
	return &s.Days[len(s.Days)-1]
}

// spanDays gives the track a share of every China day [Start, End)
// meets, in order, even one it spent untracked: the patrol is on that
// day. A track ending at midnight is not on the day that begins then.
func (s *TrackSummary) spanDays() {
	for day := geo.ChinaDay(s.Start); ; day = day.AddDate(0, 0, 1) {
		s.share(day)
		if !geo.ChinaDayEnd(day).Before(s.End) {
			return
		}
	}
}

// credit adds the time from..to, inside the grid or not, to the days it
// falls on, split at midnight China time.
func (s *TrackSummary) credit(from, to time.Time, inside bool) {
	for from.Before(to) {
		day := geo.ChinaDay(from)
		end := to
		if next := geo.ChinaDayEnd(day); next.Before(end) {
			end = next
		}
		part := s.share(day)
		if inside {
			part.Inside += end.Sub(from)
		} else {
			part.Outside += end.Sub(from)
		}
		from = end
	}
}

// walk is a track being measured: the summary so far and the cells seen.
type walk struct {
	s      TrackSummary
	grid   orb.MultiPolygon
	seen   map[[2]uint64]bool
	visits []Visit
}

// SummariseTrack measures a WGS-84 track against a grid polygon and its
// cells (CellsOf(grid), which callers may keep) and returns every cell it
// visited (in any grid).
func SummariseTrack(fixes []Fix, grid orb.MultiPolygon, cells CellSet) (TrackSummary, []Visit) {
	w := walk{s: TrackSummary{Start: fixes[0].At, End: fixes[len(fixes)-1].At}, grid: grid, seen: map[[2]uint64]bool{}}
	w.s.spanDays()
	w.mark(fixes[0].Point, fixes[0].At)
	for i := 1; i < len(fixes); i++ {
		w.segment(fixes[i-1], fixes[i])
	}
	s := w.s
	for _, part := range s.Days {
		s.Inside, s.Outside = s.Inside+part.Inside, s.Outside+part.Outside
	}
	visited := map[uint64]bool{} // each cell once across days
	for _, v := range w.visits {
		visited[v.Cell] = true
	}
	s.GridCells, s.VisitedCells = len(cells.Cells), len(cells.Visited(visited))
	s.Coverage = Share(s.VisitedCells, s.GridCells)
	return s, w.visits
}

// mark records p's cell as visited on the day of at, once a day.
func (w *walk) mark(p orb.Point, at time.Time) {
	c := cellAt(p)
	day := geo.ChinaDay(at)
	k := [2]uint64{uint64(day.Unix()), c}
	if !w.seen[k] && c != 0 {
		w.seen[k] = true
		w.visits = append(w.visits, Visit{Day: day, Cell: c, At: at})
	}
}

// segment measures the way from fix a to fix b: untracked if it is a gap
// or a jump; otherwise sampled every half cell edge, each sample marking
// its cell and standing for its share of the time (the shares add up to
// the segment's time exactly), inside the grid or outside.
func (w *walk) segment(a, b Fix) {
	step := patrolEdgeM / 2
	dt := b.At.Sub(a.At)
	d := haversineM(a.Point, b.Point)
	w.mark(b.Point, b.At)
	if dt > MaxFixGap || (dt > 0 && d/dt.Seconds() > MaxPatrolSpeed) || (dt == 0 && d > 2*step) {
		w.s.Untracked += dt
		return
	}
	w.s.DistanceM += d
	n := max(1, int(math.Ceil(d/step)))
	for k := 0; k <= n; k++ {
		f := float64(k) / float64(n)
		p := orb.Point{a.Point[0] + f*(b.Point[0]-a.Point[0]), a.Point[1] + f*(b.Point[1]-a.Point[1])}
		w.mark(p, a.At.Add(time.Duration(f*float64(dt))))
		from := a.At.Add(dt * time.Duration(k) / time.Duration(n+1))
		to := a.At.Add(dt * time.Duration(k+1) / time.Duration(n+1))
		w.s.credit(from, to, len(w.grid) > 0 && planar.MultiPolygonContains(w.grid, p))
	}
}
