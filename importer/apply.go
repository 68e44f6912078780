package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// apply writes the new versions in the import's transaction and audits the
// result. Whether it is committed is decided by the caller.
func (r *run) apply(ctx context.Context, job int64) error {
	// The change log's rows name the import (migration 024), in any
	// savepoint they are written in.
	detail, _ := json.Marshal(map[string]any{"import_job": job, "source": r.report.Source})
	if _, err := r.tx.Exec(ctx, `SELECT set_config('gridmap.change_detail', $1, true)`, string(detail)); err != nil {
		return fmt.Errorf("name the import in the change log: %w", err)
	}
	var retired []string
	var err error
	if r.opts.Enclaves() {
		err = r.writeEnclaves(ctx)
	} else {
		retired, err = r.writeUnits(ctx)
	}
	if err != nil {
		return err
	}
	if _, err := r.tx.Exec(ctx, repairLogSQL, r.report.Source); err != nil {
		return fmt.Errorf("log repairs: %w", err)
	}
	if r.opts.Enclaves() {
		return nil // enclaves take no part in the coverage audit of units
	}
	return r.auditAffected(ctx, retired)
}

// writeUnits writes the new unit versions at one instant, taken once the
// rows they may close are locked and before they are compared with the
// file (lockClosedSQL); it returns the retired codes and their parents.
func (r *run) writeUnits(ctx context.Context) ([]string, error) {
	now, err := r.lockClosed(ctx, lockClosedSQL, r.retireArgs()...)
	if err != nil {
		return nil, err
	}
	if err := r.classify(ctx); err != nil {
		return nil, err
	}
	if _, err := r.tx.Exec(ctx, closeChangedSQL, now); err != nil {
		return nil, fmt.Errorf("close changed versions: %w", err)
	}
	retired, err := r.retire(ctx, now)
	if err != nil {
		return nil, err
	}
	if _, err := r.tx.Exec(ctx, insertSQL, now); err != nil {
		return nil, fmt.Errorf("insert new versions: %w", err)
	}
	return retired, nil
}

// lockClosed locks the current rows the import may close (in the file or
// retired: lockSQL with args, which counts them) and then returns the
// instant its versions are written at. A child created under a unit the
// import retires holds the unit's row (FOR SHARE) until it commits: the
// lock waits for it, and a statement begun before that commit would
// neither see the child (it stayed under the retired unit, an orphan no
// one-at-a-time order makes) nor be able to close it at an instant taken
// before it began (valid_to before valid_from: the import failed on the
// table's check). So the rows are locked again until a pass finds no
// more, and only then is the instant taken; a child created later waits
// for the import and finds its parent retired.
func (r *run) lockClosed(ctx context.Context, lockSQL string, args ...any) (time.Time, error) {
	for pass, locked := 0, -1; pass < 10; pass++ {
		var n int
		if err := r.tx.QueryRow(ctx, lockSQL, args...).Scan(&n); err != nil {
			return time.Time{}, fmt.Errorf("lock the versions to close: %w", err)
		}
		if n == locked {
			break
		}
		locked = n
	}
	return clock(ctx, r.tx)
}

// clock is the database's clock now (not the transaction's start), for the
// versions' stamps: gridmap_stamp records it, and the commit moves it to
// the moment the import commits (migration 031).
func clock(ctx context.Context, tx pgx.Tx) (time.Time, error) {
	var now time.Time
	err := tx.QueryRow(ctx, `SELECT gridmap_stamp()`).Scan(&now)
	return now, err
}

// classify marks each feature create, keep or change and counts them.
func (r *run) classify(ctx context.Context) error {
	if err := r.keepProperties(ctx); err != nil {
		return err
	}
	for _, q := range []string{createActionSQL, movedSQL, classifySQL} {
		if _, err := r.tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("compare with stored versions: %w", err)
		}
	}
	return r.countActions(ctx)
}

// keepProperties gives each feature the stored properties the file has no
// column for, and notes which they are.
func (r *run) keepProperties(ctx context.Context) error {
	rows, _ := r.tx.Query(ctx, keptPropsSQL)
	var key string
	var units int
	var kept []string
	_, err := pgx.ForEachRow(rows, []any{&key, &units}, func() error {
		kept = append(kept, fmt.Sprintf("%s (%d)", key, units))
		return nil
	})
	if err != nil {
		return fmt.Errorf("find the properties the file lacks: %w", err)
	}
	if len(kept) > 0 {
		r.report.Add(geo.ImportIssue{Index: -1, Severity: geo.SeverityNote, Kind: geo.IssueKeptProperties,
			Message: "the file has no column for these properties of stored units, which keep their values (units per property): " +
				strings.Join(kept, ", ") + "; to clear one, include its column with empty values"})
	}
	if _, err := r.tx.Exec(ctx, mergePropsSQL); err != nil {
		return fmt.Errorf("keep the properties the file lacks: %w", err)
	}
	return nil
}

