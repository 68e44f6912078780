package casework

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// Patrol coverage (巡查覆盖率): a grid is covered with H3 cells; the share of
// them a worker's track passes through is the grid's coverage.
//
// PatrolRes is H3 resolution 11: cells of about 2,150 m² with 25 m edges,
// about one block face. A worker walking a street sees both sides of it, and
// a demo grid (~28,000 m²) has a dozen or so cells, so one walk round the
// block moves the figure visibly while GPS noise (5–15 m) rarely spills into
// a neighbour cell. Resolution 12 (9 m edges) would mostly measure GPS noise.
const PatrolRes = 11

// Track limits. A gap longer than MaxFixGap (the phone was pocketed or lost
// signal) or a jump faster than MaxPatrolSpeed (a GPS glitch, or a ride in a
// car) is not counted as patrolling: neither its time nor the cells between.
const (
	MaxFixes       = 20_000
	MaxFixGap      = 10 * time.Minute
	MaxPatrolSpeed = 15.0 // metres per second
)

// Fix is one position of a patrol track.
type Fix struct {
	Point     orb.Point `json:"point"` // longitude, latitude in the patrol's CRS
	At        time.Time `json:"t"`
	AccuracyM *float64  `json:"accuracy_m,omitempty"`
}

// PatrolInput is a worker's uploaded track.
type PatrolInput struct {
	ID     string  `json:"id"`
	Worker string  `json:"worker"`
	Grid   string  `json:"grid,omitempty"` // the worker's grid; "" lets gridmap find it
	CRS    geo.CRS `json:"crs"`
	Fixes  []Fix   `json:"fixes"`
}

// Validate checks and normalises the input: at least two fixes in time
// order, none in the future or older than MaxReportAge.
func (in *PatrolInput) Validate(now time.Time) error {
	var err error
	if in.ID, err = geo.ParseUUID("id", in.ID); err != nil {
		return err
	}
	if err := checkName("worker", in.Worker, true); err != nil {
		return err
	}
	if in.Grid != "" {
		if err := geo.ValidateCode(in.Grid, geo.Grid); err != nil {
			return geo.Invalid("grid", "%q is not a grid code (15 digits)", geo.ClipTo(in.Grid, 20))
		}
	}
	if in.CRS, err = geo.ParseCRS(string(in.CRS)); err != nil {
		return err
	}
	switch n := len(in.Fixes); {
	case n < 2:
		return geo.Invalid("fixes", "a track needs at least 2 fixes, got %d", n)
	case n > MaxFixes:
		return geo.Errorf(geo.ETOOLARGE, "fixes", "%d fixes exceed the limit of %d per track; split the track", n, MaxFixes)
	}
	for i := range in.Fixes {
		f := &in.Fixes[i]
		field := fmt.Sprintf("fixes[%d]", i)
		if _, err := geo.PointInWGS84(field+".point", f.Point, in.CRS); err != nil {
			return err
		}
		if f.At.IsZero() {
			return geo.Invalid(field+".t", "every fix needs its time")
		}
		if err := checkObserved(f.At, now); err != nil {
			return geo.Invalid(field+".t", "%s", err.(*geo.Error).Message)
		}
		f.At = f.At.UTC().Truncate(time.Microsecond)
		if i > 0 && f.At.Before(in.Fixes[i-1].At) {
			return geo.Invalid(field+".t", "fixes must be in time order; %s is before the previous fix", f.At.Format(time.RFC3339))
		}
		if a := f.AccuracyM; a != nil && (math.IsNaN(*a) || *a < 0 || *a > 100_000) {
			return geo.Invalid(field+".accuracy_m", "accuracy must be a number of metres from 0 to 100000")
		}
	}
	return nil
}

// Fingerprint identifies the content of a validated input.
func (in *PatrolInput) Fingerprint() [32]byte {
	b, err := json.Marshal(in)
	if err != nil {
		panic(err)
	}
	return sha256.Sum256(b)
}

// WGS84Fixes returns the fixes converted to WGS-84.
func (in *PatrolInput) WGS84Fixes() []Fix {
	out := make([]Fix, len(in.Fixes))
	for i, f := range in.Fixes {
		out[i] = Fix{Point: geo.ToWGS84(f.Point, in.CRS), At: f.At, AccuracyM: f.AccuracyM}
	}
	return out
}

// Visit is an H3 cell a track passed through on a China day, first at At.
// Unit is the finest unit holding the cell's centre ("" outside every unit).
type Visit struct {
	Day  time.Time
	Cell uint64
	At   time.Time
	Unit string
}

