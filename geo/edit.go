package geo

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"
)

// Single-boundary editing: the interactive path beside the importer. An edit
// names the version it revises (optimistic concurrency), so two people
// editing the same grid cannot overwrite each other silently: the second
// one's precondition fails and they are shown the first one's version.
//
// What is wrong with a drawing is reported in the importer's vocabulary
// (ImportIssue): invalid geometry is an error that refuses the edit; a
// boundary outside its parent, overlapping a sibling or leaving its children
// outside is a warning returned with the accepted edit.

// EditResult is an accepted edit: the stored version and what looks wrong
// with it.
type EditResult[T any] struct {
	Version  T
	Warnings []ImportIssue
	// Replayed says the edit had been stored already, by the same person
	// with the same content: a retry (a lost answer, a double click), not
	// a race. Version is what the first attempt stored.
	Replayed bool
}

// BoundaryEditor changes units and enclaves one at a time. Every method runs
// in one transaction that records actor in the change log.
//
// Errors: EINVALID for a malformed or invalid boundary, an unknown parent or
// managing unit; ECONFLICT when Create finds a current version, or Retire
// finds current children or managed enclaves; ENOTFOUND when there is
// nothing to revise; EPRECONDITION when ifVersion is not the current
// version (also when the code has been retired meanwhile).
type BoundaryEditor interface {
	CreateUnit(ctx context.Context, actor string, u Unit) (EditResult[Unit], error)
	EditUnit(ctx context.Context, actor string, u Unit, ifVersion int) (EditResult[Unit], error)
	RetireUnit(ctx context.Context, actor, code string, ifVersion int) (EditResult[Unit], error)
	CreateEnclave(ctx context.Context, actor string, e Enclave) (EditResult[Enclave], error)
	EditEnclave(ctx context.Context, actor string, e Enclave, ifVersion int) (EditResult[Enclave], error)
	RetireEnclave(ctx context.Context, actor, code string, ifVersion int) (EditResult[Enclave], error)
}

// MaxEditVertices bounds one drawn boundary; bigger ones go through the
// importer, which streams and reports progress.
const MaxEditVertices = 200_000

// ValidateRings checks the shape of a drawn multipolygon before the database
// sees it: finite coordinates in range, closed rings of at least four
// points. Topology (self-intersection, holes outside shells) is PostGIS's
// job (ST_IsValidReason), which names the spot.
func ValidateRings(mp orb.MultiPolygon) error {
	if len(mp) == 0 {
		return Invalid("geometry", "geometry is empty")
	}
	n := 0
	for i, poly := range mp {
		if len(poly) == 0 {
			return Invalid("geometry", "polygon %d has no rings", i)
		}
		for j, ring := range poly {
			field := fmt.Sprintf("geometry.coordinates[%d][%d]", i, j)
			if len(ring) < 4 {
				return Invalid(field, "a ring needs at least 4 positions (the first repeated last), got %d", len(ring))
			}
			if ring[0] != ring[len(ring)-1] {
				return Invalid(field, "the ring is not closed: its last position must repeat its first")
			}
			for k, p := range ring {
				if err := ValidatePoint(fmt.Sprintf("%s[%d]", field, k), p); err != nil {
					return err
				}
			}
			n += len(ring)
		}
	}
	if n > MaxEditVertices {
		return Errorf(ETOOLARGE, "geometry", "%d positions exceed the %d an edit may have; use the importer", n, MaxEditVertices)
	}
	return nil
}

// CheckVersion is the rule of optimistic concurrency. current is the
// current version of code (0: none), history its highest version (0: it
// never existed), ifVersion the one the client revises. Every version ever
// stored has a number ≥ 1, so a client revising version n of a code whose
// current version is not n has lost a race (or revises a retired code).
func CheckVersion(what, code string, current, history, ifVersion int) error {
	switch {
	case current == ifVersion:
		return nil
	case current == 0 && history == 0:
		return Errorf(ENOTFOUND, "code", "no %s has code %q", what, code)
	case current == 0:
		return Errorf(EPRECONDITION, "If-Match", "%s %s has been retired; its last version was %d", what, code, history)
	case ifVersion < 1 || ifVersion > history:
		return Errorf(EPRECONDITION, "If-Match", `%s %s is at version %d; If-Match named none of its versions (its ETag is "v%d")`,
			what, code, current, current)
	}
	return Errorf(EPRECONDITION, "If-Match", "%s %s is at version %d, not %d: someone else saved it meanwhile", what, code, current, ifVersion)
}

