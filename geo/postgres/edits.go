package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo"
)

var _ geo.BoundaryEditor = (*DB)(nil)

// Single edits (issue 7). Each runs in one transaction that first takes a
// transaction-scoped advisory lock on the code: concurrent edits of one
// code queue up, and each one, once it holds the lock, reads the current
// version in a fresh statement and so sees every edit committed before it.
// Reading the row with SELECT … FOR UPDATE alone would not do: a waiter
// re-checks only the row it waited for (now closed) and cannot see the
// version inserted meanwhile, so it would take the code for retired.

const lockCodeSQL = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`

func lockCode(ctx context.Context, tx pgx.Tx, kind, code string) error {
	_, err := tx.Exec(ctx, lockCodeSQL, kind+"/"+code)
	return err
}

// precondition compares the current version (0: none) with the one the
// client revises. Every version ever stored has a number ≥ 1, so a client
// revising version n of a code whose current version is not n has lost a
// race (or revises a retired code).
func precondition(what, code string, current, history, ifVersion int) error {
	switch {
	case current == ifVersion:
		return nil
	case current == 0 && history == 0:
		return geo.Errorf(geo.ENOTFOUND, "code", "no %s has code %q", what, code)
	case current == 0:
		return geo.Errorf(geo.EPRECONDITION, "If-Match", "%s %s has been retired; its last version was %d", what, code, history)
	}
	return geo.Errorf(geo.EPRECONDITION, "If-Match", "%s %s is at version %d, not %d: someone else saved it meanwhile", what, code, current, ifVersion)
}

// versionsOf returns the current version of a code (0 if none) and its
// highest version (0 if it never existed).
func versionsOf(ctx context.Context, tx pgx.Tx, table, code string) (current, history int, err error) {
	q := currentAndMaxUnitSQL
	if table == "enclave" {
		q = currentAndMaxEnclaveSQL
	}
	err = tx.QueryRow(ctx, q, code).Scan(&current, &history)
	return current, history, err
}

const currentAndMaxUnitSQL = `SELECT coalesce(max(version) FILTER (WHERE valid_to IS NULL), 0), coalesce(max(version), 0) FROM unit WHERE code = $1`
const currentAndMaxEnclaveSQL = `SELECT coalesce(max(version) FILTER (WHERE valid_to IS NULL), 0), coalesce(max(version), 0) FROM enclave WHERE code = $1`

// CreateUnit stores the first version of a code (or revives a retired one).
func (db *DB) CreateUnit(ctx context.Context, actor string, u geo.Unit) (geo.EditResult[geo.Unit], error) {
	return db.writeUnit(ctx, actor, u, 0, true)
}

// EditUnit stores the next version of u's code, provided ifVersion is the
// current one.
func (db *DB) EditUnit(ctx context.Context, actor string, u geo.Unit, ifVersion int) (geo.EditResult[geo.Unit], error) {
	return db.writeUnit(ctx, actor, u, ifVersion, false)
}

const currentUnitSQL = `SELECT ` + unitColumns + ` FROM unit WHERE code = $1 AND valid_to IS NULL`

func (db *DB) writeUnit(ctx context.Context, actor string, u geo.Unit, ifVersion int, create bool) (geo.EditResult[geo.Unit], error) {
	var res geo.EditResult[geo.Unit]
	if err := prepareUnit(&u); err != nil {
		return res, err
	}
	g, err := toGeom(u.Geom)
	if err != nil {
		return res, geo.Invalid("geometry", "%v", err)
	}
	err = db.inTx(ctx, actor, func(tx pgx.Tx) error {
		if err := lockCode(ctx, tx, "unit", u.Code); err != nil {
			return err
		}
		current, history, err := versionsOf(ctx, tx, "unit", u.Code)
		if err != nil {
			return err
		}
		if create && current != 0 {
			return geo.Errorf(geo.ECONFLICT, "code", "unit %s already exists (version %d); revise it with PUT and If-Match", u.Code, current)
		}
		if !create {
			if err := precondition("unit", u.Code, current, history, ifVersion); err != nil {
				return err
			}
		}
		if err := checkValid(ctx, tx, g); err != nil {
			return err
		}
		if err := checkParent(ctx, tx, u); err != nil {
			return err
		}
		now, err := txNow(ctx, tx)
		if err != nil {
			return err
		}
		version, err := closeCurrent(ctx, tx, unitVersions, u.Code, now)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, insertUnitSQL, u.Code, u.Level, u.Name, u.ParentCode, g, props(u.Properties), version, now); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, currentUnitSQL, u.Code)
		if err != nil {
			return err
		}
		if res.Version, err = pgx.CollectExactlyOneRow(rows, scanUnit); err != nil {
			return err
		}
		res.Warnings, err = unitWarnings(ctx, tx, u.Code)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("edit unit %s: %w", u.Code, err)
	}
	return res, nil
}

// prepareUnit fills what the code implies (level, parent) and checks the
// unit's own fields and the shape of its rings.
func prepareUnit(u *geo.Unit) error {
	l, err := geo.LevelOfCode(u.Code)
	if err != nil {
		return err
	}
	if u.Level == "" {
		u.Level = l
	}
	if u.ParentCode == "" {
		u.ParentCode = geo.ParentCode(u.Code)
	}
	if err := u.Validate(); err != nil {
		return err
	}
	return geo.ValidateRings(u.Geom)
}

const parentExistsSQL = `SELECT EXISTS (SELECT 1 FROM unit WHERE code = $1 AND valid_to IS NULL)`

// checkParent refuses a unit whose parent does not currently exist: the
// resolver's chains follow parent codes.
func checkParent(ctx context.Context, tx pgx.Tx, u geo.Unit) error {
	if u.ParentCode == "" {
		return nil
	}
	var ok bool
	if err := tx.QueryRow(ctx, parentExistsSQL, u.ParentCode).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return geo.Invalid("parent_code", "no current unit has code %s; create the parent first", u.ParentCode)
	}
	return nil
}

const childrenSQL = `SELECT count(*), coalesce(min(code), '') FROM unit WHERE parent_code = $1 AND valid_to IS NULL`
const managedSQL = `SELECT count(*), coalesce(min(code), '') FROM enclave WHERE managing_code = $1 AND valid_to IS NULL`
const retireUnitSQL = `UPDATE unit SET valid_to = clock_timestamp() WHERE code = $1 AND valid_to IS NULL RETURNING ` + unitColumns

// RetireUnit closes the current version of code without a successor. The
// history stays. A unit that still has current children, or manages current
// enclaves, is not retired: that would orphan them.
func (db *DB) RetireUnit(ctx context.Context, actor, code string, ifVersion int) (geo.Unit, error) {
	var out geo.Unit
	err := db.inTx(ctx, actor, func(tx pgx.Tx) error {
		if err := lockCode(ctx, tx, "unit", code); err != nil {
			return err
		}
		current, history, err := versionsOf(ctx, tx, "unit", code)
		if err != nil {
			return err
		}
		if err := precondition("unit", code, current, history, ifVersion); err != nil {
			return err
		}
		for _, dep := range []struct{ sql, what string }{{childrenSQL, "current children"}, {managedSQL, "current enclaves it manages"}} {
			var n int
			var first string
			if err := tx.QueryRow(ctx, dep.sql, code).Scan(&n, &first); err != nil {
				return err
			}
			if n > 0 {
				return geo.Errorf(geo.ECONFLICT, "code", "unit %s has %d %s (first %s); retire or reassign them first", code, n, dep.what, first)
			}
		}
		rows, err := tx.Query(ctx, retireUnitSQL, code)
		if err != nil {
			return err
		}
		out, err = pgx.CollectExactlyOneRow(rows, scanUnit)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("retire unit %s: %w", code, err)
	}
	return out, nil
}
