package importer

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// run is one import in progress: its transaction, options and report.
type run struct {
	tx      pgx.Tx
	opts    geo.ImportOptions
	crs     sourceCRS
	report  *geo.ImportReport
	read    *reading
	levels  []string // levels in the file, for --retire-missing
	bad     []int32  // features found bad by the last check
	notes   int      // file-level notes reported before reading
	retired []string // the codes retired (--retire-missing), once written
}

// add records an issue about a staged feature.
func (r *run) add(idx int, code string, sev geo.Severity, kind geo.IssueKind, loc *orb.Point, format string, args ...any) {
	r.report.Add(geo.ImportIssue{Index: idx, Code: code, Severity: sev, Kind: kind, Location: loc, Message: fmt.Sprintf(format, args...)})
	if sev == geo.SeverityError && idx >= 0 {
		r.bad = append(r.bad, int32(idx))
	}
}

// flushBad takes the features found bad out of the later checks.
func (r *run) flushBad(ctx context.Context) error {
	if len(r.bad) == 0 {
		return nil
	}
	_, err := r.tx.Exec(ctx, markBadSQL, r.bad)
	r.bad = r.bad[:0]
	return err
}

// retireArgs are the parameters of retiredSQL.
func (r *run) retireArgs() []any {
	return []any{r.opts.RetireMissing, r.levels, r.opts.Scope}
}

// checkRanges applies checkRange to every staged geometry, now that the
// file's CRS is final.
func (r *run) checkRanges(ctx context.Context) error {
	for _, s := range r.read.rows {
		if e := checkRange(s.bound, r.crs); e != nil {
			r.add(s.idx, s.code, geo.SeverityError, e.Kind, nil, "%s", e.Msg)
		}
	}
	return r.flushBad(ctx)
}

