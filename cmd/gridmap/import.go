package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"sort"
	"strings"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/importer"
)

const importUsage = `Usage: gridmap import [flags] FILE...

Imports boundaries from a GeoJSON file, a shapefile (its .shp, with the
.dbf, .prj, .cpg beside it; or a .zip of them) or a GeoPackage, in one
transaction: new codes are inserted, changed ones get a new version,
unchanged ones are left alone. A file with errors changes nothing.
--level enclave imports enclaves (飞地): code, name, managing unit (its code
or name), status and reason.

Flags:
`

// importFlags holds the flags of "gridmap import".
type importFlags struct {
	url      string
	opts     geo.ImportOptions
	level    string
	props    string
	jsonOut  bool
	minArea  float64
	minWidth float64
}

func parseImportFlags(args []string) (*importFlags, []string, error) {
	f := &importFlags{}
	fs := newFlags("import", &f.url)
	fs.Usage = func() { fmt.Fprint(fs.Output(), importUsage); fs.PrintDefaults() }
	o := &f.opts
	fs.StringVar(&f.level, "level", "", "level of every feature: district, street, community, grid, microgrid, or enclave for an enclave list (default: from the level field or the code length)")
	fs.StringVar(&o.Fields.Code, "code-field", "", "attribute holding the unit code (default: guessed: code, 编码, wgbm, ...)")
	fs.StringVar(&o.Fields.Name, "name-field", "", "attribute holding the name (default: guessed: name, 名称, wgmc, ...)")
	fs.StringVar(&o.Fields.Parent, "parent-field", "", "attribute holding the parent code (default: guessed; else the code's prefix)")
	fs.StringVar(&o.Fields.Level, "level-field", "", "attribute holding the level (default: guessed)")
	fs.StringVar(&o.Fields.Managing, "managing-field", "", "enclaves: attribute holding the managing unit's code or name (default: guessed: managing_code, 管理单位编码, 托管单位, ...)")
	fs.StringVar(&o.Fields.Status, "status-field", "", "enclaves: attribute holding the status: custodial/代管, transferred/属地化, unmanaged/失管 (default: guessed: status, 状态; none: custodial)")
	fs.StringVar(&o.Fields.Reason, "reason-field", "", "enclaves: attribute holding the reason (default: guessed: reason, 原因, 成因)")
	fs.StringVar(&f.props, "props", "*", `attributes kept in properties: comma-separated names, "*" for all others, "none"`)
	fs.StringVar(&o.SRS, "srs", "", "coordinate system of the file, overriding .prj/srs/crs: EPSG:4547, 4490, wgs84, cgcs2000, gcj02, bd09")
	fs.StringVar(&o.Encoding, "encoding", "", "attribute encoding, overriding .cpg and detection: utf-8, gbk, gb18030")
	fs.StringVar(&o.Layer, "layer", "", "GeoPackage layer (or shapefile in a zip) when there are several")
	fs.BoolVar(&o.DryRun, "dry-run", false, "check everything and report, change nothing")
	fs.BoolVar(&o.RetireMissing, "retire-missing", false, "close current units of the imported levels that the file no longer has (needs --scope)")
	fs.StringVar(&o.Scope, "scope", "", `with --retire-missing: only retire units under this code (enclaves: managed under it); "all" for the whole database`)
	fs.BoolVar(&o.Strict, "strict", false, "treat warnings as errors")
	fs.Float64Var(&f.minArea, "min-area", geo.DefaultTolerance.AreaM2, "gaps and overlaps under this many m² are slivers")
	fs.Float64Var(&f.minWidth, "min-width", geo.DefaultTolerance.WidthM, "gaps and overlaps thinner than this many metres (2·area/perimeter) are slivers")
	fs.StringVar(&o.Actor, "actor", defaultActor(), "who imports, for the change log")
	fs.BoolVar(&f.jsonOut, "json", false, "print the report as JSON on stdout")
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, err
	}
	if fs.NArg() == 0 {
		return nil, nil, usagef("no file given (see \"gridmap import -h\")")
	}
	o.Level = geo.Level(f.level)
	o.Fields.Props = splitList(f.props)
	o.Tolerance = geo.Tolerance{AreaM2: f.minArea, WidthM: f.minWidth}
	if err := importer.CheckOptions(*o); err != nil {
		return nil, nil, usagef("%v", err)
	}
	return f, fs.Args(), nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func defaultActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "cli"
}

