package geo

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
)

// CurrentData is everything the in-memory index is built from, read in one
// consistent database snapshot.
type CurrentData struct {
	Units    []Unit
	Enclaves []Enclave
	Version  int64     // the data version (largest data_version) it reflects
	Since    time.Time // the latest valid_from/valid_to in it: the data hold from then on
}

// SnapshotSource loads the current units and enclaves. DataVersion is a
// cheap probe of the version LoadCurrent would return, so that a change
// notification about data the index already has costs no rebuild.
type SnapshotSource interface {
	LoadCurrent(ctx context.Context) (CurrentData, error)
	DataVersion(ctx context.Context) (int64, error)
}

// PastResolver applies the resolution rules to the versions valid at a time
// before the index's data (in PostGIS). p is WGS84.
type PastResolver interface {
	ResolveAt(ctx context.Context, p orb.Point, at time.Time) (Resolution, error)
}

// Service is the Resolver: it answers from an immutable index snapshot,
// which Reload replaces atomically; requests never wait for a build and
// never see half of one. Questions about the past go to Past.
type Service struct {
	Source SnapshotSource
	Past   PastResolver

	current atomic.Pointer[indexed]
	kick    chan struct{}
}

type indexed struct {
	snap  *Snapshot
	since time.Time
}

var _ Resolver = (*Service)(nil)

// NewService returns a service; call Reload (or Follow) before use.
func NewService(src SnapshotSource, past PastResolver) *Service {
	return &Service{Source: src, Past: past, kick: make(chan struct{}, 1)}
}

// Reload builds a new snapshot from the source and swaps it in.
func (s *Service) Reload(ctx context.Context) error {
	start := time.Now()
	data, err := s.Source.LoadCurrent(ctx)
	if err != nil {
		return fmt.Errorf("load index data: %w", err)
	}
	loaded := time.Since(start)
	snap, err := NewSnapshot(data.Units, data.Enclaves, data.Version)
	if err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	s.current.Store(&indexed{snap: snap, since: data.Since})
	slog.InfoContext(ctx, "resolver index ready", "version", data.Version, "units", len(data.Units),
		"enclaves", len(data.Enclaves), "load", loaded, "build", time.Since(start)-loaded)
	// The rows read from the database are garbage now and outweigh the
	// index several times; hand their pages back rather than keep the peak.
	data = CurrentData{}
	debug.FreeOSMemory()
	return nil
}

// Changed asks for a rebuild; it never blocks. Changes that arrive during
// a build are folded into one more build.
func (s *Service) Changed() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Follow rebuilds after every Changed call until ctx ends. A failed build
// keeps the previous snapshot and is retried on the next change or after a
// pause.
func (s *Service) Follow(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		}
		if s.upToDate(ctx) {
			continue
		}
		if err := s.Reload(ctx); err != nil && ctx.Err() == nil {
			slog.ErrorContext(ctx, "resolver index rebuild failed; keeping the previous one", "err", err)
			time.AfterFunc(2*time.Second, s.Changed)
		}
	}
}

// upToDate reports whether the index already reflects the stored data.
func (s *Service) upToDate(ctx context.Context) bool {
	cur := s.current.Load()
	if cur == nil {
		return false
	}
	v, err := s.Source.DataVersion(ctx)
	return err == nil && v == cur.snap.Version()
}

// Snapshot returns the index in use, or nil before the first Reload.
func (s *Service) Snapshot() *Snapshot {
	if cur := s.current.Load(); cur != nil {
		return cur.snap
	}
	return nil
}

// Ready reports whether an index is loaded.
func (s *Service) Ready() error {
	if s.current.Load() == nil {
		return Errorf(EUNAVAILABLE, "", "the resolver index is still loading")
	}
	return nil
}

// Resolve answers one query.
func (s *Service) Resolve(ctx context.Context, q ResolveQuery) (Resolution, error) {
	p, err := prepare("point", q)
	if err != nil {
		return Resolution{}, err
	}
	cur := s.current.Load()
	if cur == nil {
		return Resolution{}, Errorf(EUNAVAILABLE, "", "the resolver index is still loading")
	}
	if !q.At.IsZero() && q.At.Before(cur.since) {
		return s.Past.ResolveAt(ctx, p, q.At)
	}
	return cur.snap.Resolve(p), nil
}

// ResolveMany answers each query in its own slot; one bad query does not
// spoil the others. All current queries use one snapshot, so a batch never
// straddles an index swap.
func (s *Service) ResolveMany(ctx context.Context, qs []ResolveQuery) ([]Resolution, []error) {
	res := make([]Resolution, len(qs))
	errs := make([]error, len(qs))
	cur := s.current.Load()
	for i, q := range qs {
		p, err := prepare(fmt.Sprintf("points[%d]", i), q)
		switch {
		case err != nil:
			errs[i] = err
		case cur == nil:
			errs[i] = Errorf(EUNAVAILABLE, "", "the resolver index is still loading")
		case !q.At.IsZero() && q.At.Before(cur.since):
			res[i], errs[i] = s.Past.ResolveAt(ctx, p, q.At)
		default:
			res[i] = cur.snap.Resolve(p)
		}
		if i%4096 == 0 && ctx.Err() != nil {
			errs[i] = ctx.Err()
			return res, errs
		}
	}
	return res, errs
}

// prepare validates a query's point and converts it to WGS84.
func prepare(field string, q ResolveQuery) (orb.Point, error) {
	if err := ValidatePoint(field, q.Point); err != nil {
		return orb.Point{}, err
	}
	crs, err := ParseCRS(string(q.CRS))
	if err != nil {
		return orb.Point{}, err
	}
	return ToWGS84(q.Point, crs), nil
}
