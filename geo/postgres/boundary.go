package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"

	"github.com/gridmap-dev/gridmap/geo"
)

// The versioned-boundary store. Units and enclaves are kept the same way —
// one row per version, closed (valid_to) rather than changed, the next
// version inserted at the same instant — so one generic implementation
// lists, reads, revises, edits and retires both. A boundaryTable says what
// differs: the table and its columns, how a row is written, what a version
// refers to, what depends on a code, and which warnings an edit gets.
type boundaryTable[T any] struct {
	what string // "unit" or "enclave": the table, the lock namespace, the word in messages
	sql  versionedSQL
	scan pgx.RowToFunc[T]
	code func(*T) string
	geom func(*T) orb.MultiPolygon
	// validate checks the value's own fields (what ReviseUnit needs);
	// prepare is what an interactive edit adds to that: the fields the code
	// implies and the shape of the drawn rings.
	validate, prepare func(*T) error
	// prepareNew is prepare for a code that does not exist yet.
	prepareNew func(*T) error
	// insertArgs are the arguments of sql.insert.
	insertArgs func(v *T, g *geom.MultiPolygon, version int, at time.Time) []any
	// references checks, inside the edit's transaction, that what v names
	// (a parent, a managing unit) currently exists, holding its row when
	// hold (requireUnit).
	references func(ctx context.Context, tx pgx.Tx, v *T, hold bool) error
	// names is the unit v names ("" none), which an edit that adds the
	// reference holds against retirement (holdNamed).
	names func(v *T) string
	// namesMayChange: an edit of a stored version may name another unit
	// (an enclave's managing unit). A unit's parent is its code's prefix,
	// so only its creation adds a reference.
	namesMayChange bool
	// withinScope refuses, inside the edit's transaction, a boundary drawn
	// by a scoped token that reaches outside what the scope allows
	// (geo.WithEditScope; edits_scope.go).
	withinScope func(ctx context.Context, tx pgx.Tx, v *T, g *geom.MultiPolygon, scope string) error
	// dependants refuses to retire a code that current rows still name.
	dependants func(ctx context.Context, tx pgx.Tx, code string) error
	// repeats reports whether stored is what actor's edit would have
	// stored (a retry: geo.Unit.Repeats).
	repeats func(edit, stored *T, actor string) bool
	// warnings says what looks wrong once code's new version is written.
	warnings func(ctx context.Context, tx pgx.Tx, code string) ([]geo.ImportIssue, error)
}

// versionedSQL holds the statements every versioned table has.
type versionedSQL struct {
	get        string // the version of $2 valid at $1 (NULL: now)
	history    string // every version of $1, oldest first
	current    string // the current version of $1
	insert     string // a new version (the columns of insertArgs)
	close      string // closes the current version of $1 (of number $3; 0: any) at $2 (NULL: gridmap_stamp), returning its number and end
	maxVersion string // the highest version of $1, 0 if none
	versions   string // the current version of $1 (0: none) and its highest (0: never existed)
	retire     string // closes the current version of $1 without a successor, returning it
}

// validAt is the condition of "valid at $1 (NULL: now)", the same in every
// query. Its two arms are the planner's to pick for a NULL $1 or a time:
// for now, versions not closed (the current versions' partial indexes)
// or closed later than now (a version that starts later has a
// predecessor ending then: migration 019), both begun by now. Written as
// valid_to > coalesce($1, now()), no index served it, and listing one
// community's grids read every version of every unit (80 ms at province
// scale).
const validAt = `($1::timestamptz IS NULL AND (valid_to IS NULL OR valid_to > now()) AND valid_from <= now()
  OR $1 IS NOT NULL AND valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1))`