func runImport(ctx context.Context, args []string) error {
	f, files, err := parseImportFlags(args)
	if err != nil {
		return err
	}
	if err := checkFiles(files); err != nil {
		return err
	}
	db, err := openPrimary(ctx, f.url, "import") // its checks run in a transaction with staging tables
	if err != nil {
		return err
	}
	defer db.Close()
	// The command has no resolver to wait for: the data version the commit
	// left is the one a client names (min_version) to read the import.
	jobs := &importer.Jobs{Pool: db.Pool, Base: ctx, Applied: db.HeadVersion}
	f.opts.Actor = fmt.Sprintf("%s (import)", f.opts.Actor)
	id, err := jobs.Create(ctx, strings.Join(baseNamesOf(files), ", "), f.opts, geo.JobRunning)
	if err != nil {
		return err
	}
	p := newBar(os.Stderr)
	rep, err := jobs.RunJob(ctx, id, files, f.opts, p)
	p.Done()
	if f.jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if rep != nil {
			_ = enc.Encode(rep)
		}
	} else if rep != nil && (err == nil || len(rep.Issues) > 0) {
		printReport(rep, id) // a file that cannot be read at all is said in one line, below
	}
	if err != nil {
		return fmt.Errorf("job %d: %w", id, err)
	}
	if !rep.Committed && !(rep.DryRun && rep.Errors == 0) {
		return errors.New("rejected: nothing was changed (the report above says why)")
	}
	return nil
}

// checkFiles makes sure every file named exists, and says which one does
// not with the path as given.
func checkFiles(paths []string) error {
	for _, p := range paths {
		_, err := os.Stat(p)
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("%s: %w", p, pe.Err)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func baseNamesOf(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = p[strings.LastIndexByte(p, '/')+1:]
	}
	return out
}

// maxPrinted bounds the issues printed on a terminal; --json has them all.
const maxPrinted = 200

// printReport writes the human-readable report to stderr: the source,
// then errors before warnings, then what changed.
func printReport(r *geo.ImportReport, job int64) {
	w := os.Stderr
	fmt.Fprintf(w, "\n%s (%s", r.Source, r.Format)
	if r.Layer != "" && r.Format != "Shapefile" {
		fmt.Fprintf(w, ", layer %s", r.Layer)
	}
	fmt.Fprintf(w, "), %d features\n  CRS:      %s\n", r.Counts.Features, r.CRS)
	if r.Encoding != "" {
		fmt.Fprintf(w, "  encoding: %s\n", r.Encoding)
	}
	issues := append([]geo.ImportIssue(nil), r.Issues...)
	sort.SliceStable(issues, func(i, j int) bool {
		return issues[i].Severity == geo.SeverityError && issues[j].Severity != geo.SeverityError
	})
	for i, is := range issues {
		if i == maxPrinted {
			fmt.Fprintf(w, "  … and %d more (use --json for all)\n", len(issues)-maxPrinted)
			break
		}
		fmt.Fprintf(w, "  %s\n", is)
	}
	c := r.Counts
	fmt.Fprintf(w, "\n%s, %s. ", geo.Count(r.Errors, "error"), geo.Count(r.Warnings, "warning"))
	switch {
	case r.Committed:
		fmt.Fprintf(w, "Imported (job %d): %d created, %d changed, %d unchanged, %d retired, %d repaired.\n", job, c.Created, c.Changed, c.Unchanged, c.Retired, c.Repaired)
		if r.IndexVersion > 0 {
			fmt.Fprintf(w, "Index version %d: pass min_version=%d (or Gridmap-Min-Version) to read the import from any node.\n", r.IndexVersion, r.IndexVersion)
		}
	case r.DryRun && r.Errors == 0:
		fmt.Fprintf(w, "Dry run: would create %d, change %d, leave %d unchanged, retire %d. Nothing was changed.\n", c.Created, c.Changed, c.Unchanged, c.Retired)
	default:
		fmt.Fprintf(w, "Rejected: nothing was changed.\n")
	}
	printRetired(w, r.RetiredUnits, r.Committed)
}

// printRetired lists the units an import retired, or would have retired.
func printRetired(w io.Writer, units []importer.Retired, committed bool) {
	if len(units) == 0 {
		return
	}
	verb := "Would retire"
	if committed {
		verb = "Retired"
	}
	fmt.Fprintf(w, "%s %d (not in the file):\n", verb, len(units))
	for i, u := range units {
		if i == maxPrinted {
			fmt.Fprintf(w, "  … and %d more (use --json for all)\n", len(units)-maxPrinted)
			break
		}
		fmt.Fprintf(w, "  %-9s %-16s %s\n", u.Level, u.Code, u.Name)
	}
}
