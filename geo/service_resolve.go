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
	if cur == nil && s.dropped.Load() {
		return nil, nil // PostGIS answers, from what the database has, until the rebuild is published
	}
	if cur == nil {
		return nil, Errorf(EUNAVAILABLE, "", "the resolver index is still loading")
	}
	if cur.snap.version >= min {
		return cur, nil
	}
	recent := s.missed.Recent(min, cur.snap.version, time.Now())
	if !recent && s.WaitVersion(ctx, min, MinVersionWait) {
		return s.current.Load(), nil
	}
	if !recent {
		s.missed.Note(min, time.Now())
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
	case cur == nil, cur.predates(q.At):
		// At the time asked about, from data at the version asked for: a
		// report observed before an edit its node has not applied yet
		// keeps the boundaries of when it was made; a moment the index
		// does not hold for (see predates) is PostGIS's, now or at.
		return s.Past.ResolveCurrent(ctx, p, q.At, q.MinVersion)
	}
	return cur.snap.Resolve(p), nil
}

// holdNow returns the index to answer a batch with nows queries about now
// from, and whether those may be answered from it. When a version that
// starts later has just begun, the batch has the index read it (Recheck)
// rather than send every such query to PostGIS one by one; if the
// database's clock has not reached the start yet (a standby's behind the
// node's), the queries go there, but no more of them than a node behind
// its data sends (else 503).
func (s *Service) holdNow(ctx context.Context, cur *indexed, nows int) (*indexed, bool, error) {
	if cur.holdsNow() || nows == 0 {
		return cur, true, nil
	}
	if err := s.Recheck(ctx); err == nil {
		if now := s.current.Load(); now != nil && now.holdsNow() {
			return now, true, nil
		}
	}
	if nows > maxBehindInSQL {
		return cur, false, Errorf(EUNAVAILABLE, "", "a data version starts now and this node has not read it yet; retry in a moment, or send at most %d points", maxBehindInSQL)
	}
	return cur, false, nil
}

// ResolveNow answers q from memory when it can do so at once: the index
// is loaded, at q.MinVersion or later, and q asks about now (or a time
// since the index's data took effect). Otherwise, and for a query Resolve
// refuses, ok is false and Resolve gives the answer or the error. When ok,
// the answer is the one Resolve gives, and memo the Memo beside it (nil
// for an enclave's answer or none).
func (s *Service) ResolveNow(q ResolveQuery) (r Resolution, memo *Memo, ok bool) {
	cur := s.current.Load()
	if cur == nil || cur.snap.version < q.MinVersion || cur.predates(q.At) {
		return Resolution{}, nil, false
	}
	p, err := prepare("point", q)
	if err != nil {
		return Resolution{}, nil, false
	}
	r, memo = cur.snap.resolve(p)
	return r, memo, true
}

// ResolveMany answers each query in its own slot; one bad query does not
// spoil the others. All current queries use one snapshot, so a batch never
// straddles a change.
func (s *Service) ResolveMany(ctx context.Context, qs []ResolveQuery) ([]Resolution, []error) {
	res := make([]Resolution, len(qs))
	errs := make([]error, len(qs))
	_ = s.ResolveEach(ctx, len(qs), func(i int) ResolveQuery { return qs[i] }, func(i int, r *Resolution, err error) error {
		res[i], errs[i] = *r, err
		return nil
	})
	return res, errs
}

// ResolveEach answers n queries in order from one index snapshot, so that a
// batch never straddles a change, handing each answer (or its error) to
// emit as it is made: a caller streaming the answers out holds one at a
// time. It stops at the first error emit returns, or when ctx ends.
func (s *Service) ResolveEach(ctx context.Context, n int, query func(i int) ResolveQuery, emit func(i int, r *Resolution, err error) error) error {
	var need int64
	nows := 0 // queries about now
	for i := 0; i < n; i++ {
		q := query(i)
		need = max(need, q.MinVersion)
		if q.At.IsZero() {
			nows++
		}
	}
	// A node that cannot answer the batch at the version asked says so for
	// the whole of it, before any answer: a client retries a 503, while
	// one that reads a 200 might not look into every slot.
	cur, err := s.fresh(ctx, need)
	if err == nil && cur == nil && n > maxBehindInSQL {
		err = Errorf(EUNAVAILABLE, "", "this node's index is behind data version %d; retry, or send at most %d points", need, maxBehindInSQL)
		if s.dropped.Load() {
			err = Errorf(EUNAVAILABLE, "", "this node is rebuilding its index (its database lost commits it had applied); retry shortly, or send at most %d points", maxBehindInSQL)
		}
	}
	chunk := newEachChunk(min(n, eachChunkSize))
	// Now is one moment for the whole batch: it does not straddle the
	// start of a version that starts later either.
	if err == nil && cur != nil {
		cur, chunk.nowHeld, err = s.holdNow(ctx, cur, nows)
	}
	if err == nil && cur == nil {
		chunk.probed, err = s.probePast(ctx, n, query, need)
	}
	if err != nil {
		return err
	}
	var failed error // once PostGIS cannot answer, the rest of the batch is not sent there
	for lo := 0; lo < n; lo += eachChunkSize {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		hi := min(lo+eachChunkSize, n)
		failed = chunk.resolve(ctx, s, cur, need, failed, lo, hi, query)
		for i := lo; i < hi; i++ {
			if e := emit(i, &chunk.res[i-lo], chunk.errs[i-lo]); e != nil {
				return e
			}
		}
	}
	return nil
}

