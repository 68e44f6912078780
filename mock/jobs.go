package mock

import (
	"context"
	"io"
	"sync"

	"github.com/gridmap-dev/gridmap/geo"
)

var (
	_ geo.Importer = (*Imports)(nil)
	_ geo.Auditor  = (*Audit)(nil)
)

// Imports is a geo.Importer that records jobs and runs nothing: a started
// job stays queued. Like the real one it checks the options; the files are
// counted, not kept.
type Imports struct {
	// Err, if set, is returned by every call.
	Err error

	mu   sync.Mutex
	jobs []geo.ImportJob
}

// Receive implements geo.Importer.
func (s *Imports) Receive(context.Context, string) (geo.UploadArea, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return nil, s.Err
	}
	return &uploadArea{imports: s}, nil
}

// uploadArea is the fake's geo.UploadArea: it reads and forgets the files.
type uploadArea struct {
	imports *Imports
	files   []string
}

// Save implements geo.UploadArea.
func (a *uploadArea) Save(name string, r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	a.files = append(a.files, name)
	return nil
}

// Discard implements geo.UploadArea.
func (a *uploadArea) Discard() {}

// Start implements geo.UploadArea.
func (a *uploadArea) Start(_ context.Context, opts geo.ImportOptions) (geo.ImportJob, error) {
	s := a.imports
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return geo.ImportJob{}, s.Err
	}
	if opts.Tolerance == (geo.Tolerance{}) {
		opts.Tolerance = geo.DefaultTolerance
	}
	if err := opts.Validate(); err != nil {
		return geo.ImportJob{}, err
	}
	at := now()
	job := geo.ImportJob{ID: int64(len(s.jobs) + 1), Status: geo.JobQueued, Actor: opts.Actor, Source: a.files[0],
		Options: opts, CreatedAt: at, UpdatedAt: at}
	s.jobs = append(s.jobs, job)
	return job, nil
}

// Job implements geo.Importer.
func (s *Imports) Job(_ context.Context, id int64) (geo.ImportJob, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.Err != nil:
		return geo.ImportJob{}, s.Err
	case id < 1 || id > int64(len(s.jobs)):
		return geo.ImportJob{}, geo.Errorf(geo.ENOTFOUND, "id", "no import job %d", id)
	}
	return s.jobs[id-1], nil
}

// Audit is a geo.Auditor answering every query with Result (its summary
// naming the unit asked for) and recording the queries.
type Audit struct {
	// Err, if set, is returned by every call.
	Err    error
	Result geo.AuditResult

	mu      sync.Mutex
	queries []geo.AuditQuery
}

// Audit implements geo.Auditor.
func (s *Audit) Audit(_ context.Context, q geo.AuditQuery) (geo.AuditResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries = append(s.queries, q)
	if s.Err != nil {
		return geo.AuditResult{}, s.Err
	}
	res := s.Result
	res.Summary.Unit = q.Unit
	if res.Findings == nil {
		res.Findings = []geo.Finding{}
	}
	return res, nil
}

// Queries returns the queries answered so far.
func (s *Audit) Queries() []geo.AuditQuery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]geo.AuditQuery(nil), s.queries...)
}
