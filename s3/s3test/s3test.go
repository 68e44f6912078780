// Package s3test gives tests a bucket of their own on a real S3-compatible
// server: the Versity Gateway that scripts/s3.sh installs and starts (make
// test runs it), or whatever TEST_S3_URL names. The bucket is emptied and
// removed when the test ends. When no server answers the test is skipped —
// but it fails when CI is set, as the database tests do.
package s3test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// DefaultURL is the server scripts/s3.sh starts (no bucket: each test
// makes its own).
const DefaultURL = "s3://gridmap:gridmap-secret@127.0.0.1:7070/?tls=false"

var seq atomic.Int64

// ServerURL returns the URL of the test server.
func ServerURL() string {
	if u := os.Getenv("TEST_S3_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// NewBucket makes an empty bucket and returns the --blob-url naming it.
func NewBucket(tb testing.TB) string {
	tb.Helper()
	u, err := url.Parse(ServerURL())
	if err != nil {
		tb.Fatalf("TEST_S3_URL: %v", err)
	}
	client := clientOf(tb, u)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := fmt.Sprintf("gridmap-t%d-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6, seq.Add(1))
	if err := client.MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		unavailable(tb, err)
	}
	tb.Cleanup(func() { removeBucket(tb, client, name) })
	u.Path = "/" + name
	return u.String()
}

func clientOf(tb testing.TB, u *url.URL) *minio.Client {
	secret, _ := u.User.Password()
	client, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(u.User.Username(), secret, ""),
		Secure: u.Query().Get("tls") != "false"})
	if err != nil {
		tb.Fatalf("TEST_S3_URL: %v", err)
	}
	return client
}

func removeBucket(tb testing.TB, client *minio.Client, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	objects := client.ListObjects(ctx, name, minio.ListObjectsOptions{Recursive: true})
	for e := range client.RemoveObjects(ctx, name, objects, minio.RemoveObjectsOptions{}) {
		tb.Logf("remove test object %s: %v", e.ObjectName, e.Err)
	}
	if err := client.RemoveBucket(ctx, name); err != nil {
		tb.Logf("remove test bucket %s: %v", name, err)
	}
}

// unavailable skips the test when no server answers, except under CI.
func unavailable(tb testing.TB, err error) {
	tb.Helper()
	msg := fmt.Sprintf("no S3-compatible test server at %s (start it with scripts/s3.sh, or set TEST_S3_URL): %v",
		(&url.URL{Scheme: "s3", Host: hostOf(ServerURL())}).String(), err)
	if os.Getenv("CI") != "" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "?"
	}
	return u.Host
}
