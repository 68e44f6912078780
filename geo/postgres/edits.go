package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/twpayne/go-geom"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pglock"
)

// Single edits. Each runs in one transaction that first takes a
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

// lockVersions takes the code's lock and returns its current version (0 if
// none) and its highest version (0 if it never existed).
func lockVersions[T any](ctx context.Context, tx pgx.Tx, t *boundaryTable[T], code string) (current, history int, err error) {
	if err := lockCode(ctx, tx, t.what, code); err != nil {
		return 0, 0, err
	}
	err = tx.QueryRow(ctx, t.sql.versions, code).Scan(&current, &history)
	return current, history, err
}

// closedMeanwhile is the answer to a revision or retirement of version
// ifVersion whose close found no current version: an import, which takes
// no code's lock, closed it while the close waited for its row (the close
// then skips the row, and the version the import wrote is not in its
// snapshot). Read again, the versions tell the 412 the If-Match check would
// have told: the code retired, or at another version. (The close skipping
// the row answered a retirement 404, a revision of a code the import
// revised 409 — the index of one current version — and one of a code it
// retired revived the code.)
func closedMeanwhile[T any](ctx context.Context, tx pgx.Tx, t *boundaryTable[T], code string, ifVersion int) error {
	var current, history int
	if err := tx.QueryRow(ctx, t.sql.versions, code).Scan(&current, &history); err != nil {
		return err
	}
	if err := geo.CheckVersion(t.what, code, current, history, ifVersion); err != nil {
		return err
	}
	return geo.Errorf(geo.EPRECONDITION, "If-Match", "%s %s was changed while this edit waited for it; read it again", t.what, code)
}

// writeVersion stores v as the first version of its code (create) or as the
// next one after ifVersion, checked, and returns it with its warnings.
func writeVersion[T any](ctx context.Context, db *DB, t *boundaryTable[T], actor string, v T, ifVersion int, create bool) (geo.EditResult[T], error) {
	var res geo.EditResult[T]
	prepare := t.prepare
	if create {
		prepare = t.prepareNew
	}
	if err := prepare(&v); err != nil {
		return res, err
	}
	g, err := toGeom(t.geom(&v))
	if err != nil {
		return res, geo.Invalid("geometry", "%v", err)
	}
	err = db.inTx(ctx, actor, func(tx pgx.Tx) error {
		replay, err := checkWrite(ctx, tx, t, &v, g, ifVersion, create, actor)
		if err != nil {
			return err
		}
		if !replay {
			revises := ifVersion
			if create {
				revises = createNew
			}
			if _, err := insertNext(ctx, tx, t, &v, g, revises); err != nil {
				return err
			}
		}
		res, err = readWritten(ctx, tx, t, t.code(&v))
		res.Replayed = replay
		return err
	})
	if err != nil {
		return res, fmt.Errorf("edit %s %s: %w", t.what, t.code(&v), err)
	}
	return res, nil
}

// checkWrite takes the code's lock and refuses the write unless the code is
// free (create) or at ifVersion, the boundary is valid and what it refers to
// exists. Invalid geometry is refused, not repaired: a repair the editor did
// not see would store a boundary nobody drew. A write whose precondition
// fails because actor stored this very edit already is a retry: replay is
// true and nothing more is checked.
func checkWrite[T any](ctx context.Context, tx pgx.Tx, t *boundaryTable[T], v *T, g *geom.MultiPolygon, ifVersion int, create bool, actor string) (replay bool, err error) {
	code := t.code(v)
	if err := pglock.ShareTopology(ctx, tx); err != nil {
		return false, err
	}
	// The unit named is held before the code's own lock: a merge or split
	// waits at the topology lock, but single edits of a parent and of a
	// child's creation meet here.
	hold := create || t.namesMayChange
	if hold {
		if err := holdNamed(ctx, tx, t.names(v)); err != nil {
			return false, err
		}
	}
	current, history, err := lockVersions(ctx, tx, t, code)
	if err != nil {
		return false, err
	}
	if err := geo.CheckEdit(t.what, code, current, history, ifVersion, create); err != nil {
		if repeated, rerr := repeatsCurrent(ctx, tx, t, v, actor, current, ifVersion, create); rerr != nil || repeated {
			return repeated, rerr
		}
		return false, err
	}
	if err := checkValid(ctx, tx, g); err != nil {
		return false, err
	}
	if err := t.references(ctx, tx, v, hold); err != nil {
		return false, err
	}
	if scope := geo.EditScopeOf(ctx); scope != "" {
		return false, t.withinScope(ctx, tx, v, g, scope)
	}
	return false, nil
}

