package mock

import (
	"bytes"
	"context"
	"sync"
	"time"

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

	mu      sync.Mutex
	photos  map[string]casework.Photo
	uploads map[upload]time.Time
	blobs   map[string]map[casework.PhotoVariant][]byte
}

// upload is one account's upload of a photo.
type upload struct{ by, checksum string }

func (s *Photos) call() (unlock func(), err error) {
	s.mu.Lock()
	if s.photos == nil {
		s.photos, s.blobs = map[string]casework.Photo{}, map[string]map[casework.PhotoVariant][]byte{}
		s.uploads = map[upload]time.Time{}
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
	if _, ok := s.photos[p.Checksum]; !ok {
		s.photos[p.Checksum] = p
		s.blobs[p.Checksum] = map[casework.PhotoVariant][]byte{casework.PhotoOriginal: bytes.Clone(original), casework.PhotoThumb: bytes.Clone(thumb)}
	}
	k := upload{p.UploadedBy, p.Checksum}
	at, done := s.uploads[k]
	if !done {
		at = p.UploadedAt
		s.uploads[k] = at
	}
	mine := s.photos[p.Checksum]
	mine.UploadedBy, mine.UploadedAt = p.UploadedBy, at
	return mine, !done, nil
}

// Uploads implements casework.PhotoStore.
func (s *Photos) Uploads(_ context.Context, uploader string, checksums []string) (map[string]casework.Photo, error) {
	unlock, err := s.call()
	defer unlock()
	out := map[string]casework.Photo{}
	for _, c := range checksums {
		if at, ok := s.uploads[upload{uploader, c}]; ok {
			p := s.photos[c]
			p.UploadedBy, p.UploadedAt = uploader, at
			out[c] = p
		}
	}
	return out, err
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
