package geo

import (
	"context"
	"fmt"
	"time"

	"github.com/paulmach/orb"
)

// Answering queries: from the index when it is fresh enough for the query,
// else from PostGIS under the same rules.

// fresh returns the index to answer from for queries that need at least
// data version min, waiting up to MinVersionWait; nil means the index is
// still behind and PostGIS must answer.
func (s *Service) fresh(ctx context.Context, min int64) (*indexed, error) {
	cur := s.current.Load()
	if cur == nil {
		return nil, Errorf(EUNAVAILABLE, "", "the resolver index is still loading")
	}
	if cur.snap.version >= min {
		return cur, nil
	}
	s.missedMu.Lock()
	recent := min <= s.missed && time.Since(s.missedAt) < MinVersionWait
	s.missedMu.Unlock()
	if !recent && s.WaitVersion(ctx, min, MinVersionWait) {
		return s.current.Load(), nil
	}
	if !recent {
		s.missedMu.Lock()
		s.missed, s.missedAt = max(s.missed, min), time.Now()
		s.missedMu.Unlock()
	}
	return nil, nil
}

// Resolve answers one query.
func (s *Service) Resolve(ctx context.Context, q ResolveQuery) (Resolution, error) {
	p, err := prepare("point", q)
	if err != nil {
		return Resolution{}, err
	}
	cur, err := s.fresh(ctx, q.MinVersion)
	switch {
	case err != nil:
		return Resolution{}, err
	case cur == nil:
		return s.Past.ResolveCurrent(ctx, p, q.MinVersion)
	case !q.At.IsZero() && q.At.Before(cur.since):
		return s.Past.ResolveAt(ctx, p, q.At)
	}
	return cur.snap.Resolve(p), nil
}

// ResolveMany answers each query in its own slot; one bad query does not
// spoil the others. All current queries use one snapshot, so a batch never
// straddles a change.
func (s *Service) ResolveMany(ctx context.Context, qs []ResolveQuery) ([]Resolution, []error) {
	res := make([]Resolution, len(qs))
	errs := make([]error, len(qs))
	var need int64
	for _, q := range qs {
		need = max(need, q.MinVersion)
	}
	cur, err := s.fresh(ctx, need)
	if err == nil && cur == nil && len(qs) > maxBehindInSQL {
		err = Errorf(EUNAVAILABLE, "", "this node's index is behind data version %d; retry, or send at most %d points", need, maxBehindInSQL)
	}
	for i, q := range qs {
		p, perr := prepare(fmt.Sprintf("points[%d]", i), q)
		switch {
		case perr != nil:
			errs[i] = perr
		case err != nil:
			errs[i] = err
		case cur == nil:
			res[i], errs[i] = s.Past.ResolveCurrent(ctx, p, need)
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