// repeatsCurrent reports whether the current version of v's code is what
// actor's edit v would have stored (geo.RepeatedVersion, Repeats).
func repeatsCurrent[T any](ctx context.Context, tx pgx.Tx, t *boundaryTable[T], v *T, actor string, current, ifVersion int, create bool) (bool, error) {
	if !geo.RepeatedVersion(current, ifVersion, create) {
		return false, nil
	}
	stored, err := currentOf(ctx, tx, t, t.code(v))
	if err != nil {
		return false, err
	}
	return t.repeats(v, &stored, actor), nil
}

// readWritten reads back the version just written, with its warnings, as
// it commits: stamped with the commit's moment (settle), after the
// warnings, which need not hold the commits' lock.
func readWritten[T any](ctx context.Context, tx pgx.Tx, t *boundaryTable[T], code string) (geo.EditResult[T], error) {
	var res geo.EditResult[T]
	var err error
	if res.Warnings, err = t.warnings(ctx, tx, code); err != nil {
		return res, err
	}
	if err = settle(ctx, tx); err != nil {
		return res, err
	}
	res.Version, err = currentOf(ctx, tx, t, code)
	return res, err
}

// retiredBySQL is who closed a version and whether an import did.
const retiredBySQL = `SELECT actor, detail ? 'import_job' FROM change_log
WHERE entity = $1 AND code = $2 AND version = $3 AND action = 'close' ORDER BY id DESC LIMIT 1`

// retiredByOwnRetire reports whether actor closed version of code with a
// retirement of their own, so that a retire finding it closed is that
// retirement's retry. Closed by someone else, or by an import (whose actor
// may be the same token's name), it is not: the answer would say the
// caller retired what they did not, where the precondition's failure says
// the code has been retired.
func retiredByOwnRetire(ctx context.Context, tx pgx.Tx, what, code string, version int, actor string) (bool, error) {
	var by string
	var imported bool
	err := tx.QueryRow(ctx, retiredBySQL, what, code, version).Scan(&by, &imported)
	if err == pgx.ErrNoRows {
		return false, nil
	}
	return err == nil && by == actor && !imported, err
}

// retireVersion closes the current version of code without a successor,
// provided ifVersion is the current one and nothing current depends on it.
// The history stays. A retry of the caller's own retirement is answered
// with the version it closed, Replayed.
func retireVersion[T any](ctx context.Context, db *DB, t *boundaryTable[T], actor, code string, ifVersion int) (geo.EditResult[T], error) {
	var out geo.EditResult[T]
	err := db.inTx(ctx, actor, func(tx pgx.Tx) error {
		if err := pglock.ShareTopology(ctx, tx); err != nil {
			return err
		}
		current, history, err := lockVersions(ctx, tx, t, code)
		if err != nil {
			return err
		}
		replay := geo.RepeatedRetire(current, history, ifVersion)
		if replay {
			if replay, err = retiredByOwnRetire(ctx, tx, t.what, code, history, actor); err != nil {
				return err
			}
		}
		if replay { // a retry: answered as the first attempt was
			versions, err := historyOf(ctx, tx, t, code)
			if err == nil {
				out = geo.EditResult[T]{Version: versions[len(versions)-1], Replayed: true}
			}
			return err
		}
		if err := geo.CheckVersion(t.what, code, current, history, ifVersion); err != nil {
			return err
		}
		// Closed first, then checked in a fresh statement: an import adding
		// a child holds this row (FOR SHARE) until it commits, so the close
		// waits for it and the check then sees the child. Checked first, the
		// import's uncommitted child went unseen and both committed.
		rows, err := tx.Query(ctx, t.sql.retire, code)
		if err != nil {
			return err
		}
		if out.Version, err = pgx.CollectExactlyOneRow(rows, t.scan); errors.Is(err, pgx.ErrNoRows) {
			return closedMeanwhile(ctx, tx, t, code, ifVersion)
		}
		if err != nil {
			return err
		}
		if err := t.dependants(ctx, tx, code); err != nil {
			return err
		}
		if err := settle(ctx, tx); err != nil {
			return err
		}
		versions, err := historyOf(ctx, tx, t, code)
		if err == nil {
			out.Version = versions[len(versions)-1]
		}
		return err
	})
	if err != nil {
		return out, fmt.Errorf("retire %s %s: %w", t.what, code, err)
	}
	return out, nil
}