// transform reprojects and reports what did not land in China.
func (r *run) transform(ctx context.Context) error {
	if err := r.reproject(ctx); err != nil {
		return fmt.Errorf("reproject: %w", err)
	}
	rows, _ := r.tx.Query(ctx, misplacedSQL)
	var idx int
	var code string
	var failed bool
	var x, y float64
	_, err := pgx.ForEachRow(rows, []any{&idx, &code, &failed, &x, &y}, func() error {
		if failed {
			r.add(idx, code, geo.SeverityError, geo.IssueOutOfRange, nil, "the coordinates cannot be transformed from %s: they lie outside the projection's domain", r.crs.Label)
		} else {
			p := orb.Point{x, y}
			r.add(idx, code, geo.SeverityError, geo.IssueOutOfRange, &p, "read as %s, the feature lies at %.4f,%.4f, outside China: the coordinate system is probably wrong; pass the srs option", r.crs.Label, x, y)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check reprojection: %w", err)
	}
	return r.flushBad(ctx)
}

// reproject transforms all features in one statement under a savepoint;
// if PROJ refuses one, it rolls back to the savepoint and goes feature by
// feature, so the refused ones become per-feature errors.
func (r *run) reproject(ctx context.Context) error {
	sp, err := r.tx.Begin(ctx)
	if err != nil {
		return err
	}
	if _, err := sp.Exec(ctx, transformSQL, r.crs.SRID, r.crs.Proj); err == nil {
		return sp.Commit(ctx)
	}
	if err := sp.Rollback(ctx); err != nil {
		return err
	}
	_, err = r.tx.Exec(ctx, safeTransformSQL, r.crs.SRID, r.crs.Proj)
	return err
}

// validate finds invalid geometry, repairs it and reports each repair.
func (r *run) validate(ctx context.Context) error {
	for _, q := range []string{invalidSQL, repairSQL} {
		if _, err := r.tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("validate geometry: %w", err)
		}
	}
	rows, _ := r.tx.Query(ctx, repairsSQL)
	var idx int
	var code, reason string
	var x, y *float64
	var before, after float64
	var empty bool
	_, err := pgx.ForEachRow(rows, []any{&idx, &code, &reason, &x, &y, &before, &after, &empty}, func() error {
		var loc *orb.Point
		if x != nil && y != nil {
			loc = &orb.Point{*x, *y}
		}
		if empty {
			r.add(idx, code, geo.SeverityError, geo.IssueInvalid, loc, "invalid geometry (%s) that ST_MakeValid cannot repair into an area", reason)
			return nil
		}
		r.report.Counts.Repaired++
		r.add(idx, code, geo.SeverityWarning, geo.IssueRepaired, loc, "invalid geometry (%s), repaired with ST_MakeValid; area %s → %s", reason, geo.FormatArea(before), geo.FormatArea(after))
		return nil
	})
	if err != nil {
		return fmt.Errorf("report repairs: %w", err)
	}
	return r.flushBad(ctx)
}

// checkScopeGeometry refuses, for an uploader limited to a scope, the
// features drawn outside it: a code under the scope is not enough, an
// enclave or a grid drawn over another district would take the reports
// there. Single edits keep the rule too (geo.WithEditScope), a little
// more loosely for units: within their parent, which for the scope unit
// itself lies outside the scope; an import holds even that unit within its
// current outline.
func (r *run) checkScopeGeometry(ctx context.Context) error {
	if r.opts.Within == "" {
		return nil
	}
	rows, _ := r.tx.Query(ctx, outsideScopeSQL, r.opts.Within, geo.ScopeEdgeToleranceM, geo.ScopeAreaFloorM2)
	var idx int
	var code string
	var area, x, y float64
	_, err := pgx.ForEachRow(rows, []any{&idx, &code, &area, &x, &y}, func() error {
		r.add(idx, code, geo.SeverityError, geo.IssueOutsideScope, &orb.Point{x, y},
			"%s of the feature lie outside %s, the area this token may change", geo.FormatArea(area), r.opts.Within)
		return nil
	})
	if err != nil {
		return fmt.Errorf("check the scope's land: %w", err)
	}
	return r.flushBad(ctx)
}

// checkParents reports parents that are neither in the file nor stored.
func (r *run) checkParents(ctx context.Context) error {
	if _, err := r.tx.Exec(ctx, holdParentsSQL); err != nil {
		return fmt.Errorf("hold the parents: %w", err)
	}
	rows, _ := r.tx.Query(ctx, unknownParentSQL, r.retireArgs()...)
	var idx int
	var code, parent string
	_, err := pgx.ForEachRow(rows, []any{&idx, &code, &parent}, func() error {
		what := "is not in the file and is not a current unit"
		if r.opts.RetireMissing {
			what += " (or would be retired)"
		}
		r.add(idx, code, geo.SeverityError, geo.IssueUnknownParent, nil, "the parent %s %s; import it first or with this file", parent, what)
		return nil
	})
	if err != nil {
		return fmt.Errorf("check parents: %w", err)
	}
	if err := r.checkParentNames(ctx); err != nil {
		return fmt.Errorf("check parents' names: %w", err)
	}
	return r.flushBad(ctx)
}

// checkParentNames warns of features whose file names a parent other than
// the one their code says. The code decides (codes are the identity and
// nest by prefix), but a name that disagrees is most often a code typed
// wrong, and the feature would land in the wrong community unnoticed.
func (r *run) checkParentNames(ctx context.Context) error {
	rows, _ := r.tx.Query(ctx, parentNameSQL)
	var idx int
	var code, named, parent, name string
	_, err := pgx.ForEachRow(rows, []any{&idx, &code, &named, &parent, &name}, func() error {
		r.add(idx, code, geo.SeverityWarning, geo.IssueParentMismatch, nil,
			"the file names its parent %s, but the code's parent %s is %s; check the code (the code decides where it is filed)",
			clipText(named, 40), parent, name)
		return nil
	})
	return err
}

// checkDistricts reports districts that overlap each other.
func (r *run) checkDistricts(ctx context.Context) error {
	args := append(r.retireArgs(), r.opts.Tolerance.AreaM2, r.opts.Tolerance.WidthM)
	if err := r.overlapPairs(ctx, "district", districtOverlapSQL, args...); err != nil {
		return fmt.Errorf("check district overlaps: %w", err)
	}
	return nil
}

// overlapPairs reports the pairs of overlapping boundaries (districts,
// enclaves: what) a gridmap_overlap_pairs query finds, on the side of the
// one in the file.
func (r *run) overlapPairs(ctx context.Context, what, sql string, args ...any) error {
	rows, _ := r.tx.Query(ctx, sql, args...)
	var ai, bi *int
	var ac, bc string
	var real, sliver float64
	var x, y *float64
	_, err := pgx.ForEachRow(rows, []any{&ai, &ac, &bi, &bc, &real, &sliver, &x, &y}, func() error {
		idx, code, other := -1, ac, bc
		if ai != nil {
			idx = *ai
		} else if bi != nil {
			idx, code, other = *bi, bc, ac
		}
		var loc *orb.Point
		if x != nil && y != nil {
			loc = &orb.Point{*x, *y}
		}
		is := geo.OverlapIssue(what, code, other, real, sliver, loc)
		is.Index = idx
		r.report.Add(is)
		return nil
	})
	return err
}
