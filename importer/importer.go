package importer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgerr"
	"github.com/gridmap-dev/gridmap/geo/postgres/pglock"
)

// importLock serialises imports ("gridmap import"): two imports of
// overlapping data must not interleave their checks and commits.
const importLock int64 = 0x67726964_696d7074

// Run imports the files at paths in one transaction and returns the
// report. A file with errors (or, if strict, warnings), and a dry run, end
// in a rollback: the report says what was found and nothing changes; err is
// nil. err is set when the import could not be carried out: a file that
// cannot be read (geo EINVALID or ETOOLARGE), a database failure, or a
// cancelled ctx. Whatever happens, the database is changed completely or
// not at all.
func Run(ctx context.Context, pool *pgxpool.Pool, paths []string, opts geo.ImportOptions, job int64, p Progress) (*geo.ImportReport, error) {
	return runImport(ctx, pool, paths, opts, job, p, OpenOptions{}, nil)
}

// commitHook is the last step of an import's transaction before COMMIT: it
// gets the report as it will be once committed and returns the data version
// the commit makes. Jobs record their outcome with it (commitJob), in the
// same transaction as the data: a crash leaves both or neither.
type commitHook func(ctx context.Context, tx pgx.Tx, rep *geo.ImportReport) (version int64, err error)

// runImport is Run with where and how zips unpack (oo's TempDir and Take)
// and, if commit is set, a last step in the transaction of a commit.
func runImport(ctx context.Context, pool *pgxpool.Pool, paths []string, opts geo.ImportOptions, job int64, p Progress, oo OpenOptions, commit commitHook) (*geo.ImportReport, error) {
	start := time.Now()
	if p == nil {
		p = NoProgress{}
	}
	rep := &geo.ImportReport{DryRun: opts.DryRun, Issues: []geo.ImportIssue{}}
	opts, err := prepare(opts)
	if err != nil {
		return rep, err
	}
	opts.Scope = runScope(opts)
	m := newMapper(opts, rep)
	if opts.SRS != "" {
		c, err := parseSRS(opts.SRS)
		if err != nil {
			return rep, err
		}
		m.offset = c.Offset
	}
	p.Phase("opening")
	oo.Layer, oo.Encoding, oo.CodeField = opts.Layer, opts.Encoding, opts.Fields.Code
	src, err := Open(ctx, paths, oo)
	if err != nil {
		return rep, err
	}
	defer src.Close()
	describe(rep, src.Info())
	r := &run{opts: opts, report: rep, read: &reading{r: src, m: m, progress: p}, notes: len(src.Info().Notes)}
	var version int64
	err = inTxWhenFree(ctx, pool, p, func(tx pgx.Tx) error {
		if err := pglock.WaitLong(ctx, tx); err != nil {
			return err
		}
		r.tx = tx
		if err := r.do(ctx, job, p); err != nil {
			return err
		}
		if commit == nil {
			return settle(ctx, tx)
		}
		done := *rep
		done.Committed, done.Duration = true, time.Since(start).Seconds()
		var err error
		version, err = commit(ctx, tx, &done)
		return err
	})
	rep.Duration = time.Since(start).Seconds()
	if errors.Is(err, errRollback) {
		return rep, nil
	}
	if err != nil {
		return rep, pgerr.Classify(err)
	}
	rep.Committed, rep.IndexVersion = true, version
	return rep, nil
}

// withDefaults fills the tolerance and limits retiring to the uploader's scope.
func withDefaults(o geo.ImportOptions) geo.ImportOptions {
	if o.Tolerance == (geo.Tolerance{}) {
		o.Tolerance = geo.DefaultTolerance
	}
	if o.Within != "" && o.RetireMissing && o.Scope == "" {
		o.Scope = o.Within
	}
	return o
}

// errRollback ends the transaction without an error for the caller.
var errRollback = errors.New("rollback")

// describe copies what the source says about itself into the report.
func describe(rep *geo.ImportReport, info Info) {
	// Names come from file systems and archives: never let bytes that are
	// not UTF-8 reach the report, the job and the repair log.
	valid := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
	rep.Source, rep.Format, rep.Layer, rep.Encoding = valid(info.Name), info.Format, valid(info.Layer), info.Encoding
	for _, n := range info.Notes {
		rep.Add(geo.ImportIssue{Index: -1, Severity: geo.SeverityWarning, Kind: geo.IssueUnreadable, Message: n})
	}
}

