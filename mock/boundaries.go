package mock

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

var (
	_ geo.UnitStore      = (*Boundaries)(nil)
	_ geo.BoundaryEditor = (*Boundaries)(nil)
)

// Boundaries is an in-memory geo.UnitStore and geo.BoundaryEditor: units
// and enclaves with their versions. Edits follow the store's contract
// (ECONFLICT for a second create, EPRECONDITION for a stale version,
// ENOTFOUND, EINVALID for a missing parent or managing unit) and return no
// warnings: those come from PostGIS.
type Boundaries struct {
	// Err, if set, is returned by every call.
	Err error

	mu       sync.Mutex
	units    versions[geo.Unit]
	enclaves versions[geo.Enclave]
}

// NewBoundaries returns an empty store.
func NewBoundaries() *Boundaries {
	return &Boundaries{
		units: versions[geo.Unit]{what: "unit", rows: map[string][]geo.Unit{},
			span: func(u *geo.Unit) (string, int, time.Time, *time.Time) {
				return u.Code, u.Version, u.ValidFrom, u.ValidTo
			},
			stamp: func(u *geo.Unit, n int, at time.Time, actor string) {
				u.Version, u.ValidFrom, u.ValidTo, u.CreatedBy, u.CreatedAt = n, at, nil, actor, at
			},
			close:   func(u *geo.Unit, at time.Time) { u.ValidTo = &at },
			bound:   func(u *geo.Unit) orb.Bound { return u.Geom.Bound() },
			repeats: (*geo.Unit).Repeats},
		enclaves: versions[geo.Enclave]{what: "enclave", rows: map[string][]geo.Enclave{},
			span: func(e *geo.Enclave) (string, int, time.Time, *time.Time) {
				return e.Code, e.Version, e.ValidFrom, e.ValidTo
			},
			stamp: func(e *geo.Enclave, n int, at time.Time, actor string) {
				e.Version, e.ValidFrom, e.ValidTo, e.CreatedBy, e.CreatedAt = n, at, nil, actor, at
			},
			close:   func(e *geo.Enclave, at time.Time) { e.ValidTo = &at },
			bound:   func(e *geo.Enclave) orb.Bound { return e.Geom.Bound() },
			repeats: (*geo.Enclave).Repeats},
	}
}