// versionedStatements builds a table's statements. table is one of this
// package's constants ("unit", "enclave"), never input: the text is as
// static as a literal, and every value is a bound parameter.
func versionedStatements(table, columns, insert string) versionedSQL {
	return versionedSQL{
		get:     `SELECT ` + columns + ` FROM ` + table + ` WHERE code = $2 AND ` + validAt,
		history: `SELECT ` + columns + ` FROM ` + table + ` WHERE code = $1 ORDER BY version`,
		current: `SELECT ` + columns + ` FROM ` + table + ` WHERE code = $1 AND valid_to IS NULL`,
		insert:  insert,
		close: `UPDATE ` + table + ` SET valid_to = coalesce($2, gridmap_stamp())
  WHERE code = $1 AND valid_to IS NULL AND ($3::int = 0 OR version = $3) RETURNING version, valid_to`,
		maxVersion: `SELECT coalesce(max(version), 0) FROM ` + table + ` WHERE code = $1`,
		versions: `SELECT coalesce(max(version) FILTER (WHERE valid_to IS NULL), 0), coalesce(max(version), 0) FROM ` +
			table + ` WHERE code = $1`,
		retire: `UPDATE ` + table + ` SET valid_to = gridmap_stamp() WHERE code = $1 AND valid_to IS NULL RETURNING ` + columns,
	}
}

// listVersions returns one page of the versions listSQL selects, ordered by
// code, and the cursor of the next page ("" when this is the last).
// listSQL takes $1 the time, then filters, then the box (4), the cursor
// and the limit.
func listVersions[T any](ctx context.Context, db *DB, t *boundaryTable[T], listSQL string, w geo.Window, filters ...any) ([]T, string, error) {
	var box [4]*float64
	if w.BBox != nil {
		box = [4]*float64{&w.BBox.Min[0], &w.BBox.Min[1], &w.BBox.Max[0], &w.BBox.Max[1]}
	}
	args := append([]any{nullTime(w.At)}, filters...)
	args = append(args, box[0], box[1], box[2], box[3], w.After, w.Limit+1)
	rows, err := db.Pool.Query(ctx, listSQL, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list %ss: %w", t.what, translate(err))
	}
	items, err := pgx.CollectRows(rows, t.scan)
	if err != nil {
		return nil, "", fmt.Errorf("list %ss: %w", t.what, translate(err))
	}
	return page(items, w.Limit, func(v T) string { return t.code(&v) })
}

// getVersion returns the version of code valid at at (zero: now), or ENOTFOUND.
func getVersion[T any](ctx context.Context, db *DB, t *boundaryTable[T], code string, at time.Time) (T, error) {
	rows, err := db.Pool.Query(ctx, t.sql.get, nullTime(at), code)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("get %s %s: %w", t.what, code, translate(err))
	}
	v, err := pgx.CollectExactlyOneRow(rows, t.scan)
	if err != nil {
		return v, notFound(err, t.what, code, at)
	}
	return v, nil
}

// versionHistory returns every version of code, oldest first, or ENOTFOUND.
func versionHistory[T any](ctx context.Context, db *DB, t *boundaryTable[T], code string) ([]T, error) {
	versions, err := historyOf(ctx, db.Pool, t, code)
	if err != nil && geo.ErrorCodeOf(err) != geo.ENOTFOUND {
		return nil, fmt.Errorf("%s history %s: %w", t.what, code, translate(err))
	}
	return versions, err
}

// querier runs a query: the pool, or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// historyOf reads every version of code, oldest first, or ENOTFOUND.
func historyOf[T any](ctx context.Context, q querier, t *boundaryTable[T], code string) ([]T, error) {
	rows, err := q.Query(ctx, t.sql.history, code)
	if err != nil {
		return nil, err
	}
	versions, err := pgx.CollectRows(rows, t.scan)
	if err != nil {
		return nil, err
	}
	if len(versions) == 0 {
		return nil, geo.Errorf(geo.ENOTFOUND, "code", "no %s has code %q", t.what, code)
	}
	return versions, nil
}

// currentOf reads the current version of code (pgx.ErrNoRows: none).
func currentOf[T any](ctx context.Context, q querier, t *boundaryTable[T], code string) (T, error) {
	rows, err := q.Query(ctx, t.sql.current, code)
	if err != nil {
		var zero T
		return zero, err
	}
	return pgx.CollectExactlyOneRow(rows, t.scan)
}

