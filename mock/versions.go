package mock

import (
	"sort"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// versions keeps the versions of one kind of boundary in memory, the way
// the PostgreSQL store keeps them: one entry per version, the current one
// with no end, an edit closing it and adding the next at one instant.
type versions[T any] struct {
	what string
	rows map[string][]T // by code, oldest first
	// span reads a version's identity and validity.
	span func(*T) (code string, version int, from time.Time, to *time.Time)
	// stamp makes v the version-th of its code, valid from at, by actor.
	stamp func(v *T, version int, at time.Time, actor string)
	// close ends a version at at.
	close func(v *T, at time.Time)
	bound func(*T) orb.Bound
	// repeats reports whether stored is what actor's edit would store.
	repeats func(edit, stored *T, actor string) bool
	// retiredBy names who retired each retired code: only their retry of
	// the retirement is answered as the first was.
	retiredBy map[string]string
}

// validAt returns the version of code valid at at (zero: the current one).
func (s *versions[T]) validAt(code string, at time.Time) (T, bool) {
	rows := s.rows[code]
	for i := len(rows) - 1; i >= 0; i-- {
		_, _, from, to := s.span(&rows[i])
		if at.IsZero() && to == nil || !at.IsZero() && !from.After(at) && (to == nil || to.After(at)) {
			return rows[i], true
		}
	}
	var zero T
	return zero, false
}

// get is validAt with the store's ENOTFOUND.
func (s *versions[T]) get(code string, at time.Time) (T, error) {
	v, ok := s.validAt(code, at)
	switch {
	case ok:
		return v, nil
	case at.IsZero():
		return v, geo.Errorf(geo.ENOTFOUND, "code", "no current %s has code %q", s.what, code)
	}
	return v, geo.Errorf(geo.ENOTFOUND, "code", "no %s with code %q was valid at %s", s.what, code, at.Format(time.RFC3339))
}

// history returns every version of code, or ENOTFOUND.
func (s *versions[T]) history(code string) ([]T, error) {
	rows := s.rows[code]
	if len(rows) == 0 {
		return nil, geo.Errorf(geo.ENOTFOUND, "code", "no %s has code %q", s.what, code)
	}
	return append([]T(nil), rows...), nil
}

// numbers returns the current version of code (0: none) and its highest.
func (s *versions[T]) numbers(code string) (current, history int) {
	rows := s.rows[code]
	if len(rows) == 0 {
		return 0, 0
	}
	_, last, _, to := s.span(&rows[len(rows)-1])
	if to == nil {
		current = last
	}
	return current, last
}

// list returns one page of the versions valid at w.At that keep accepts,
// ordered by code, and the next cursor.
func (s *versions[T]) list(w geo.Window, keep func(*T) bool) ([]T, string) {
	var out []T
	for code := range s.rows {
		v, ok := s.validAt(code, w.At)
		if ok && code > w.After && keep(&v) && (w.BBox == nil || w.BBox.Intersects(s.bound(&v))) {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { a, _, _, _ := s.span(&out[i]); b, _, _, _ := s.span(&out[j]); return a < b })
	if len(out) <= w.Limit {
		return out, ""
	}
	out = out[:w.Limit]
	next, _, _, _ := s.span(&out[w.Limit-1])
	return out, next
}

// put closes the current version of v's code and stores v as the next.
func (s *versions[T]) put(v T, actor string, at time.Time) T {
	code, _, _, _ := s.span(&v)
	rows := s.rows[code]
	if n := len(rows); n > 0 {
		if _, _, _, to := s.span(&rows[n-1]); to == nil {
			s.close(&rows[n-1], at)
		}
	}
	_, history := s.numbers(code)
	s.stamp(&v, history+1, at, actor)
	s.rows[code] = append(rows, v)
	return v
}

// retire closes the current version of code without a successor.
func (s *versions[T]) retire(code, actor string, at time.Time) T {
	rows := s.rows[code]
	s.close(&rows[len(rows)-1], at)
	if s.retiredBy == nil {
		s.retiredBy = map[string]string{}
	}
	s.retiredBy[code] = actor
	return rows[len(rows)-1]
}