// AddUnit stores u as the next version of its code, filling the level and
// parent its code implies, and returns it; it panics on a unit the editor
// would refuse, since that is a mistake in the test.
func (b *Boundaries) AddUnit(u geo.Unit) geo.Unit {
	if err := u.PrepareEdit(); err != nil {
		panic(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.units.put(u, "test", now())
}

// AddEnclave stores e as the next version of its code and returns it.
func (b *Boundaries) AddEnclave(e geo.Enclave) geo.Enclave {
	if err := e.PrepareEdit(); err != nil {
		panic(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.enclaves.put(e, "test", now())
}

// now is the clock of the fakes, at the database's precision.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// call holds the lock and answers Err first: the preamble of every method.
func (b *Boundaries) call() (unlock func(), err error) {
	b.mu.Lock()
	return b.mu.Unlock, b.Err
}

// unitExists reports whether code is a current unit; b.mu is held.
func (b *Boundaries) unitExists(code string) bool {
	_, ok := b.units.validAt(code, time.Time{})
	return ok
}

// edit is the editor's flow for either kind: prepare, check the version,
// check what v refers to, store. b.mu is held.
func edit[T any](s *versions[T], actor string, v T, ifVersion int, create bool, prepare, refs func(*T) error) (geo.EditResult[T], error) {
	var res geo.EditResult[T]
	if err := prepare(&v); err != nil {
		return res, err
	}
	code, _, _, _ := s.span(&v)
	current, history := s.numbers(code)
	if verr := geo.CheckEdit(s.what, code, current, history, ifVersion, create); verr != nil {
		// A retry of this very edit, stored already, is answered as the
		// first attempt was (geo's rule of retries).
		if stored, ok := s.validAt(code, time.Time{}); ok && geo.RepeatedVersion(current, ifVersion, create) && s.repeats(&v, &stored, actor) {
			return geo.EditResult[T]{Version: stored, Warnings: []geo.ImportIssue{}, Replayed: true}, nil
		}
		return res, verr
	}
	if err := refs(&v); err != nil {
		return res, err
	}
	return geo.EditResult[T]{Version: s.put(v, actor, now()), Warnings: []geo.ImportIssue{}}, nil
}

// retire is the retiring flow for either kind. b.mu is held.
func retire[T any](s *versions[T], actor, code string, ifVersion int, dependants func(string) error) (geo.EditResult[T], error) {
	var zero geo.EditResult[T]
	current, history := s.numbers(code)
	if geo.RepeatedRetire(current, history, ifVersion) && s.retiredBy[code] == actor {
		rows := s.rows[code]
		return geo.EditResult[T]{Version: rows[len(rows)-1], Replayed: true}, nil // a retry: answered as the first attempt was
	}
	if err := geo.CheckVersion(s.what, code, current, history, ifVersion); err != nil {
		return zero, err
	}
	if err := dependants(code); err != nil {
		return zero, err
	}
	return geo.EditResult[T]{Version: s.retire(code, actor, now())}, nil
}

func (b *Boundaries) unitParent(u *geo.Unit) error {
	if u.ParentCode != "" && !b.unitExists(u.ParentCode) {
		return geo.Invalid("parent_code", "no current unit has code %s; create the parent first", u.ParentCode)
	}
	return nil
}

func (b *Boundaries) enclaveManager(e *geo.Enclave) error {
	if !b.unitExists(e.ManagingCode) {
		return geo.Invalid("managing_code", "no current unit has code %s", e.ManagingCode)
	}
	return nil
}

// unitDependants refuses to retire a unit that current units or enclaves name.
func (b *Boundaries) unitDependants(code string) error {
	children, _ := b.units.list(geo.Window{Limit: 1}, func(u *geo.Unit) bool { return u.ParentCode == code })
	managed, _ := b.enclaves.list(geo.Window{Limit: 1}, func(e *geo.Enclave) bool { return e.ManagingCode == code })
	if len(children)+len(managed) > 0 {
		return geo.Errorf(geo.ECONFLICT, "code", "unit %s has current children or enclaves it manages; retire or reassign them first", code)
	}
	return nil
}

func noDependants(string) error { return nil }

// The methods of geo.UnitStore and geo.BoundaryEditor, a unit's beside an
// enclave's.

// ListUnits implements geo.UnitStore.
func (b *Boundaries) ListUnits(_ context.Context, f geo.UnitFilter) ([]geo.Unit, string, error) {
	unlock, err := b.call()
	defer unlock()
	if err != nil {
		return nil, "", err
	}
	units, next := b.units.list(f.Window, func(u *geo.Unit) bool {
		return (f.Level == "" || u.Level == f.Level) && (f.Parent == "" || u.ParentCode == f.Parent)
	})
	return units, next, nil
}

// ListEnclaves implements geo.UnitStore.
func (b *Boundaries) ListEnclaves(_ context.Context, f geo.EnclaveFilter) ([]geo.Enclave, string, error) {
	unlock, err := b.call()
	defer unlock()
	if err != nil {
		return nil, "", err
	}
	enclaves, next := b.enclaves.list(f.Window, func(e *geo.Enclave) bool { return strings.HasPrefix(e.ManagingCode, f.Managing) })
	return enclaves, next, nil
}

// GetUnit implements geo.UnitStore.
func (b *Boundaries) GetUnit(_ context.Context, code string, at time.Time) (geo.Unit, error) {
	unlock, err := b.call()
	defer unlock()
	if err != nil {
		return geo.Unit{}, err
	}
	return b.units.get(code, at)
}

// GetEnclave implements geo.UnitStore.
func (b *Boundaries) GetEnclave(_ context.Context, code string, at time.Time) (geo.Enclave, error) {
	unlock, err := b.call()
	defer unlock()
	if err != nil {
		return geo.Enclave{}, err
	}
	return b.enclaves.get(code, at)
}

// UnitHistory implements geo.UnitStore.
func (b *Boundaries) UnitHistory(_ context.Context, code string) ([]geo.Unit, error) {
	unlock, err := b.call()
	defer unlock()
	if err != nil {
		return nil, err
	}
	return b.units.history(code)
}

// EnclaveHistory implements geo.UnitStore.
func (b *Boundaries) EnclaveHistory(_ context.Context, code string) ([]geo.Enclave, error) {
	unlock, err := b.call()
	defer unlock()
	if err != nil {
		return nil, err
	}
	return b.enclaves.history(code)
}
