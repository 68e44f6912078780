package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gridmap-dev/gridmap/audit"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

const auditUsage = `Usage: gridmap audit [flags]

Lists the coverage defects of the current boundaries: gaps (land of a unit
that none of its children covers), overlaps between units of one level
(siblings, or children of different parents: a grid drawn over another
district's grids), children outside their parent, enclaves and units whose managing or parent unit does
not exist. The findings are kept fresh by the database on every change;
--refresh recomputes them all.

Flags:
`

func runAudit(ctx context.Context, args []string) error {
	var url, unit, geojsonOut string
	var jsonOut, refresh bool
	var minArea, minWidth float64
	fs := newFlags("audit", &url)
	fs.Usage = func() { fmt.Fprint(fs.Output(), auditUsage); fs.PrintDefaults() }
	fs.StringVar(&unit, "unit", "", "audit only this unit and the units below it")
	fs.BoolVar(&jsonOut, "json", false, "print the summary and findings as JSON on stdout")
	fs.StringVar(&geojsonOut, "geojson", "", `write the findings as a GeoJSON FeatureCollection to this file ("-" for stdout)`)
	fs.BoolVar(&refresh, "refresh", false, "recompute every stored finding (with --min-area/--min-width: and keep that tolerance)")
	fs.Float64Var(&minArea, "min-area", -1, "gaps and overlaps under this many m² are slivers (default: the stored tolerance)")
	fs.Float64Var(&minWidth, "min-width", -1, "gaps and overlaps thinner than this many metres are slivers (default: the stored tolerance)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	db, err := postgres.OpenAsIs(ctx, url, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	store := &audit.Store{Pool: db.Pool}
	tol := customTolerance(minArea, minWidth)
	res, took, err := doAudit(ctx, store, unit, refresh, tol)
	if err != nil {
		return err
	}
	return writeAudit(res, took, jsonOut, geojsonOut)
}

// customTolerance is nil unless a flag sets one; an unset half takes the default.
func customTolerance(area, width float64) *geo.Tolerance {
	if area < 0 && width < 0 {
		return nil
	}
	t := geo.DefaultTolerance
	if area >= 0 {
		t.AreaM2 = area
	}
	if width >= 0 {
		t.WidthM = width
	}
	return &t
}

func doAudit(ctx context.Context, store *audit.Store, unit string, refresh bool, tol *geo.Tolerance) (geo.AuditResult, time.Duration, error) {
	start := time.Now()
	if refresh {
		fmt.Fprintln(os.Stderr, "recomputing the audit of every unit…")
		if _, err := store.Refresh(ctx, tol); err != nil {
			return geo.AuditResult{}, 0, err
		}
		tol = nil
	}
	var res geo.AuditResult
	var err error
	if tol != nil {
		res, err = store.Compute(ctx, unit, *tol)
	} else {
		res, err = store.Audit(ctx, geo.AuditQuery{Unit: unit})
	}
	return res, time.Since(start), err
}

func writeAudit(res geo.AuditResult, took time.Duration, jsonOut bool, geojsonOut string) error {
	if geojsonOut != "" {
		var w io.Writer = os.Stdout
		if geojsonOut != "-" {
			f, err := os.Create(geojsonOut)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		if err := json.NewEncoder(w).Encode(audit.FeatureCollection(res)); err != nil {
			return err
		}
	}
	if jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	// The report is the command's output, unless the GeoJSON is (then the
	// report is a note beside it).
	var report io.Writer = os.Stdout
	if geojsonOut == "-" {
		report = os.Stderr
	}
	printAudit(report, res, took)
	return nil
}

// maxAuditPrinted bounds the findings printed on a terminal.
const maxAuditPrinted = 100

func printAudit(w io.Writer, res geo.AuditResult, took time.Duration) {
	s := res.Summary
	scope := "the whole city"
	if s.Unit != "" {
		scope = s.Unit + " and the units below it"
	}
	fmt.Fprintf(w, "coverage audit of %s (%d units with children; slivers under %g m² or %g m wide ignored), %s\n",
		scope, s.Parents, s.Tolerance.AreaM2, s.Tolerance.WidthM, took.Round(time.Millisecond))
	fmt.Fprintf(w, "  gaps %d (%.0f m²), overlaps %d (%.0f m²), outside parent %d, orphan enclaves %d, orphan units %d\n",
		s.Gaps, s.GapAreaM2, s.Overlaps, s.OverlapAreaM2, s.Outside, s.OrphanEnclaves, s.OrphanUnits)
	for i, f := range res.Findings {
		if i == maxAuditPrinted {
			fmt.Fprintf(w, "  … and %d more (use --json or --geojson)\n", len(res.Findings)-maxAuditPrinted)
			break
		}
		fmt.Fprintf(w, "  %s\n", findingLine(f))
	}
}

func findingLine(f geo.Finding) string {
	loc := ""
	if f.Location != nil {
		loc = fmt.Sprintf(" at %.6f,%.6f", f.Location[0], f.Location[1])
	}
	switch f.Kind {
	case geo.FindingGap:
		return fmt.Sprintf("gap      in %s: %.0f m² no %s covers%s", f.ParentCode, f.AreaM2, f.Level, loc)
	case geo.FindingOverlap:
		in := f.ParentCode
		if len(f.ParentCodes) > 1 { // across parents: both are named
			in = strings.Join(f.ParentCodes, " and ")
		}
		return fmt.Sprintf("overlap  in %s: %s and %s share %.0f m²%s", in, f.Codes[0], f.Codes[1], f.AreaM2, loc)
	case geo.FindingOutside:
		into := ""
		if len(f.Codes) > 1 { // the unit of the parent's level it mostly lies in
			into = ", mostly into " + f.Codes[1]
		}
		return fmt.Sprintf("outside  %s sticks out of %s by %.0f m²%s%s", f.Codes[0], f.ParentCode, f.AreaM2, into, loc)
	}
	return fmt.Sprintf("%-8s %s%s", f.Kind, f.Detail, loc)
}
