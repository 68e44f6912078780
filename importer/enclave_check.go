package importer

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// The checks of an enclave import, after the ones every import runs (ranges,
// reprojection, validity): is the managing unit a current unit, may the
// uploader write it, does the enclave lie in the city, is it an enclave at
// all, and does it overlap another. Each takes the enclaves it finds bad
// out of the ones after it.

// enclaveSteps lists the checks in order.
func (r *run) enclaveSteps() []checkStep {
	return []checkStep{
		{"finding the managing units", r.checkManaging},
		{"checking the scope", r.checkEnclaveScope},
		{"checking the districts", r.checkInDistricts},
		{"checking the managing units' land", r.checkOwnChain},
		{"checking enclave overlaps", r.checkEnclaveOverlaps},
	}
}

// checkManaging finds each managing unit among the current units, by code
// or by name, and reports the ones that are not there.
func (r *run) checkManaging(ctx context.Context) error {
	if _, err := r.tx.Exec(ctx, findManagingSQL); err != nil {
		return fmt.Errorf("find managing units: %w", err)
	}
	if _, err := r.tx.Exec(ctx, holdManagingSQL); err != nil {
		return fmt.Errorf("hold the managing units: %w", err)
	}
	rows, _ := r.tx.Query(ctx, unknownManagingSQL)
	var idx int
	var code, managing string
	var isCode bool
	var named int
	var x, y float64
	_, err := pgx.ForEachRow(rows, []any{&idx, &code, &managing, &isCode, &named, &x, &y}, func() error {
		loc := &orb.Point{x, y}
		switch {
		case isCode:
			r.add(idx, code, geo.SeverityError, geo.IssueUnknownManaging, loc, "the managing unit %s is not a current unit", managing)
		case named == 0:
			r.add(idx, code, geo.SeverityError, geo.IssueUnknownManaging, loc, "no current unit is named %q; give the managing unit's code", clipText(managing, 40))
		default:
			r.add(idx, code, geo.SeverityError, geo.IssueUnknownManaging, loc, "%d current units are named %q; give the managing unit's code", named, clipText(managing, 40))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check managing units: %w", err)
	}
	return r.flushBad(ctx)
}

// checkEnclaveScope refuses, for an uploader limited to a scope, the
// enclaves managed outside it, and the stored ones managed outside it that
// the file would change: an enclave belongs to its managing unit.
func (r *run) checkEnclaveScope(ctx context.Context) error {
	if r.opts.Within == "" {
		return nil
	}
	rows, _ := r.tx.Query(ctx, enclaveScopeSQL, r.opts.Within)
	var idx int
	var code, managing string
	_, err := pgx.ForEachRow(rows, []any{&idx, &code, &managing}, func() error {
		r.add(idx, code, geo.SeverityError, geo.IssueBadCode, nil, "enclave %s is managed by %s, outside %s, the scope this import may change", code, managing, r.opts.Within)
		return nil
	})
	if err != nil {
		return fmt.Errorf("check the scope: %w", err)
	}
	return r.flushBad(ctx)
}

// checkInDistricts refuses enclaves outside every district (the resolver
// would answer "outside" there whatever the enclave says) and warns about
// ones that stick out of the districts.
func (r *run) checkInDistricts(ctx context.Context) error {
	rows, _ := r.tx.Query(ctx, outsideDistrictsSQL, r.opts.Tolerance.AreaM2, r.opts.Tolerance.WidthM)
	var idx int
	var code string
	var wholly bool
	var area float64
	var x, y *float64
	_, err := pgx.ForEachRow(rows, []any{&idx, &code, &wholly, &area, &x, &y}, func() error {
		loc := pointOf(x, y)
		if wholly {
			r.add(idx, code, geo.SeverityError, geo.IssueOutsideDistricts, loc, "the enclave lies outside every district: wrong coordinates, or the districts are not imported yet")
			return nil
		}
		is := geo.ImportIssue{Index: idx, Code: code, Severity: geo.SeverityWarning, Kind: geo.IssueOutsideDistricts, Location: loc, AreaM2: area,
			Message: fmt.Sprintf("%s of the enclave lies outside every district", geo.FormatArea(area))}
		r.report.Add(is)
		return nil
	})
	if err != nil {
		return fmt.Errorf("check districts: %w", err)
	}
	return r.flushBad(ctx)
}

// checkOwnChain refuses enclaves whose managing unit covers most of them:
// that unit is one of the units the land lies in, so it answers for it
// anyway — no enclave at all.
func (r *run) checkOwnChain(ctx context.Context) error {
	rows, _ := r.tx.Query(ctx, ownChainSQL)
	var idx int
	var code, managing, level string
	var share, x, y float64
	_, err := pgx.ForEachRow(rows, []any{&idx, &code, &managing, &level, &share, &x, &y}, func() error {
		if share <= 0.5 {
			return nil
		}
		r.add(idx, code, geo.SeverityError, geo.IssueNotEnclave, &orb.Point{x, y},
			"not an enclave: it lies in its managing unit, %s %s (%.0f%% of it), which answers for that land anyway; name the unit that manages it from outside, or leave it out (a 属地化 enclave whose land is now its own unit's is no enclave)",
			level, managing, 100*share)
		return nil
	})
	if err != nil {
		return fmt.Errorf("check managing units' land: %w", err)
	}
	return r.flushBad(ctx)
}

// checkEnclaveOverlaps warns about enclaves that overlap each other or the
// stored ones that stay.
func (r *run) checkEnclaveOverlaps(ctx context.Context) error {
	args := []any{r.opts.RetireMissing, r.opts.Scope, r.opts.Tolerance.AreaM2, r.opts.Tolerance.WidthM}
	if err := r.overlapPairs(ctx, "enclave", enclaveOverlapSQL, args...); err != nil {
		return fmt.Errorf("check enclave overlaps: %w", err)
	}
	return nil
}

// pointOf is a location from two nullable coordinates.
func pointOf(x, y *float64) *orb.Point {
	if x == nil || y == nil {
		return nil
	}
	return &orb.Point{*x, *y}
}

// writeEnclaves writes the new enclave versions at one instant, once the
// rows they may close are locked (as writeUnits), and counts them.
func (r *run) writeEnclaves(ctx context.Context) error {
	now, err := r.lockClosed(ctx, lockClosedEnclavesSQL, r.opts.RetireMissing, r.opts.Scope)
	if err != nil {
		return err
	}
	for _, q := range []string{createActionSQL, classifyEnclavesSQL} {
		if _, err := r.tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("compare with stored enclaves: %w", err)
		}
	}
	if err := r.countActions(ctx); err != nil {
		return err
	}
	if _, err := r.tx.Exec(ctx, closeChangedEnclavesSQL, now); err != nil {
		return fmt.Errorf("close changed enclaves: %w", err)
	}
	if r.opts.RetireMissing {
		rows, _ := r.tx.Query(ctx, retireEnclavesSQL, true, r.opts.Scope, now)
		units, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Retired, error) {
			u := Retired{Level: geo.LevelEnclave}
			return u, row.Scan(&u.Code, &u.Name)
		})
		if err != nil {
			return fmt.Errorf("retire missing enclaves: %w", err)
		}
		r.report.Counts.Retired = len(units)
		r.retiring(units)
	}
	if _, err := r.tx.Exec(ctx, insertEnclavesSQL, now); err != nil {
		return fmt.Errorf("insert enclave versions: %w", err)
	}
	return nil
}
