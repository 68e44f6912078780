package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"

	"github.com/gridmap-dev/gridmap/geo"
)

// The checks of a single edit. An edit is checked by the same database
// functions as an import (migration 008), with the same sliver rule and the
// tolerance the stored audit uses, and its findings are worded the same way
// (geo.Finding.Issue, geo.OverlapIssue): is the boundary valid, does it stay
// inside its parent, does it overlap a sibling, does it leave its children
// outside. Two things differ by design: an invalid boundary is refused, not
// repaired (a repair the editor did not see would store a boundary nobody
// drew), and what is wrong with the neighbours alone (a gap the edit did not
// touch) is not the editor's warning.

// An edit that adds a reference to a unit (creates a child, names an
// enclave's managing unit) holds the unit against retirement until it
// commits. Without that, the edit and the unit's retirement could each pass
// their check at the same moment and both commit, leaving the child's chain
// or the enclave's reports on a retired unit. Two holds: a shared advisory
// lock on the unit's code (holdNamed), which waits for a single edit of the
// unit (lockCode takes the same key exclusively) and not for other edits
// naming it; and a share lock on its current row (requireUnit), which an
// import's retirement (it takes no code locks: it touches thousands) waits
// for, to see the dependant once this edit commits. A retirement closes the
// row before it looks for dependants (retireVersion).

// shareUnitSQL takes the shared advisory lock on a unit's code.
const shareUnitSQL = `SELECT pg_advisory_xact_lock_shared(hashtextextended('unit/' || $1, 0))`

// lockCurrentUnitSQL takes the share lock on a unit's current row.
const lockCurrentUnitSQL = `SELECT true FROM unit WHERE code = $1 AND valid_to IS NULL FOR SHARE`

const unitExistsSQL = `SELECT EXISTS (SELECT 1 FROM unit WHERE code = $1 AND valid_to IS NULL)`

// holdNamed takes the shared advisory lock on the unit code names ("" none).
func holdNamed(ctx context.Context, tx pgx.Tx, code string) error {
	if code == "" {
		return nil
	}
	_, err := tx.Exec(ctx, shareUnitSQL, code)
	return err
}

// checkParent refuses a unit whose parent does not currently exist: the
// resolver's chains follow parent codes.
func checkParent(ctx context.Context, tx pgx.Tx, u *geo.Unit, hold bool) error {
	if u.ParentCode == "" {
		return nil
	}
	return requireUnit(ctx, tx, u.ParentCode, hold, "parent_code", "no current unit has code %s; create the parent first")
}

// requireUnit returns an EINVALID error about field, worded by format
// (which takes the code), unless code is a current unit, whose row it then
// holds until the transaction ends when hold.
func requireUnit(ctx context.Context, tx pgx.Tx, code string, hold bool, field, format string) error {
	var exists bool
	if !hold {
		if err := tx.QueryRow(ctx, unitExistsSQL, code).Scan(&exists); err != nil || exists {
			return err
		}
		return geo.Invalid(field, format, code)
	}
	// A row lock that waited for an import to close the version it found
	// finds no row, though the import may have stored a successor: a fresh
	// statement looks again (three tries: each is another commit of this code).
	for try := 0; try < 3; try++ {
		var locked bool
		err := tx.QueryRow(ctx, lockCurrentUnitSQL, code).Scan(&locked)
		if err == nil {
			return nil
		}
		if err != pgx.ErrNoRows {
			return err
		}
		if err := tx.QueryRow(ctx, unitExistsSQL, code).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return geo.Invalid(field, format, code)
		}
	}
	return geo.Errorf(geo.ECONFLICT, field, "unit %s changed three times while this edit checked it; try again", code)
}

const childrenSQL = `SELECT count(*), coalesce(min(code), '') FROM unit WHERE parent_code = $1 AND valid_to IS NULL`
const managedSQL = `SELECT count(*), coalesce(min(code COLLATE "C"), '') FROM enclave WHERE managing_code = $1 AND valid_to IS NULL`

// checkNoDependants refuses to retire a unit that current units name as
// their parent or current enclaves as their managing unit.
func checkNoDependants(ctx context.Context, tx pgx.Tx, code string) error {
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
	return nil
}

// checkManaging refuses an enclave whose managing unit does not currently
// exist: its reports would land nowhere.
func checkManaging(ctx context.Context, tx pgx.Tx, e *geo.Enclave, hold bool) error {
	return requireUnit(ctx, tx, e.ManagingCode, hold, "managing_code", "no current unit has code %s")
}

const invalidDetailSQL = `SELECT reason, ST_X(location), ST_Y(location) FROM gridmap_invalid_detail($1)`

// checkValid refuses an invalid boundary, naming the reason and the spot
// (a self-intersection, a hole outside its shell) so an editor can fix it.
func checkValid(ctx context.Context, tx pgx.Tx, g *geom.MultiPolygon) error {
	var reason string
	var x, y *float64
	err := tx.QueryRow(ctx, invalidDetailSQL, g).Scan(&reason, &x, &y)
	switch {
	case err == pgx.ErrNoRows:
		return nil
	case err != nil:
		return err
	case x != nil && y != nil:
		return geo.Invalid("geometry", "invalid boundary: %s at %.7f,%.7f", reason, *x, *y)
	}
	return geo.Invalid("geometry", "invalid boundary: %s", reason)
}

