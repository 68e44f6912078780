// Package s3 keeps the bytes of photos in an S3-compatible object store
// (Amazon S3, MinIO, SeaweedFS, Versity Gateway, Alibaba OSS, …) through
// minio-go: the adapter of that dependency. The description of every photo
// stays in PostgreSQL (casework.PhotoStore of package postgres), so reports
// are still checked and joined in one transaction; photos stored in
// PostgreSQL before the object store was configured are read from there.
package s3

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/minio/minio-go/v7"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// Store is a casework.PhotoStore whose bytes live in a bucket.
type Store struct {
	client *minio.Client
	bucket string
	prefix string // ends in "/" when set
	// meta describes the photos (PostgreSQL) and holds the bytes of those
	// stored there before.
	meta casework.PhotoStore
}

var _ casework.PhotoStore = (*Store)(nil)

// Open connects to the bucket rawURL names (see ParseURL) and checks that
// it is there (or makes it, with create=true in the URL). meta keeps the
// photos' descriptions.
func Open(ctx context.Context, rawURL string, meta casework.PhotoStore) (*Store, error) {
	cfg, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	client, err := cfg.client()
	if err != nil {
		return nil, fmt.Errorf("object store %s: %w", cfg.Endpoint, err)
	}
	s := &Store{client: client, bucket: cfg.Bucket, prefix: cfg.Prefix, meta: meta}
	if err := s.ensureBucket(ctx, cfg); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) ensureBucket(ctx context.Context, cfg Config) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	switch {
	case err != nil:
		return fmt.Errorf("object store %s, bucket %s: %w", cfg.Endpoint, s.bucket, err)
	case ok:
		return nil
	case !cfg.Create:
		return fmt.Errorf("object store %s has no bucket %s: create it, or add create=true to the URL", cfg.Endpoint, s.bucket)
	}
	if err := s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: cfg.Region}); err != nil {
		return fmt.Errorf("object store %s: make bucket %s: %w", cfg.Endpoint, s.bucket, err)
	}
	return nil
}

// key is where a variant of a photo is in the bucket.
func (s *Store) key(checksum string, v casework.PhotoVariant) string {
	algo, hex, _ := strings.Cut(checksum, ":")
	if v == casework.PhotoThumb {
		return s.prefix + "thumbs/" + algo + "/" + hex + ".jpg"
	}
	return s.prefix + "photos/" + algo + "/" + hex
}

// PutPhoto puts the bytes and the thumbnail in the bucket, then records
// the description. Objects are named by the checksum, so a retry after a
// failure in between writes the same objects again and nothing is left
// half-stored: a photo exists once its description does. A photo stored
// already (here or in PostgreSQL) only gains p.UploadedBy as an uploader.
func (s *Store) PutPhoto(ctx context.Context, p casework.Photo, original, thumb []byte) (casework.Photo, bool, error) {
	stored, err := s.meta.Photos(ctx, []string{p.Checksum})
	if err != nil {
		return casework.Photo{}, false, err
	}
	if _, ok := stored[p.Checksum]; ok {
		return s.meta.PutPhoto(ctx, p, nil, nil)
	}
	if err := s.put(ctx, s.key(p.Checksum, casework.PhotoOriginal), original, p.Type); err != nil {
		return casework.Photo{}, false, err
	}
	if err := s.put(ctx, s.key(p.Checksum, casework.PhotoThumb), thumb, "image/jpeg"); err != nil {
		return casework.Photo{}, false, err
	}
	p.Backend = casework.BackendS3
	return s.meta.PutPhoto(ctx, p, nil, nil)
}

// put writes one object with its MD5, which the store checks: bytes that
// arrive damaged are refused, not kept.
func (s *Store) put(ctx context.Context, key string, b []byte, contentType string) error {
	_, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(b), int64(len(b)),
		minio.PutObjectOptions{ContentType: contentType, SendContentMd5: true, DisableMultipart: true})
	if err != nil {
		return s.classify(err, "put "+key)
	}
	return nil
}

// Photos returns the stored photos among checksums.
func (s *Store) Photos(ctx context.Context, checksums []string) (map[string]casework.Photo, error) {
	return s.meta.Photos(ctx, checksums)
}

// Uploads returns the stored photos among checksums that uploader sent.
func (s *Store) Uploads(ctx context.Context, uploader string, checksums []string) (map[string]casework.Photo, error) {
	return s.meta.Uploads(ctx, uploader, checksums)
}

// PhotoUses lists the reports using a photo.
func (s *Store) PhotoUses(ctx context.Context, checksum string) ([]casework.PhotoUse, error) {
	return s.meta.PhotoUses(ctx, checksum)
}

// OpenPhoto returns a reader of a variant of p: from the bucket, or from
// PostgreSQL for a photo stored there. The object's existence is checked
// before returning; reads then fetch only the ranges asked for.
func (s *Store) OpenPhoto(ctx context.Context, p casework.Photo, v casework.PhotoVariant) (casework.PhotoReader, error) {
	if p.Backend != casework.BackendS3 {
		return s.meta.OpenPhoto(ctx, p, v)
	}
	key := s.key(p.Checksum, v)
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err == nil {
		_, err = obj.Stat()
	}
	if err != nil {
		if obj != nil {
			_ = obj.Close()
		}
		return nil, s.classify(err, "get "+key)
	}
	return obj, nil
}

// classify turns the object store's errors into gridmap's: a missing
// object is ENOTFOUND, an unreachable or failing store EUNAVAILABLE (the
// client retries), anything else is logged as internal.
func (s *Store) classify(err error, what string) error {
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == "NoSuchKey":
		return &geo.Error{Code: geo.ENOTFOUND, Field: "checksum", Message: "the bytes of the photo are missing from the object store", Err: err}
	case resp.StatusCode >= http.StatusInternalServerError || resp.StatusCode == 0 || resp.StatusCode == http.StatusTooManyRequests:
		return &geo.Error{Code: geo.EUNAVAILABLE, Message: "the photo store does not answer; retry later", Err: fmt.Errorf("%s: %w", what, err)}
	}
	return fmt.Errorf("object store: %s: %w", what, err)
}
