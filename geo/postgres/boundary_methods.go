package postgres

import (
	"context"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

var (
	_ geo.UnitStore      = (*DB)(nil)
	_ geo.BoundaryEditor = (*DB)(nil)
)

// The methods of geo.UnitStore and geo.BoundaryEditor, a unit's and an
// enclave's side by side: each is the generic versioned store (boundary.go,
// edits.go) applied to one table (tables.go).

// ListUnits returns one page of the unit versions valid at f.At, ordered by
// code, and the cursor of the next page ("" when this is the last).
func (db *DB) ListUnits(ctx context.Context, f geo.UnitFilter) ([]geo.Unit, string, error) {
	return listVersions(ctx, db, &unitTable, listUnitsSQL, f.Window, nullString(string(f.Level)), nullString(f.Parent))
}

// ListEnclaves returns one page of the enclave versions valid at f.At.
func (db *DB) ListEnclaves(ctx context.Context, f geo.EnclaveFilter) ([]geo.Enclave, string, error) {
	return listVersions(ctx, db, &enclaveTable, listEnclavesSQL, f.Window, nullString(f.Managing))
}

// GetUnit returns the version of code valid at at (zero: now), or ENOTFOUND.
func (db *DB) GetUnit(ctx context.Context, code string, at time.Time) (geo.Unit, error) {
	return getVersion(ctx, db, &unitTable, code, at)
}

// GetEnclave returns the version of code valid at at (zero: now), or ENOTFOUND.
func (db *DB) GetEnclave(ctx context.Context, code string, at time.Time) (geo.Enclave, error) {
	return getVersion(ctx, db, &enclaveTable, code, at)
}

// UnitHistory returns every version of code, oldest first, or ENOTFOUND.
func (db *DB) UnitHistory(ctx context.Context, code string) ([]geo.Unit, error) {
	return versionHistory(ctx, db, &unitTable, code)
}

// EnclaveHistory returns every version of code, oldest first, or ENOTFOUND.
func (db *DB) EnclaveHistory(ctx context.Context, code string) ([]geo.Enclave, error) {
	return versionHistory(ctx, db, &enclaveTable, code)
}

// ReviseUnit makes u the current version of its code in one transaction:
// the current version, if any, is closed at the same instant the new one
// starts. It returns the new version number.
func (db *DB) ReviseUnit(ctx context.Context, actor string, u geo.Unit) (int, error) {
	return reviseVersion(ctx, db, &unitTable, actor, u)
}

// ReviseEnclave makes e the current version of its code in one transaction
// and returns the new version number.
func (db *DB) ReviseEnclave(ctx context.Context, actor string, e geo.Enclave) (int, error) {
	return reviseVersion(ctx, db, &enclaveTable, actor, e)
}

// CreateUnit stores the first version of a code (or revives a retired one).
func (db *DB) CreateUnit(ctx context.Context, actor string, u geo.Unit) (geo.EditResult[geo.Unit], error) {
	return writeVersion(ctx, db, &unitTable, actor, u, 0, true)
}

// CreateEnclave stores the first version of an enclave code (or revives a
// retired one).
func (db *DB) CreateEnclave(ctx context.Context, actor string, e geo.Enclave) (geo.EditResult[geo.Enclave], error) {
	return writeVersion(ctx, db, &enclaveTable, actor, e, 0, true)
}

// EditUnit stores the next version of u's code, provided ifVersion is the
// current one.
func (db *DB) EditUnit(ctx context.Context, actor string, u geo.Unit, ifVersion int) (geo.EditResult[geo.Unit], error) {
	return writeVersion(ctx, db, &unitTable, actor, u, ifVersion, false)
}

// EditEnclave stores the next version of e's code, provided ifVersion is the
// current one.
func (db *DB) EditEnclave(ctx context.Context, actor string, e geo.Enclave, ifVersion int) (geo.EditResult[geo.Enclave], error) {
	return writeVersion(ctx, db, &enclaveTable, actor, e, ifVersion, false)
}

// RetireUnit closes the current version of code without a successor. The
// history stays. A unit that still has current children, or manages current
// enclaves, is not retired: that would orphan them.
func (db *DB) RetireUnit(ctx context.Context, actor, code string, ifVersion int) (geo.EditResult[geo.Unit], error) {
	return retireVersion(ctx, db, &unitTable, actor, code, ifVersion)
}

// RetireEnclave closes the current version of an enclave without a
// successor; from then on the land is answered for by the unit around it.
func (db *DB) RetireEnclave(ctx context.Context, actor, code string, ifVersion int) (geo.EditResult[geo.Enclave], error) {
	return retireVersion(ctx, db, &enclaveTable, actor, code, ifVersion)
}