// probePast asks PostGIS about the first valid query of a batch it is to
// answer whole (the index is behind need), and returns the error when it
// cannot answer (its database is behind need, or down): said for the whole
// batch before any answer, however many bad points come first. The answer
// is kept for its query, which is not asked again.
func (s *Service) probePast(ctx context.Context, n int, query func(i int) ResolveQuery, need int64) (*probeAnswer, error) {
	for i := 0; i < n; i++ {
		q := query(i)
		if p, err := prepare("", q); err == nil {
			r, err := s.Past.ResolveCurrent(ctx, p, q.At, need)
			if err := unanswered(err); err != nil {
				return nil, err
			}
			return &probeAnswer{i: i, res: r, err: err}, nil
		}
	}
	return nil, nil
}

// probeAnswer is PostGIS's answer to query i of a batch, asked before the
// batch began (probePast).
type probeAnswer struct {
	i   int
	res Resolution
	err error
}

// eachChunkSize is how many queries ResolveEach prepares and resolves
// together: the index's points go through Snapshot.ResolveMany, whose
// grouped lookups overlap their cache misses.
const eachChunkSize = 256

// eachChunk holds one chunk of ResolveEach's answers; it is reused.
type eachChunk struct {
	res  []Resolution
	errs []error
	pts  []orb.Point // the points the index answers, in order
	at   []int       // their offsets in the chunk
	out  []Resolution
	// probed is the answer probePast kept, until its query's turn.
	probed *probeAnswer
	// nowHeld: the index holds for queries about now (holdsNow, once).
	nowHeld bool
}

func newEachChunk(size int) *eachChunk {
	return &eachChunk{res: make([]Resolution, size), errs: make([]error, size),
		pts: make([]orb.Point, size), at: make([]int, size), out: make([]Resolution, size)}
}

// resolve answers queries lo..hi-1 into c.res and c.errs: from the index
// snapshot cur, or from PostGIS when cur is nil (the node is behind need)
// or a query asks about a time before cur. Once PostGIS has answered a
// query with EUNAVAILABLE, the later ones PostGIS would answer get that
// error at once (failed, which it returns) rather than each waiting for a
// database that does not answer.
func (c *eachChunk) resolve(ctx context.Context, s *Service, cur *indexed, need int64, failed error, lo, hi int, query func(i int) ResolveQuery) error {
	n := 0
	for i := lo; i < hi; i++ {
		k := i - lo
		c.res[k], c.errs[k] = Resolution{}, nil
		q := query(i)
		p, perr := prepare("", q)
		if perr != nil { // name the slot only when it is wrong: most points are not
			_, perr = prepare(fmt.Sprintf("points[%d]", i), q)
		}
		switch {
		case perr != nil:
			c.errs[k] = perr
		case cur != nil && (q.At.IsZero() && c.nowHeld || !q.At.IsZero() && !cur.predates(q.At)):
			c.pts[n], c.at[n] = p, k
			n++
		case failed != nil:
			c.errs[k] = failed
		case cur == nil && c.probed != nil && c.probed.i == i:
			c.res[k], c.errs[k], c.probed = c.probed.res, c.probed.err, nil
		default: // no index, or a moment it does not hold for
			c.res[k], c.errs[k] = s.Past.ResolveCurrent(ctx, p, q.At, need)
			failed = unanswered(c.errs[k])
		}
	}
	if n > 0 {
		cur.snap.ResolveMany(c.pts[:n], c.out[:n])
		for j := 0; j < n; j++ {
			c.res[c.at[j]] = c.out[j]
		}
	}
	return failed
}

// unanswered returns err when it says the database could not answer.
func unanswered(err error) error {
	if ErrorCodeOf(err) == EUNAVAILABLE {
		return err
	}
	return nil
}

// prepare validates a query's point and converts it to WGS84.
func prepare(field string, q ResolveQuery) (orb.Point, error) {
	crs, err := ParseCRS(string(q.CRS))
	if err != nil {
		return orb.Point{}, err
	}
	return PointInWGS84(field, q.Point, crs)
}
