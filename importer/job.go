package importer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgerr"
	"github.com/gridmap-dev/gridmap/internal/shares"
)

// Jobs runs imports as recorded jobs: the command line runs one in the
// foreground, the HTTP API starts uploaded ones in the background.
type Jobs struct {
	Pool *pgxpool.Pool
	// Base is the context background jobs run under: cancelling it (the
	// server shutting down) rolls their imports back.
	Base context.Context
	// Applied, when set, is called after an import commits and returns the
	// data version that includes it once this node's resolver has applied
	// it: this node reports the job done only then (read-your-writes), and
	// the report RunJob returns names that version. The job's recorded
	// outcome does not wait for it: it commits with the import.
	Applied func(ctx context.Context) (int64, error)
	// Workers bounds the uploaded imports this node runs at once (0:
	// DefaultWorkers); Waiting bounds those queued behind them (0:
	// DefaultWaiting). Past both, uploads are refused before their body is
	// read (queue.go).
	Workers, Waiting int
	// PerOwner bounds the places one caller holds (0: DefaultPerOwner).
	PerOwner int
	// Space holds uploads and their unpacked zips, bounded in bytes; nil is
	// a default Space.
	Space *Space

	wg     sync.WaitGroup
	once   sync.Once
	places chan struct{}   // one token per upload received, queued or running
	owners *shares.Counter // the places each caller holds
	slots  chan struct{}   // one token per import running

	// applying holds the jobs of this node that may have committed but
	// that its index has not applied yet: Job reports them running here,
	// as an edit answers only once applied (read-your-writes), though their
	// rows say succeeded from the commit on.
	applying sync.Map
}

var _ geo.Importer = (*Jobs)(nil)

// phaseApplying is the phase this node shows for a committed job until its
// index has applied the import.
const phaseApplying = "updating this node's index"

// Heartbeat is how often a running job touches its row; a row silent for a
// minute belongs to a dead process.
const Heartbeat = 10 * time.Second

// Create records a new job and returns its id.
func (j *Jobs) Create(ctx context.Context, source string, opts geo.ImportOptions, status geo.JobStatus) (int64, error) {
	var id int64
	err := j.Pool.QueryRow(ctx, createJobSQL, string(status), opts.Actor, source, opts).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create import job: %w", pgerr.Classify(err))
	}
	return id, nil
}

// RunJob runs an import for a recorded job and records its outcome.
func (j *Jobs) RunJob(ctx context.Context, id int64, paths []string, opts geo.ImportOptions, p Progress) (*geo.ImportReport, error) {
	return j.runJob(ctx, id, paths, opts, p, OpenOptions{})
}

// runJob is RunJob with where and how zips unpack.
func (j *Jobs) runJob(ctx context.Context, id int64, paths []string, opts geo.ImportOptions, p Progress, oo OpenOptions) (*geo.ImportReport, error) {
	jp := &jobProgress{pool: j.Pool, id: id, inner: p, ctx: ctx}
	stop := jp.beat()
	j.applying.Store(id, struct{}{})
	defer j.applying.Delete(id)
	rep, err := runImport(ctx, j.Pool, paths, opts, id, jp, oo, j.commitJob(id, opts.TokenID))
	stop()
	if err == nil && rep.Committed {
		// The outcome was recorded by the commit itself (commitJob); the wait
		// is only this node's freshness and cannot change it.
		if j.Applied != nil {
			v, aerr := j.Applied(ctx)
			if aerr != nil {
				slog.WarnContext(ctx, "import committed; this node's index has not applied it yet", "job", id, "err", aerr)
			}
			if v > 0 {
				rep.IndexVersion = v
			}
		}
		return rep, nil
	}
	status, msg := outcome(rep, err)
	fileRefusal(rep, err)
	j.finish(ctx, id, status, rep, msg)
	return rep, err
}

