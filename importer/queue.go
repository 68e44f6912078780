package importer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgerr"
	"github.com/gridmap-dev/gridmap/internal/shares"
)

// The import queue of the HTTP API. An upload takes a place in the queue
// before its body is read (Receive) and keeps it until its job ends; a full
// queue is a 503 with Retry-After at once, not a connection held while the
// body arrives. Queued jobs wait for a run slot in memory, holding no pool
// connection, and touch their row so they never look dead; a running job
// that finds the import lock taken (by another node) waits without a
// connection too (inTxWhenFree). The upload's directory, and the zips
// unpacked into it, are removed when the job ends, and the bytes given back
// to the Space.

// Queue defaults: one import runs while four wait, and one caller holds at
// most two of the places (sending, waiting or running). An upload may
// arrive at the rate floor's 16 KiB/s, a slow file's import may wait long:
// five uploads from one token held every place (an attacker's review).
const (
	DefaultWorkers  = 1
	DefaultWaiting  = 4
	DefaultPerOwner = 2
)

func (j *Jobs) init() {
	j.once.Do(func() {
		workers, waiting := j.Workers, j.Waiting
		if workers <= 0 {
			workers = DefaultWorkers
		}
		if waiting <= 0 {
			waiting = DefaultWaiting
		}
		j.slots = make(chan struct{}, workers)
		j.places = make(chan struct{}, workers+waiting)
		j.owners = &shares.Counter{Max: j.PerOwner}
		if j.owners.Max <= 0 {
			j.owners.Max = DefaultPerOwner
		}
		if j.Space == nil {
			j.Space = &Space{}
		}
	})
}

// Receive implements geo.Importer.
func (j *Jobs) Receive(ctx context.Context, owner string) (geo.UploadArea, error) {
	j.init()
	if !j.owners.Take(owner) {
		return nil, geo.Errorf(geo.ERATELIMITED, "file", "%s holds %d places in the import queue already (sending, waiting or running); "+
			"send the next when one has ended", owner, j.owners.Max)
	}
	select {
	case j.places <- struct{}{}:
	default:
		j.owners.Give(owner)
		return nil, geo.Errorf(geo.EUNAVAILABLE, "file", "the import queue is full (%d running or waiting); retry later", cap(j.places))
	}
	dir, err := j.Space.newDir()
	if err != nil {
		<-j.places
		j.owners.Give(owner)
		return nil, err
	}
	return &upload{jobs: j, owner: owner, dir: dir, allow: &allowance{space: j.Space}}, nil
}

// Places is how many places of the queue are held now (uploads being
// sent, jobs waiting or running) and how many it has.
func (j *Jobs) Places() (held, capacity int) {
	j.init()
	return len(j.places), cap(j.places)
}

// upload is one upload's area (geo.UploadArea).
type upload struct {
	jobs  *Jobs
	owner string
	dir   string
	files []string
	allow *allowance

	mu      sync.Mutex
	started bool
	ended   sync.Once
}

// Save implements geo.UploadArea.
func (u *upload) Save(name string, r io.Reader) error {
	f, err := os.OpenFile(filepath.Join(u.dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("save upload: %w", err)
	}
	_, err = io.Copy(takingWriter{f, u.allow.take}, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	u.files = append(u.files, name)
	return nil
}

// Discard implements geo.UploadArea.
func (u *upload) Discard() {
	u.mu.Lock()
	started := u.started
	u.mu.Unlock()
	if !started {
		u.end()
	}
}

// end removes the files and gives back the space and the queue place, once.
func (u *upload) end() {
	u.ended.Do(func() {
		os.RemoveAll(u.dir)
		u.allow.release()
		<-u.jobs.places
		u.jobs.owners.Give(u.owner)
	})
}

// Start implements geo.UploadArea: it records the job as queued and runs it
// in the background under Jobs.Base once a run slot is free.
func (u *upload) Start(ctx context.Context, opts geo.ImportOptions) (geo.ImportJob, error) {
	j := u.jobs
	opts, err := prepare(opts)
	if err != nil {
		return geo.ImportJob{}, err
	}
	paths := make([]string, len(u.files))
	for i, f := range u.files {
		paths[i] = filepath.Join(u.dir, f)
	}
	id, err := j.Create(ctx, sourceName(u.files), opts, geo.JobQueued)
	if err != nil {
		return geo.ImportJob{}, err
	}
	u.mu.Lock()
	u.started = true
	u.mu.Unlock()
	j.wg.Add(1)
	go j.runQueued(u, id, paths, opts)
	return j.Job(ctx, id)
}

// runQueued waits for a run slot, runs the job and ends the upload.
func (j *Jobs) runQueued(u *upload, id int64, paths []string, opts geo.ImportOptions) {
	defer j.wg.Done()
	defer u.end()
	stop := j.touchWhileQueued(id)
	select {
	case j.slots <- struct{}{}:
	case <-j.Base.Done():
		stop()
		j.finish(j.Base, id, geo.JobFailed, &geo.ImportReport{Issues: []geo.ImportIssue{}},
			"the server stopped before the import started; nothing was changed")
		return
	}
	stop()
	defer func() { <-j.slots }()
	oo := OpenOptions{TempDir: u.dir, Take: u.allow.take}
	if _, err := j.runJob(j.Base, id, paths, opts, nil, oo); err != nil {
		slog.Info("import job ended with an error", "job", id, "err", err)
	}
}

// touchWhileQueued keeps a queued job's heartbeat until stop is called.
func (j *Jobs) touchWhileQueued(id int64) (stop func()) {
	return every(j.Base, Heartbeat, func() {
		ctx, cancel := context.WithTimeout(j.Base, 5*time.Second)
		defer cancel()
		j.Pool.Exec(ctx, touchJobSQL, id) // a missed beat is made up by the next
	})
}

// Recover marks as interrupted the jobs whose process died (no heartbeat for
// a minute) and removes the uploads dead processes left. serve calls it at
// start. An unfinished job committed nothing: an import that commits records
// its success in the same transaction (commitJob), and one still running
// finds its job ended and rolls back.
func (j *Jobs) Recover(ctx context.Context) (jobs, dirs int, err error) {
	j.init()
	tag, err := j.Pool.Exec(ctx, interruptJobsSQL, interruptedMessage)
	if err != nil {
		return 0, 0, fmt.Errorf("mark interrupted imports: %w", pgerr.Classify(err))
	}
	dirs, err = j.Space.Clean()
	return int(tag.RowsAffected()), dirs, err
}