// countActions counts the features to create, change and keep.
func (r *run) countActions(ctx context.Context) error {
	rows, _ := r.tx.Query(ctx, countActionsSQL)
	var action string
	var n int
	_, err := pgx.ForEachRow(rows, []any{&action, &n}, func() error {
		switch action {
		case "create":
			r.report.Counts.Created = n
		case "change":
			r.report.Counts.Changed = n
		case "keep":
			r.report.Counts.Unchanged = n
		}
		return nil
	})
	return err
}

// retire closes the units the file no longer has and warns about the
// children they leave behind. It returns the retired codes and their parents.
func (r *run) retire(ctx context.Context, now time.Time) ([]string, error) {
	if !r.opts.RetireMissing {
		return nil, nil
	}
	var code, parent, name, level string
	var codes, touched []string
	var units []Retired
	// Again until a pass retires nothing: a unit created under one being
	// retired after lockClosed's last pass holds its parent's row, so the
	// pass waits for it and does not see it (a statement's snapshot is taken
	// when it begins); the next pass does. One begun after the import's
	// instant cannot be closed at it: applyOvertaken applies the import
	// again with a later instant.
	for pass, found := 0, true; found && pass < 10; pass++ {
		rows, _ := r.tx.Query(ctx, retireSQL, append(r.retireArgs(), now)...)
		found = false
		_, err := pgx.ForEachRow(rows, []any{&code, &parent, &name, &level}, func() error {
			found = true
			codes = append(codes, code)
			touched = append(touched, code, parent)
			units = append(units, Retired{Code: code, Name: name, Level: geo.Level(level)})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("retire missing units: %w", err)
		}
	}
	r.report.Counts.Retired = len(codes)
	r.retired = codes
	r.retiring(units)
	if err := r.checkDependants(ctx, codes); err != nil {
		return nil, err
	}
	return touched, nil
}

// checkDependants refuses to retire a unit that current rows still name,
// as a single retirement's 409 does: a current child of a retired unit
// answers with a chain that stops at it (no street, no district for a
// report there), and an enclave managed by one sends its reports to nobody.
// (Children were a warning: a file of communities lacking one left its
// grids current under it, and a resolve inside them named no street — a
// tenth attacker.) A file holding their level too retires them with it.
func (r *run) checkDependants(ctx context.Context, retired []string) error {
	var code, first string
	var n int
	rows, _ := r.tx.Query(ctx, orphansSQL, retired)
	if _, err := pgx.ForEachRow(rows, []any{&code, &n, &first}, func() error {
		r.add(-1, code, geo.SeverityError, geo.IssueOrphaned, nil,
			"cannot retire it: %d current units (first %s) name it as their parent; retire them too (their level in the file, under the same scope) or keep it", n, first)
		return nil
	}); err != nil {
		return fmt.Errorf("find the retired units' children: %w", err)
	}
	rows, _ = r.tx.Query(ctx, unmanagedSQL, retired)
	_, err := pgx.ForEachRow(rows, []any{&code, &n, &first}, func() error {
		r.add(-1, code, geo.SeverityError, geo.IssueOrphaned, nil,
			"cannot retire it: %d current enclaves (first %s) name it as their managing unit; retire or reassign them first", n, first)
		return nil
	})
	if err != nil {
		return fmt.Errorf("find the enclaves the retired units manage: %w", err)
	}
	return nil
}

// auditAffected audits the parents the import touched and reports gaps,
// overlaps, children outside their parent and slivers.
func (r *run) auditAffected(ctx context.Context, extra []string) error {
	var affected []string
	if err := r.tx.QueryRow(ctx, affectedSQL, extra).Scan(&affected); err != nil {
		return fmt.Errorf("list the affected units: %w", err)
	}
	var stored geo.Tolerance
	if err := r.tx.QueryRow(ctx, storedToleranceSQL).Scan(&stored.AreaM2, &stored.WidthM); err != nil {
		return fmt.Errorf("read the audit tolerance: %w", err)
	}
	var rows pgx.Rows
	c := r.report.Counts
	if stored == r.opts.Tolerance && c.Created+c.Changed+c.Retired > 0 {
		rows, _ = r.tx.Query(ctx, storeAffectedSQL, affected)
	} else {
		// The commit refreshes the stored findings with their own tolerance;
		// and a file that changes nothing leaves them (and the data version,
		// which storing them would move, and every tile cache with it) alone.
		rows, _ = r.tx.Query(ctx, auditAffectedSQL, affected, r.opts.Tolerance.AreaM2, r.opts.Tolerance.WidthM)
	}
	var kind, parent, level string
	var codes []string
	var a, x, y float64
	var slivers []sliver
	var found []geo.ImportIssue
	_, err := pgx.ForEachRow(rows, []any{&kind, &parent, &level, &codes, &a, &x, &y}, func() error {
		loc := orb.Point{x, y}
		if kind == "sliver" {
			slivers = append(slivers, sliver{parent: parent, codes: codes, area: a, loc: loc})
			return nil
		}
		if is, ok := r.finding(geo.FindingKind(kind), parent, geo.Level(level), codes, a, loc); ok {
			found = append(found, is)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("audit the affected units: %w", err)
	}
	for _, is := range found { // asked once the findings' rows are read: one connection
		if is.Kind == geo.IssueOutsideParent && is.LiesIn == "" {
			r.whereOutside(ctx, &is)
		}
		r.report.Add(is)
	}
	return r.reportSlivers(ctx, slivers)
}

// finding turns one audit finding into a warning on the feature concerned,
// in the words an edit gets too.
func (r *run) finding(kind geo.FindingKind, parent string, level geo.Level, codes []string, a float64, loc orb.Point) (geo.ImportIssue, bool) {
	f := geo.Finding{Kind: kind, ParentCode: parent, Level: level, Codes: codes, AreaM2: a, Location: &loc}
	is, ok := f.Issue(func(code string) bool { return r.indexOf(code) >= 0 })
	is.Index = r.indexOf(is.Code)
	return is, ok
}

// whereOutside says where a unit sticking out of its parent lies when no
// unit of the parent's level is there (the audit names one that is): in
// the finest unit at a point of it, and whether it lies outside its parent
// wholly — a wrong parent code or misplaced coordinates, not a drawing
// that strays. Best effort: the warning stands as it is without it.
func (r *run) whereOutside(ctx context.Context, is *geo.ImportIssue) {
	var area float64
	var in, name *string
	if err := r.tx.QueryRow(ctx, whereOutsideSQL, is.Code).Scan(&area, &in, &name); err != nil || in == nil {
		return
	}
	level, _ := geo.LevelOfCode(*in)
	is.LiesIn = *in
	if area > 0 && is.AreaM2 >= 0.99*area {
		is.Message = fmt.Sprintf("lies wholly outside its parent %s (%s): it is in %s %s %s; a wrong parent code, or misplaced coordinates?",
			is.Other, geo.FormatArea(is.AreaM2), level, *name, *in)
		return
	}
	is.Message += fmt.Sprintf(", into %s %s %s", level, *name, *in)
}

// indexOf is the position of a code in the file, or -1.
func (r *run) indexOf(code string) int {
	if i, ok := r.read.m.seen[code]; ok {
		return i
	}
	return -1
}

// auditTheRest writes the features without errors in a savepoint, audits
// them and rolls the savepoint back, so that a file with errors is told
// its gaps, overlaps and slivers in the same report: a newcomer fixed the
// errors only to be told of an overlap by the next upload. The counts stay
// those of a refused import; if the writing fails (a feature whose parent
// is one of the bad ones, say), the report says the checks were not run.
func (r *run) auditTheRest(ctx context.Context, job int64) error {
	if r.opts.Enclaves() {
		return nil // enclaves take no part in the coverage audit
	}
	sp, err := r.tx.Begin(ctx)
	if err != nil {
		return err
	}
	counts := r.report.Counts
	err = r.applyOvertaken(ctx, job)
	r.report.Counts, r.report.RetiredUnits = counts, nil
	if rerr := sp.Rollback(ctx); rerr != nil {
		return rerr
	}
	msg := "the coverage checks (gaps, overlaps, slivers) ran over the features without errors"
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msg = "the coverage checks (gaps, overlaps, slivers) could not run until the errors are fixed"
	}
	r.report.Add(geo.ImportIssue{Index: -1, Severity: geo.SeverityNote, Kind: geo.IssueCoverageChecks, Message: msg})
	return nil
}
