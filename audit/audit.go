// Package audit reads and refreshes the coverage audit: for every unit with
// children, the gaps its children leave (失管, unmanaged land), the children
// outside it, and the overlaps between its children and any unit of their
// level, siblings or not (land of an enclave one of them manages left out);
// and enclaves or units whose managing or parent unit does not exist.
//
// The findings of the current boundaries are stored (table audit_finding,
// view gap for the map's gap layer) and refreshed by the database in the
// same transaction as every boundary change, so reading them is fast and
// never stale; Refresh recomputes everything, e.g. after a new tolerance.
package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgerr"
	"github.com/gridmap-dev/gridmap/geo/postgres/pglock"
)

// Store answers audits from PostGIS.
type Store struct {
	Pool *pgxpool.Pool
}

var _ geo.Auditor = (*Store)(nil)

// Audit implements geo.Auditor: the stored findings under q.Unit, or
// findings computed with q.Tolerance.
func (s *Store) Audit(ctx context.Context, q geo.AuditQuery) (geo.AuditResult, error) {
	if q.Tolerance != nil {
		return s.Compute(ctx, q.Unit, *q.Tolerance)
	}
	return s.audit(ctx, q.Unit, nil)
}

// Compute audits under unit with another tolerance than the stored one,
// without storing anything.
func (s *Store) Compute(ctx context.Context, unit string, tol geo.Tolerance) (geo.AuditResult, error) {
	if err := tol.Validate(); err != nil {
		return geo.AuditResult{}, err
	}
	return s.audit(ctx, unit, &tol)
}

// Refresh recomputes every stored finding, first saving tol as the stored
// tolerance when it is not nil. It returns the number of findings.
func (s *Store) Refresh(ctx context.Context, tol *geo.Tolerance) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		if err := pglock.WaitLong(ctx, tx); err != nil {
			return err
		}
		if tol != nil {
			if err := tol.Validate(); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, setToleranceSQL, tol.AreaM2, tol.WidthM); err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, refreshSQL).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("refresh the audit: %w", pgerr.Classify(err))
	}
	return n, nil
}

// audit reads one consistent snapshot: stored findings (tol nil) or
// computed ones, plus the orphans, which are cheap to find live.
func (s *Store) audit(ctx context.Context, unit string, tol *geo.Tolerance) (geo.AuditResult, error) {
	res := geo.AuditResult{Summary: geo.AuditSummary{Unit: unit}, Findings: []geo.Finding{}}
	err := pgx.BeginTxFunc(ctx, s.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := checkUnit(ctx, tx, unit); err != nil {
			return err
		}
		if err := summaryBase(ctx, tx, unit, tol, &res.Summary); err != nil {
			return err
		}
		steps := []func(context.Context, pgx.Tx, string, *geo.Tolerance, *geo.AuditResult) error{findings, orphanEnclaves, orphanUnits}
		for _, step := range steps {
			if err := step(ctx, tx, unit, tol, &res); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("audit %s: %w", unitLabel(unit), pgerr.Classify(err))
	}
	for _, f := range res.Findings {
		res.Summary.Count(f)
	}
	return res, nil
}

func unitLabel(unit string) string {
	if unit == "" {
		return "the city"
	}
	return unit
}

func checkUnit(ctx context.Context, tx pgx.Tx, unit string) error {
	if unit == "" {
		return nil
	}
	if _, err := geo.LevelOfCode(unit); err != nil {
		return geo.Invalid("unit", "%q is not a unit code", unit)
	}
	var ok bool
	if err := tx.QueryRow(ctx, unitExistsSQL, unit).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return geo.Errorf(geo.ENOTFOUND, "unit", "no current unit has code %s", unit)
	}
	return nil
}

func summaryBase(ctx context.Context, tx pgx.Tx, unit string, tol *geo.Tolerance, s *geo.AuditSummary) error {
	if err := tx.QueryRow(ctx, parentsSQL, unit).Scan(&s.Parents); err != nil {
		return err
	}
	if tol != nil {
		s.Tolerance, s.ComputedAt = *tol, time.Now()
		return nil
	}
	var refreshed *time.Time
	if err := tx.QueryRow(ctx, refreshedSQL, unit).Scan(&refreshed); err != nil {
		return err
	}
	if refreshed != nil {
		s.ComputedAt = *refreshed
	}
	return tx.QueryRow(ctx, toleranceSQL).Scan(&s.Tolerance.AreaM2, &s.Tolerance.WidthM)
}

func findings(ctx context.Context, tx pgx.Tx, unit string, tol *geo.Tolerance, res *geo.AuditResult) error {
	var rows pgx.Rows
	if tol == nil {
		rows, _ = tx.Query(ctx, findingsSQL, unit)
	} else {
		rows, _ = tx.Query(ctx, computeSQL, unit, tol.AreaM2, tol.WidthM)
	}
	var f geo.Finding
	var kind, level string
	var parents []string
	var g []byte
	var x, y float64
	var at time.Time
	_, err := pgx.ForEachRow(rows, []any{&f.ID, &kind, &f.ParentCode, &parents, &level, &f.Codes, &f.AreaM2, &g, &x, &y, &at}, func() error {
		mp, err := wkb.Unmarshal(g)
		if err != nil {
			return fmt.Errorf("finding %d: %w", f.ID, err)
		}
		out := f
		out.Kind, out.Level, out.Location = geo.FindingKind(kind), geo.Level(level), &orb.Point{x, y}
		out.Geom, _ = mp.(orb.MultiPolygon)
		out.Codes = append(make([]string, 0, len(f.Codes)), f.Codes...) // [] not null in JSON
		if len(parents) > 1 {
			out.ParentCodes = append([]string(nil), parents...)
		}
		out.Detail = out.Explain()
		if at.After(res.Summary.ComputedAt) {
			res.Summary.ComputedAt = at
		}
		res.Findings = append(res.Findings, out)
		return nil
	})
	return err
}

func orphanEnclaves(ctx context.Context, tx pgx.Tx, unit string, _ *geo.Tolerance, res *geo.AuditResult) error {
	rows, _ := tx.Query(ctx, orphanEnclavesSQL, unit)
	var code, name, managing string
	var x, y, a float64
	_, err := pgx.ForEachRow(rows, []any{&code, &name, &managing, &x, &y, &a}, func() error {
		res.Findings = append(res.Findings, geo.Finding{Kind: geo.FindingOrphanEnclave, Codes: []string{code, managing},
			AreaM2: a, Location: &orb.Point{x, y},
			Detail: fmt.Sprintf("enclave %s %s is managed by %s, which has no current version", code, name, managing)})
		return nil
	})
	return err
}

func orphanUnits(ctx context.Context, tx pgx.Tx, unit string, _ *geo.Tolerance, res *geo.AuditResult) error {
	rows, _ := tx.Query(ctx, orphanUnitsSQL, unit)
	var code, level, parent string
	var x, y float64
	_, err := pgx.ForEachRow(rows, []any{&code, &level, &parent, &x, &y}, func() error {
		res.Findings = append(res.Findings, geo.Finding{Kind: geo.FindingOrphanUnit, ParentCode: parent, Level: geo.Level(level),
			Codes: []string{code}, Location: &orb.Point{x, y},
			Detail: fmt.Sprintf("%s %s names %s as its parent, which has no current version", level, code, parent)})
		return nil
	})
	return err
}
