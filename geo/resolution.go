package geo

import (
	"context"
	"time"

	"github.com/paulmach/orb"
)

// Status says how a point was resolved.
type Status string

// The resolution statuses (see docs/design.md, "Resolution rules").
const (
	StatusManaged   Status = "managed"   // a grid (or micro-grid) covers the point
	StatusUnmanaged Status = "unmanaged" // only a coarser unit covers it: a gap (失管)
	StatusEnclave   Status = "enclave"   // an enclave covers it; its managing unit answers
	StatusOutside   Status = "outside"   // no unit covers it
)

// Ref names one unit or enclave in a result.
type Ref struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// LevelRef names a unit together with its level.
type LevelRef struct {
	Level Level  `json:"level"`
	Code  string `json:"code"`
	Name  string `json:"name"`
}

// EnclaveRef names the enclave that decided a result.
type EnclaveRef struct {
	Code   string        `json:"code"`
	Name   string        `json:"name"`
	Status EnclaveStatus `json:"status"`
}

// Chain is a unit and its ancestors, one slot per level; a nil slot is empty.
type Chain struct {
	MicroGrid *Ref `json:"microgrid,omitempty"`
	Grid      *Ref `json:"grid"`
	Community *Ref `json:"community"`
	Street    *Ref `json:"street"`
	District  *Ref `json:"district"`
}

// At returns the slot of level l.
func (c *Chain) At(l Level) **Ref {
	switch l {
	case District:
		return &c.District
	case Street:
		return &c.Street
	case Community:
		return &c.Community
	case Grid:
		return &c.Grid
	default:
		return &c.MicroGrid
	}
}

// Resolution is the answer to "whose is this place". The embedded Chain is
// the responsible chain (who answers); Geographic is where the point
// physically lies, ignoring enclaves.
type Resolution struct {
	Status      Status     `json:"status"`
	Point       [2]float64 `json:"point"`
	Responsible *LevelRef  `json:"responsible"`
	Chain
	Enclave      *EnclaveRef `json:"enclave"`
	Geographic   Chain       `json:"geographic"`
	Conflicts    []LevelRef  `json:"conflicts"`
	IndexVersion int64       `json:"index_version"`
}

// CRS names the coordinate system of an input point.
type CRS string

// The accepted input coordinate systems. CGCS2000 equals WGS84 within
// centimetres and is accepted as WGS84.
const (
	WGS84    CRS = "wgs84"
	CGCS2000 CRS = "cgcs2000"
	GCJ02    CRS = "gcj02"
	BD09     CRS = "bd09"
)

// ResolveQuery is one point to resolve.
type ResolveQuery struct {
	Point orb.Point // longitude, latitude in CRS
	CRS   CRS       // "" means WGS84
	At    time.Time // zero means now
	// MinVersion is the oldest data version the answer may reflect (0:
	// any): a client that wrote version v names it to read its own write on
	// any node.
	MinVersion int64
}

// Resolver answers resolution queries. It is the one function every read of
// a point's owner goes through.
//
// Resolve returns EINVALID for a bad point or CRS. ResolveMany answers each
// query in its own slot; errs[i] is non-nil for a query that could not be
// answered, and the others are still answered.
type Resolver interface {
	Resolve(ctx context.Context, q ResolveQuery) (Resolution, error)
	ResolveMany(ctx context.Context, qs []ResolveQuery) (res []Resolution, errs []error)
	// ResolveEach answers n queries in order from one view of the data,
	// handing each answer (or its error) to emit as it is made; it stops at
	// the first error emit returns, or when ctx ends.
	ResolveEach(ctx context.Context, n int, query func(i int) ResolveQuery, emit func(i int, r *Resolution, err error) error) error
}

// Follower is the freshness side of the resolver index: the data version it
// reflects, a wait until it reflects everything committed so far (which a
// write calls after committing, for read-your-writes), and a bounded wait
// for a version (which a read naming one calls).
type Follower interface {
	Version() int64
	CatchUp(ctx context.Context) (int64, error)
	WaitVersion(ctx context.Context, v int64, d time.Duration) bool
}
