package s3_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/casework/phototest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
	"github.com/gridmap-dev/gridmap/s3"
	"github.com/gridmap-dev/gridmap/s3/s3test"
)

// TestStore runs the photo store's checks against a real S3-compatible
// server (the Versity Gateway of scripts/s3.sh) with the descriptions in a
// real PostgreSQL.
func TestStore(t *testing.T) {
	store, err := s3.Open(context.Background(), s3test.NewBucket(t), pgtest.Open(t))
	if err != nil {
		t.Fatal(err)
	}
	phototest.Run(t, store, casework.BackendS3)
}

// TestStoreReadsPhotosKeptInPostgres: turning the object store on later
// leaves the photos stored before readable, from PostgreSQL.
func TestStoreReadsPhotosKeptInPostgres(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t)
	b := phototest.JPEG(t, 200, 100, 7)
	p, thumb := phototest.Prepare(t, b, "王伟")
	if _, _, err := db.PutPhoto(ctx, p, b, thumb); err != nil {
		t.Fatal(err)
	}
	store, err := s3.Open(ctx, s3test.NewBucket(t), db)
	if err != nil {
		t.Fatal(err)
	}
	r, err := store.OpenPhoto(ctx, p, casework.PhotoThumb)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n, _ := r.Seek(0, 2); n != int64(len(thumb)) {
		t.Errorf("thumbnail of %d bytes, want %d", n, len(thumb))
	}
}

// TestStoreErrors: a missing object is ENOTFOUND; a server that does not
// answer is EUNAVAILABLE (the client retries), with no internals shown.
func TestStoreErrors(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t)
	store, err := s3.Open(ctx, s3test.NewBucket(t), db)
	if err != nil {
		t.Fatal(err)
	}
	ghost := casework.Photo{Checksum: casework.ChecksumOf([]byte("never uploaded")), Backend: casework.BackendS3, Size: 14}
	if _, err := store.OpenPhoto(ctx, ghost, casework.PhotoOriginal); geo.ErrorCodeOf(err) != geo.ENOTFOUND {
		t.Errorf("missing object: %v, want ENOTFOUND", err)
	}

	_, err = s3.Open(ctx, "s3://k:s@127.0.0.1:1/bucket?tls=false", db)
	if err == nil || strings.Contains(err.Error(), ":s@") {
		t.Errorf("unreachable server: %v", err)
	}
	_, err = s3.Open(ctx, strings.Replace(s3test.NewBucket(t), "/gridmap-t", "/absent-", 1), db)
	if err == nil || !strings.Contains(err.Error(), "create=true") {
		t.Errorf("missing bucket: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, thumb := phototest.Prepare(t, phototest.JPEG(t, 32, 32, 3), "王伟")
	down := s3.NewForTest("127.0.0.1:1", "bucket", db)
	_, _, err = down.PutPhoto(short, p, phototest.JPEG(t, 32, 32, 3), thumb)
	var ge *geo.Error
	if !errors.As(err, &ge) || ge.Code != geo.EUNAVAILABLE || strings.Contains(ge.Message, "127.0.0.1") {
		t.Errorf("put to a server that is down: %v, want EUNAVAILABLE without the address", err)
	}
}

func TestParseURL(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	tests := map[string]struct {
		url  string
		want s3.Config
		err  string
	}{
		"full": {url: "s3://AK:SK@minio.local:9000/evidence/gridmap/prod?region=cn-north-1&tls=false&path_style=true&create=true",
			want: s3.Config{Endpoint: "minio.local:9000", Bucket: "evidence", Prefix: "gridmap/prod/", Region: "cn-north-1",
				PathStyle: true, Create: true, AccessKey: "AK", SecretKey: "SK"}},
		"aws":               {url: "s3://s3.cn-north-1.amazonaws.com.cn/photos", want: s3.Config{Endpoint: "s3.cn-north-1.amazonaws.com.cn", Bucket: "photos", TLS: true}},
		"no bucket":         {url: "s3://host:9000/", err: "names no bucket"},
		"other scheme":      {url: "https://host/bucket", err: "want s3://"},
		"bad flag":          {url: "s3://host/b?tls=maybe", err: "tls"},
		"unknown parameter": {url: "s3://host/b?secure=false", err: "unknown parameter"},
		"secret hidden":     {url: "s3://AK:topsecret@host/b?tls=maybe", err: "xxxxx"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := s3.ParseURL(tc.url)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "topsecret") {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseURL = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