// fileRefusal lists in the report why a file could not be read at all (a
// truncated GeoJSON, a CSV named .geojson), as an error of the whole file:
// the report said "errors": 0 beside no issues, which a console reads as
// "no problems found".
func fileRefusal(rep *geo.ImportReport, err error) {
	var ge *geo.Error
	if rep == nil || !errors.As(err, &ge) || ge.Field != "file" || rep.Errors > 0 {
		return
	}
	rep.Add(geo.ImportIssue{Index: -1, Severity: geo.SeverityError, Kind: geo.IssueUnreadable, Message: ge.Message})
}

// commitJob records the job's success as the last step of the import's
// transaction: the import's data and its job's outcome commit together, so
// a process killed at any point leaves either both (succeeded, with the
// report's counts and the data version) or neither (the job unfinished,
// later interrupted: nothing changed). The import.finished event, written by
// a trigger on the row (migration 009), commits with them, exactly once.
func (j *Jobs) commitJob(id, token int64) commitHook {
	return func(ctx context.Context, tx pgx.Tx, rep *geo.ImportReport) (int64, error) {
		if err := holdToken(ctx, tx, token); err != nil {
			return 0, err
		}
		if err := settle(ctx, tx); err != nil {
			return 0, err
		}
		if err := tx.QueryRow(ctx, commitVersionSQL).Scan(&rep.IndexVersion); err != nil {
			return 0, fmt.Errorf("read the data version: %w", err)
		}
		tag, err := tx.Exec(ctx, commitJobSQL, id, rep)
		if err != nil {
			return 0, fmt.Errorf("record the outcome of import job %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			// A restarted node declared the job interrupted ("nothing was
			// changed") while it was stalled: keep that true.
			return 0, fmt.Errorf("import job %d was already ended (interrupted); nothing was changed", id)
		}
		return rep.IndexVersion, nil
	}
}

// holdTokenSQL holds the row of the token that uploaded an import, if it is
// still valid, until the import commits: a revocation waits for the commit.
// Valid at the commit (clock_timestamp), not at the import's start (now()).
const holdTokenSQL = `SELECT 1 FROM api_token WHERE id = $1 AND revoked_at IS NULL AND expires_at > clock_timestamp() FOR SHARE`

// holdToken refuses to commit an import whose token (0: none, the command
// line) was revoked or expired since it was uploaded: a job queued behind
// others, or long, committed minutes after its token was revoked, which
// every server refuses within 10 s (an attacker: 20 s, 1,728 units
// changed).
func holdToken(ctx context.Context, tx pgx.Tx, token int64) error {
	if token == 0 {
		return nil
	}
	var one int
	err := tx.QueryRow(ctx, holdTokenSQL, token).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return geo.Errorf(geo.EFORBIDDEN, "", "the token that uploaded the file was revoked or expired before the import could commit; nothing was changed")
	}
	if err != nil {
		return fmt.Errorf("hold the uploading token: %w", err)
	}
	return nil
}

// finish records the outcome of a job whose import did not commit (a commit
// records its own: commitJob). It is written even when ctx was
// cancelled — the job must not look as if it were still running — and
// tried again for half a minute when the database does not take it (busy
// pool, a failover): an outcome is never given up lightly.
func (j *Jobs) finish(ctx context.Context, id int64, status geo.JobStatus, rep *geo.ImportReport, msg string) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		_, err := j.Pool.Exec(wctx, finishJobSQL, id, string(status), rep, msg)
		if err == nil {
			return
		}
		select {
		case <-wctx.Done():
			slog.ErrorContext(ctx, "record import outcome", "job", id, "status", status, "err", err)
			return
		case <-time.After(wait):
		}
	}
}

