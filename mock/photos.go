package mock

import (
	"bytes"
	"context"
	"sync"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

var _ casework.PhotoStore = (*Photos)(nil)

// Photos is an in-memory casework.PhotoStore: a photo is stored once by its
// checksum, and the reports using it are those of Reports that list it (in
// the report or in a step), as report_attachment links them in PostgreSQL.
type Photos struct {
	// Err, if set, is returned by every call.
	Err error
	// Reports holds the reports PhotoUses looks through.
	Reports *Reports

	mu     sync.Mutex
	photos map[string]casework.Photo
	blobs  map[string]map[casework.PhotoVariant][]byte
}

func (s *Photos) call() (unlock func(), err error) {
	s.mu.Lock()
	if s.photos == nil {
		s.photos, s.blobs = map[string]casework.Photo{}, map[string]map[casework.PhotoVariant][]byte{}
	}
	return s.mu.Unlock, s.Err
}

// PutPhoto implements casework.PhotoStore.
func (s *Photos) PutPhoto(_ context.Context, p casework.Photo, original, thumb []byte) (casework.Photo, bool, error) {
	unlock, err := s.call()
	defer unlock()
	if err != nil {
		return casework.Photo{}, false, err
	}
	if old, ok := s.photos[p.Checksum]; ok {
		return old, false, nil
	}
	s.photos[p.Checksum] = p
	s.blobs[p.Checksum] = map[casework.PhotoVariant][]byte{casework.PhotoOriginal: bytes.Clone(original), casework.PhotoThumb: bytes.Clone(thumb)}
	return p, true, nil
}

// Photos implements casework.PhotoStore.
func (s *Photos) Photos(_ context.Context, checksums []string) (map[string]casework.Photo, error) {
	unlock, err := s.call()
	defer unlock()
	out := map[string]casework.Photo{}
	for _, c := range checksums {
		if p, ok := s.photos[c]; ok {
			out[c] = p
		}
	}
	return out, err
}

// OpenPhoto implements casework.PhotoStore.
func (s *Photos) OpenPhoto(_ context.Context, p casework.Photo, v casework.PhotoVariant) (casework.PhotoReader, error) {
	unlock, err := s.call()
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, ok := s.blobs[p.Checksum][v]
	if !ok {
		return nil, geo.Errorf(geo.ENOTFOUND, "checksum", "the bytes of photo %s are missing", p.Checksum)
	}
	return nopCloser{bytes.NewReader(b)}, nil
}

type nopCloser struct{ *bytes.Reader }

// Close implements io.Closer.
func (nopCloser) Close() error { return nil }

// PhotoUses implements casework.PhotoStore.
func (s *Photos) PhotoUses(_ context.Context, checksum string) ([]casework.PhotoUse, error) {
	unlock, err := s.call()
	defer unlock()
	if err != nil || s.Reports == nil {
		return nil, err
	}
	return s.Reports.photoUses(checksum), nil
}