// reviseVersion makes v the current version of its code in one transaction:
// the current version, if any, is closed at the same instant the new one
// starts. It checks v's own fields only (no references, no warnings) and
// returns the new version number.
func reviseVersion[T any](ctx context.Context, db *DB, t *boundaryTable[T], actor string, v T) (int, error) {
	if err := t.validate(&v); err != nil {
		return 0, err
	}
	g, err := toGeom(t.geom(&v))
	if err != nil {
		return 0, geo.Invalid("geometry", "%v", err)
	}
	var version int
	err = db.inTx(ctx, actor, func(tx pgx.Tx) error {
		version, err = insertNext(ctx, tx, t, &v, g, 0)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("revise %s %s: %w", t.what, t.code(&v), err)
	}
	return version, nil
}

// insertNext closes the current version of v's code and inserts v as the
// next one, both at the transaction's clock time. It returns the new number.
// ifVersion names the version to close: 0 whichever is current, createNew
// none. A revision of version ifVersion that finds it no longer current was
// overtaken (closedMeanwhile). The clock is read as the row is closed,
// after any wait for it: an import that committed a version of the code
// meanwhile starts it at its own commit, which a clock read before the
// close preceded (a review: the close then ended that version before it
// began, a 400).
func insertNext[T any](ctx context.Context, tx pgx.Tx, t *boundaryTable[T], v *T, g *geom.MultiPolygon, ifVersion int) (int, error) {
	return insertNextAt(ctx, tx, t, v, g, time.Time{}, ifVersion)
}

// createNew is insertNext's ifVersion for a new code: no version is to be
// current, and one that an import made meanwhile is not closed (the insert
// then meets it: a conflict).
const createNew = -1

// insertNextAt is insertNext at a given instant (zero: the clock as the
// row is closed): a topology edit, which imports wait for, writes every
// boundary it changes at one instant.
func insertNextAt[T any](ctx context.Context, tx pgx.Tx, t *boundaryTable[T], v *T, g *geom.MultiPolygon, at time.Time, ifVersion int) (int, error) {
	version, closedAt, closed, err := closeCurrent(ctx, tx, t.sql, t.code(v), at, ifVersion)
	if err != nil {
		return 0, err
	}
	if ifVersion > 0 && !closed {
		return 0, closedMeanwhile(ctx, tx, t, t.code(v), ifVersion)
	}
	if closed {
		at = closedAt
	} else if at.IsZero() {
		if at, err = txNow(ctx, tx); err != nil {
			return 0, err
		}
	}
	_, err = tx.Exec(ctx, t.sql.insert, t.insertArgs(v, g, version, at)...)
	return version, err
}

// closeCurrent closes the current version of a code (of number expect; 0:
// any) at at (zero: gridmap_stamp) and returns the number the next version
// gets (1 when there was none), the end it was given, and whether there was
// one to close.
func closeCurrent(ctx context.Context, tx pgx.Tx, s versionedSQL, code string, at time.Time, expect int) (next int, closedAt time.Time, closed bool, err error) {
	var prev int
	err = tx.QueryRow(ctx, s.close, code, nullTime(at), expect).Scan(&prev, &closedAt)
	closed = err == nil
	if err == pgx.ErrNoRows {
		err = tx.QueryRow(ctx, s.maxVersion, code).Scan(&prev)
	}
	return prev + 1, closedAt, closed, err
}

// txNow is the clock time inside the transaction for a version's stamp
// (gridmap_stamp, migration 031): clock_timestamp, which unlike now() moves
// between two edits of one code in one transaction, recorded so that the
// commit moves it to the moment the transaction commits.
func txNow(ctx context.Context, tx pgx.Tx) (time.Time, error) {
	var now time.Time
	err := tx.QueryRow(ctx, `SELECT gridmap_stamp()`).Scan(&now)
	return now, err
}

// page trims a result fetched with limit+1 rows and returns the next cursor.
func page[T any](items []T, limit int, key func(T) string) ([]T, string, error) {
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	return items, key(items[limit-1]), nil
}

func notFound(err error, what, code string, at time.Time) error {
	if err != pgx.ErrNoRows {
		return fmt.Errorf("get %s %s: %w", what, code, translate(err))
	}
	if at.IsZero() {
		return geo.Errorf(geo.ENOTFOUND, "code", "no current %s has code %q", what, code)
	}
	return geo.Errorf(geo.ENOTFOUND, "code", "no %s with code %q was valid at %s", what, code, at.Format(time.RFC3339))
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func props(p map[string]any) map[string]any {
	if p == nil {
		return map[string]any{}
	}
	return p
}