// auditDirtySQL refreshes the stored audit under the parents the edit
// touched (its own parent and itself, marked by the unit triggers) and
// returns the findings, as it does for an import.
const auditDirtySQL = `SELECT kind, parent_code, level, codes, area_m2, x, y FROM gridmap_audit_store_dirty('{}')`

// overlapsTail runs gridmap_overlap_pairs over the arrays of the boundaries
// near $1 (the edited code, the only one with an index), with the stored
// tolerance, and keeps the overlaps that are not all slivers.
const overlapsTail = `
SELECT o.a_code, o.b_code, o.area_m2, o.x, o.y
FROM near, audit_config t, gridmap_overlap_pairs(near.i, near.c, near.g, t.min_area_m2, t.min_width_m) o
WHERE o.area_m2 > 0`

// districtOverlapsSQL: districts have no parent whose audit compares them.
const districtOverlapsSQL = `WITH near AS (
  SELECT array_agg(CASE WHEN d.code = $1 THEN 0 END ORDER BY d.code) AS i,
         array_agg(d.code ORDER BY d.code) AS c, array_agg(d.geom ORDER BY d.code) AS g
  FROM unit me JOIN unit d ON d.valid_to IS NULL AND d.level = 'district' AND d.geom && me.geom
  WHERE me.code = $1 AND me.valid_to IS NULL
)` + overlapsTail

// enclaveOverlapsSQL: nested enclaves are legitimate (the smallest wins),
// so an overlap is a warning to look, not an error.
const enclaveOverlapsSQL = `WITH near AS (
  SELECT array_agg(CASE WHEN o.code = $1 THEN 0 END ORDER BY o.code) AS i,
         array_agg(o.code ORDER BY o.code) AS c, array_agg(o.geom ORDER BY o.code) AS g
  FROM enclave me JOIN enclave o ON o.valid_to IS NULL AND o.geom && me.geom
  WHERE me.code = $1 AND me.valid_to IS NULL
)` + overlapsTail

// unitWarnings runs after the new version of code is written: the audit's
// findings about code, and for a district its overlaps with other districts.
func unitWarnings(ctx context.Context, tx pgx.Tx, code string) ([]geo.ImportIssue, error) {
	out, err := auditWarnings(ctx, tx, code)
	if err != nil {
		return nil, err
	}
	if level, _ := geo.LevelOfCode(code); level != geo.District {
		return out, nil
	}
	more, err := overlapWarnings(ctx, tx, districtOverlapsSQL, "district", code)
	return append(out, more...), err
}

func enclaveWarnings(ctx context.Context, tx pgx.Tx, code string) ([]geo.ImportIssue, error) {
	return overlapWarnings(ctx, tx, enclaveOverlapsSQL, "enclave", code)
}

// auditWarnings refreshes the audit the edit made dirty and words the
// findings that involve code as warnings.
func auditWarnings(ctx context.Context, tx pgx.Tx, code string) ([]geo.ImportIssue, error) {
	return auditWarningsOf(ctx, tx, func(c string) bool { return c == code })
}

// auditWarningsOf is auditWarnings for every code ours holds: the codes a
// topology edit wrote.
func auditWarningsOf(ctx context.Context, tx pgx.Tx, ours func(code string) bool) ([]geo.ImportIssue, error) {
	rows, _ := tx.Query(ctx, auditDirtySQL)
	out := []geo.ImportIssue{}
	var f geo.Finding
	var kind, level string
	var x, y float64
	_, err := pgx.ForEachRow(rows, []any{&kind, &f.ParentCode, &level, &f.Codes, &f.AreaM2, &x, &y}, func() error {
		f.Kind, f.Level, f.Location = geo.FindingKind(kind), geo.Level(level), &orb.Point{x, y}
		if !involvesAny(f, ours) {
			return nil
		}
		if is, ok := f.Issue(ours); ok {
			is.Index = 0
			out = append(out, is)
		}
		return nil
	})
	return out, err
}

// involvesAny reports whether the finding is about one of ours.
func involvesAny(f geo.Finding, ours func(string) bool) bool {
	for _, c := range append([]string{f.ParentCode}, f.Codes...) {
		if ours(c) && f.Involves(c) {
			return true
		}
	}
	return false
}

// overlapWarnings runs one of the overlap queries for code.
func overlapWarnings(ctx context.Context, tx pgx.Tx, sql, what, code string) ([]geo.ImportIssue, error) {
	rows, _ := tx.Query(ctx, sql, code)
	out := []geo.ImportIssue{}
	var a, b string
	var area, x, y float64
	_, err := pgx.ForEachRow(rows, []any{&a, &b, &area, &x, &y}, func() error {
		if a != code {
			a, b = b, a
		}
		is := geo.OverlapIssue(what, a, b, area, 0, &orb.Point{x, y})
		is.Index = 0
		out = append(out, is)
		return nil
	})
	return out, err
}