// Patrol is a stored track with what it achieved.
type Patrol struct {
	PatrolInput
	GridName   string       `json:"grid_name"`
	ReceivedAt time.Time    `json:"received_at"`
	Summary    TrackSummary `json:"summary"`
	Visits     []Visit      `json:"-"`
	Hash       [32]byte     `json:"-"`
}

// MajorityGrid returns the grid where most of the resolved points
// physically lie (geographic chain, ties to the smaller code), or "".
func MajorityGrid(rs []geo.Resolution) string {
	count := map[string]int{}
	best := ""
	for i := range rs {
		g := rs[i].Geographic.Grid
		if g == nil {
			continue
		}
		count[g.Code]++
		if n := count[g.Code]; best == "" || n > count[best] || (n == count[best] && g.Code < best) {
			best = g.Code
		}
	}
	return best
}

// GeographicCode is the finest code of a resolution's geographic chain.
func GeographicCode(res *geo.Resolution) string {
	for i := geo.NumLevels - 1; i >= 0; i-- {
		if ref := *res.Geographic.At(geo.Levels[i]); ref != nil {
			return ref.Code
		}
	}
	return ""
}

// GridCoverage is one grid's patrol coverage on one day.
type GridCoverage struct {
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	Res      int      `json:"res"` // of its cells: PatrolRes unless the grid is too large (MaxGridCells)
	Cells    int      `json:"cells"`
	Visited  int      `json:"visited"`
	Coverage float64  `json:"coverage"`
	Patrols  int      `json:"patrols"`
	InsideS  float64  `json:"inside_s"`
	OutsideS float64  `json:"outside_s"`
	Workers  []string `json:"workers"`

	visitedFine int // PatrolRes cells visited, of a grid counted coarser (CoverageTotals)
}

// PatrolDay is what the store knows about patrols under a unit on a day:
// the grids (with geometry), the cells visited, and per-grid patrol totals.
type PatrolDay struct {
	Grids   []geo.Unit
	Visited map[uint64]bool
	ByGrid  map[string]GridCoverage // Patrols, InsideS, OutsideS, Workers filled
}

// PatrolStore keeps patrol tracks. CreatePatrol is idempotent by id like
// CreateReports; PatrolDay reads a day's patrols under a unit (any level).
type PatrolStore interface {
	CreatePatrol(ctx context.Context, p Patrol) (CreateOutcome, Patrol, error)
	PatrolDay(ctx context.Context, unit string, day time.Time) (PatrolDay, error)
}

// CellCentre returns the centre of a PatrolRes cell.
func CellCentre(c uint64) orb.Point {
	ll, err := h3.CellToLatLng(h3.Cell(c))
	if err != nil {
		return orb.Point{}
	}
	return orb.Point{ll.Lng, ll.Lat}
}

// Share is part/whole, 0 when whole is 0, rounded to 4 decimals.
func Share(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return math.Round(float64(part)/float64(whole)*1e4) / 1e4
}

// SortVisits orders visits by day and cell, the order they are stored in,
// so concurrent uploads lock rows in the same order.
func SortVisits(vs []Visit) {
	sort.Slice(vs, func(i, j int) bool {
		if !vs[i].Day.Equal(vs[j].Day) {
			return vs[i].Day.Before(vs[j].Day)
		}
		return vs[i].Cell < vs[j].Cell
	})
}

var patrolEdgeM = func() float64 {
	m, err := h3.HexagonEdgeLengthAvgM(PatrolRes)
	if err != nil {
		return 25
	}
	return m
}()

func cellAt(p orb.Point) uint64 {
	c, err := h3.LatLngToCell(h3.NewLatLng(p[1], p[0]), PatrolRes) // h3 takes latitude first
	if err != nil {
		return 0
	}
	return uint64(c)
}

func toLoop(r orb.Ring) h3.GeoLoop {
	n := len(r)
	if n > 1 && r[0] == r[n-1] {
		n-- // h3 loops are implicitly closed
	}
	loop := make(h3.GeoLoop, n)
	for i := 0; i < n; i++ {
		loop[i] = h3.NewLatLng(r[i][1], r[i][0])
	}
	return loop
}

// haversineM is the great-circle distance in metres.
func haversineM(a, b orb.Point) float64 {
	const r = 6371008.8
	la1, la2 := a[1]*math.Pi/180, b[1]*math.Pi/180
	dla, dlo := la2-la1, (b[0]-a[0])*math.Pi/180
	h := math.Sin(dla/2)*math.Sin(dla/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dlo/2)*math.Sin(dlo/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}
