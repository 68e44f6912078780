package geo

import (
	"context"
	"time"

	"github.com/paulmach/orb"
)

// Window is the part of a listing filter that every versioned listing
// shares: where, when, and which page.
type Window struct {
	BBox  *orb.Bound // nil for anywhere
	At    time.Time  // zero for now
	After string     // cursor: only codes greater than this
	Limit int
}

// UnitFilter selects unit versions for listing.
type UnitFilter struct {
	Level  Level  // "" for every level
	Parent string // "" for any parent
	Window
}

// EnclaveFilter selects enclave versions for listing.
type EnclaveFilter struct {
	Managing string // "" for any managing unit; else the code or a prefix of it
	Window
}

// UnitStore reads versioned units and enclaves. Get* return ENOTFOUND when
// no version is valid at the time asked; *History returns ENOTFOUND for a
// code that never existed. List* return one page and the next cursor ("" at
// the end). Storage failures are EUNAVAILABLE.
type UnitStore interface {
	ListUnits(ctx context.Context, f UnitFilter) ([]Unit, string, error)
	GetUnit(ctx context.Context, code string, at time.Time) (Unit, error)
	UnitHistory(ctx context.Context, code string) ([]Unit, error)
	ListEnclaves(ctx context.Context, f EnclaveFilter) ([]Enclave, string, error)
	GetEnclave(ctx context.Context, code string, at time.Time) (Enclave, error)
	EnclaveHistory(ctx context.Context, code string) ([]Enclave, error)
}