// do runs every step inside the transaction.
func (r *run) do(ctx context.Context, job int64, p Progress) error {
	if err := r.begin(ctx, p); err != nil {
		return err
	}
	p.Phase("reading")
	if err := stage(ctx, r.tx, r.read); err != nil {
		return err
	}
	r.report.Counts.Features = r.read.count
	if r.read.count == 0 {
		// Never "import" nothing: with --retire-missing it would retire everything.
		return fileError("the file has no features")
	}
	if err := r.holdTopology(ctx); err != nil {
		return err
	}
	info := r.read.r.Info()
	describeLate(r.report, info, r.notes)
	var notes []geo.ImportIssue
	var err error
	if r.crs, notes, err = resolveCRS(ctx, r.tx, r.opts.SRS, info.CRS); err != nil {
		return err
	}
	r.report.CRS = r.crs.Label
	for _, n := range notes {
		r.report.Add(n)
	}
	if err := r.check(ctx, p); err != nil {
		return err
	}
	p.Phase("writing versions and auditing")
	if r.report.Errors == 0 {
		if err := r.applyOvertaken(ctx, job); err != nil {
			return err
		}
	} else if err := r.auditTheRest(ctx, job); err != nil {
		return err
	}
	if r.report.Errors > 0 || r.opts.DryRun || r.opts.Strict && r.report.Warnings > 0 {
		return errRollback
	}
	p.Phase("committing")
	return nil
}

// begin records the actor for the change log and takes the import lock,
// or returns errImportBusy while another import holds it.
func (r *run) begin(ctx context.Context, _ Progress) error {
	if _, err := r.tx.Exec(ctx, `SELECT set_config('gridmap.actor', $1, true)`, r.opts.Actor); err != nil {
		return err
	}
	var got bool
	if err := r.tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, importLock).Scan(&got); err != nil {
		return err
	}
	if !got {
		return errImportBusy
	}
	return nil
}

// holdTopology takes the topology lock shared until the import ends, once
// the file is read and before anything stored is: a topology edit under
// way is waited for and its result checked against, and one that comes
// later waits for the import (pglock). A dry run commits nothing and
// takes no part.
func (r *run) holdTopology(ctx context.Context) error {
	if r.opts.DryRun {
		return nil
	}
	if err := pglock.ShareTopology(ctx, r.tx); err != nil {
		return fmt.Errorf("wait for a topology edit under way: %w", err)
	}
	return nil
}

// errImportBusy ends a transaction that found the import lock taken.
var errImportBusy = errors.New("another import holds the lock")

// inTxWhenFree runs fn in a transaction once the import lock is free. While
// another import (of any node) holds it, the transaction is given up and
// tried again later: a waiting import holds no pool connection, so twenty
// queued uploads cannot starve the reads. fn must return errImportBusy
// from its first statement only (r.begin), before it has read anything.
func inTxWhenFree(ctx context.Context, pool *pgxpool.Pool, p Progress, fn func(pgx.Tx) error) error {
	wait := 100 * time.Millisecond
	for announced := false; ; {
		err := pgx.BeginFunc(ctx, pool, fn)
		if !errors.Is(err, errImportBusy) {
			return err
		}
		if !announced {
			p.Phase("waiting for another import to finish")
			announced = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// describeLate records what is known only after the last feature: the
// encoding if detected, and the notes after the first early ones.
func describeLate(rep *geo.ImportReport, info Info, early int) {
	if rep.Encoding == "" {
		rep.Encoding = info.Encoding
	}
	for _, n := range info.Notes[min(early, len(info.Notes)):] {
		rep.Add(geo.ImportIssue{Index: -1, Severity: geo.SeverityWarning, Kind: geo.IssueUnreadable, Message: n})
	}
}

// checkStep is one check of the staged features, with the phase it shows.
type checkStep struct {
	phase string
	fn    func(context.Context) error
}

// check runs the database checks in order; each takes the features it
// finds bad out of the ones after it.
func (r *run) check(ctx context.Context, p Progress) error {
	if err := r.tx.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT level ORDER BY level), '{}') FROM import_stage`).Scan(&r.levels); err != nil {
		return fmt.Errorf("list levels: %w", err)
	}
	for _, l := range r.levels {
		r.report.Levels = append(r.report.Levels, geo.Level(l))
	}
	steps := []checkStep{
		{"checking coordinate ranges", r.checkRanges},
		{"reprojecting", r.transform},
		{"validating geometry", r.validate},
	}
	if !r.opts.Enclaves() {
		// Before the scope: a file in the wrong coordinate system is told as
		// such, not as every feature outside the token's area.
		steps = append(steps, checkStep{"checking where the file lands", r.checkLanding})
	}
	steps = append(steps, checkStep{"checking the scope's land", r.checkScopeGeometry})
	if r.opts.Enclaves() {
		steps = append(steps, r.enclaveSteps()...)
	} else {
		steps = append(steps, checkStep{"placing local codes", r.placeLocalCodes},
			checkStep{"checking parents", r.checkParents}, checkStep{"checking district overlaps", r.checkDistricts})
	}
	for _, s := range steps {
		p.Phase(s.phase)
		if err := s.fn(ctx); err != nil {
			return err
		}
	}
	return nil
}