// CheckEdit applies optimistic concurrency to an edit of code: a create
// needs a code with no current version, a revision the version it names
// (CheckVersion).
func CheckEdit(what, code string, current, history, ifVersion int, create bool) error {
	if !create {
		return CheckVersion(what, code, current, history, ifVersion)
	}
	if current != 0 {
		return Errorf(ECONFLICT, "code", "%s %s already exists (version %d); revise it with PUT and If-Match", what, code, current)
	}
	return nil
}

// The rule of retries. An edit whose precondition fails is a retry of one
// already stored when the version it would have made is the current one,
// stored by the same actor with the same content: then it is answered as
// the first attempt was, instead of as a lost race. A retire retried finds
// the version it names retired and nothing after it, which is the outcome
// it asks for.

// RepeatedVersion reports whether a failed precondition may be a retry:
// the current version is the one the edit would have made (for a create,
// any: a retired code revived continues its numbers; for a revision, the
// one after ifVersion).
func RepeatedVersion(current, ifVersion int, create bool) bool {
	if create {
		return current > 0
	}
	return current == ifVersion+1
}

// RepeatedRetire reports whether a retire of version ifVersion finding
// current and history is a retry of one that succeeded: the code has no
// current version and ifVersion was its last.
func RepeatedRetire(current, history, ifVersion int) bool {
	return current == 0 && history == ifVersion && ifVersion > 0
}

// Repeats reports whether stored is what u, an edit prepared for storing
// by actor, would have stored: same actor, code, level, name, parent,
// geometry (exactly) and properties.
func (u *Unit) Repeats(stored *Unit, actor string) bool {
	return stored.CreatedBy == actor && stored.Code == u.Code && stored.Level == u.Level && stored.Name == u.Name &&
		stored.ParentCode == u.ParentCode && orb.Equal(stored.Geom, u.Geom) && sameProperties(stored.Properties, u.Properties)
}

// Repeats reports whether stored is what e, an edit prepared for storing
// by actor, would have stored.
func (e *Enclave) Repeats(stored *Enclave, actor string) bool {
	return stored.CreatedBy == actor && stored.Code == e.Code && stored.Name == e.Name &&
		stored.ManagingCode == e.ManagingCode && stored.Status == e.Status && stored.Reason == e.Reason &&
		orb.Equal(stored.Geom, e.Geom) && sameProperties(stored.Properties, e.Properties)
}

// PrepareEdit readies a drawn unit for storing: it fills what the code
// implies (level, parent) and checks the unit's own fields and the shape of
// its rings.
func (u *Unit) PrepareEdit() error {
	l, err := LevelOfCode(u.Code)
	if err != nil {
		return err
	}
	if u.Level == "" {
		u.Level = l
	}
	if u.ParentCode == "" {
		u.ParentCode = ParentCode(u.Code)
	}
	if err := u.Validate(); err != nil {
		return err
	}
	return ValidateRings(u.Geom)
}

// PrepareCreate is PrepareEdit for a unit that is new: unit codes have one
// shape per level whether new or not, so nothing is added.
func (u *Unit) PrepareCreate() error { return u.PrepareEdit() }

// PrepareCreate is PrepareEdit for a new enclave: its code must also match
// ValidateEnclaveCode (an existing one only needs to be storable).
func (e *Enclave) PrepareCreate() error {
	if err := ValidateEnclaveCode("code", e.Code); err != nil {
		return err
	}
	return e.PrepareEdit()
}

// PrepareEdit checks a drawn enclave's own fields and the shape of its rings.
func (e *Enclave) PrepareEdit() error {
	if err := e.Validate(); err != nil {
		return err
	}
	return ValidateRings(e.Geom)
}