// outcome maps a run's result to the job's final status and message.
func outcome(rep *geo.ImportReport, err error) (geo.JobStatus, string) {
	switch code := geo.ErrorCodeOf(err); {
	case err == nil && rep.Committed:
		return geo.JobSucceeded, ""
	case err == nil && rep.Errors == 0 && rep.DryRun:
		return geo.JobDryRun, ""
	case err == nil:
		return geo.JobRejected, fmt.Sprintf("%s, %s: nothing was changed", geo.Count(rep.Errors, "error"), geo.Count(rep.Warnings, "warning"))
	case code == geo.EINVALID || code == geo.ETOOLARGE || code == geo.EUNSUPPORTED:
		return geo.JobRejected, errMessage(err)
	case errors.Is(err, context.Canceled):
		return geo.JobFailed, "the import was cancelled; nothing was changed"
	case code == geo.EUNAVAILABLE:
		// The database or the upload space said "not now": the message
		// says which, and that a retry may succeed.
		return geo.JobFailed, errMessage(err) + "; nothing was changed"
	case code == geo.EFORBIDDEN || code == geo.ECONFLICT:
		// Its token went (holdToken), or other writers kept overtaking it
		// (applyOvertaken): the message says which, and what to do.
		return geo.JobFailed, errMessage(err)
	}
	return geo.JobFailed, "the import failed (see the server log); nothing was changed"
}

// Wait blocks until the background jobs have ended.
func (j *Jobs) Wait() { j.wg.Wait() }

// sourceName names a job by its files: the .shp of a shapefile set.
func sourceName(files []string) string {
	if shp, ok := shapefileMain(files); ok {
		return filepath.Base(shp)
	}
	if len(files) == 1 {
		return files[0]
	}
	return fmt.Sprintf("%d files", len(files))
}

// Job implements geo.Importer.
func (j *Jobs) Job(ctx context.Context, id int64) (geo.ImportJob, error) {
	var job geo.ImportJob
	var status string
	err := j.Pool.QueryRow(ctx, getJobSQL, id, interruptedMessage).Scan(&job.ID, &status, &job.Actor, &job.Source, &job.Options,
		&job.Phase, &job.Done, &job.Total, &job.Report, &job.Error, &job.CreatedAt, &job.UpdatedAt, &job.FinishedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return job, geo.Errorf(geo.ENOTFOUND, "id", "no import job %d", id)
	}
	if err != nil {
		return job, fmt.Errorf("read import job %d: %w", id, pgerr.Classify(err))
	}
	job.Status = geo.JobStatus(status)
	if _, ok := j.applying.Load(id); ok && job.Status == geo.JobSucceeded {
		job.Status, job.Phase, job.FinishedAt = geo.JobRunning, phaseApplying, nil
	}
	return job, nil
}

// jobProgress writes progress to the job row at most once a second and
// keeps the heartbeat going, passing everything on to inner.
type jobProgress struct {
	ctx   context.Context
	pool  *pgxpool.Pool
	id    int64
	inner Progress

	mu          sync.Mutex
	phase       string
	done, total int64
	written     time.Time
}

// Phase implements Progress.
func (p *jobProgress) Phase(name string) {
	if p.inner != nil {
		p.inner.Phase(name)
	}
	p.mu.Lock()
	p.phase, p.done, p.total = name, 0, 0
	p.mu.Unlock()
	p.write(true)
}

// Set implements Progress.
func (p *jobProgress) Set(done, total int64) {
	if p.inner != nil {
		p.inner.Set(done, total)
	}
	p.mu.Lock()
	p.done, p.total = done, total
	p.mu.Unlock()
	p.write(false)
}

// write updates the row, throttled unless forced.
func (p *jobProgress) write(force bool) {
	p.mu.Lock()
	if !force && time.Since(p.written) < time.Second {
		p.mu.Unlock()
		return
	}
	p.written = time.Now()
	phase, done, total := p.phase, p.done, p.total
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	if _, err := p.pool.Exec(ctx, progressJobSQL, p.id, phase, done, total); err != nil && p.ctx.Err() == nil {
		slog.Warn("record import progress", "job", p.id, "err", err)
	}
}

// beat writes the row every Heartbeat until the returned stop is called.
func (p *jobProgress) beat() (stop func()) {
	return every(p.ctx, Heartbeat, func() { p.write(true) })
}

// every calls fn every period until stop is called or ctx ends.
func every(ctx context.Context, period time.Duration, fn func()) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				fn()
			}
		}
	}()
	return func() { close(done) }
}
