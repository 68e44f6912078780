package s3

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Config is an object store location, as ParseURL reads it.
type Config struct {
	Endpoint  string // host[:port]
	Bucket    string
	Prefix    string // key prefix inside the bucket, "" or ending in "/"
	Region    string
	TLS       bool
	PathStyle bool // address the bucket in the path, not the host name
	Create    bool // make the bucket when it is missing
	AccessKey string
	SecretKey string
}

// ParseURL reads a --blob-url:
//
//	s3://[ACCESS_KEY:SECRET_KEY@]HOST[:PORT]/BUCKET[/PREFIX][?region=R&tls=false&path_style=true&create=true]
//
// TLS is on unless tls=false. Without keys in the URL they come from the
// environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, as every S3
// tool reads them), which keeps them out of process listings.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("blob url: %w", err)
	}
	if u.Scheme != "s3" || u.Host == "" {
		return Config{}, fmt.Errorf("blob url %q: want s3://[KEY:SECRET@]HOST[:PORT]/BUCKET[/PREFIX]", u.Redacted())
	}
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if bucket == "" {
		return Config{}, fmt.Errorf("blob url %q names no bucket: want s3://HOST/BUCKET", u.Redacted())
	}
	if prefix = strings.Trim(prefix, "/"); prefix != "" {
		prefix += "/"
	}
	c := Config{Endpoint: u.Host, Bucket: bucket, Prefix: prefix, TLS: true}
	if u.User != nil {
		c.AccessKey = u.User.Username()
		c.SecretKey, _ = u.User.Password()
	}
	return c, c.options(u)
}

// options reads the query parameters into c.
func (c *Config) options(u *url.URL) error {
	q := u.Query()
	c.Region = q.Get("region")
	for name, dst := range map[string]*bool{"tls": &c.TLS, "path_style": &c.PathStyle, "create": &c.Create} {
		if v := q.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("blob url %q: %s=%q: want true or false", u.Redacted(), name, v)
			}
			*dst = b
		}
	}
	for name := range q {
		switch name {
		case "region", "tls", "path_style", "create":
		default:
			return fmt.Errorf("blob url %q: unknown parameter %q; want region, tls, path_style or create", u.Redacted(), name)
		}
	}
	return nil
}

// client makes the minio client of c.
func (c Config) client() (*minio.Client, error) {
	creds := credentials.NewEnvAWS()
	if c.AccessKey != "" {
		creds = credentials.NewStaticV4(c.AccessKey, c.SecretKey, "")
	}
	lookup := minio.BucketLookupAuto
	if c.PathStyle {
		lookup = minio.BucketLookupPath
	}
	// Three tries, not minio's ten: a phone waiting on an upload is better
	// told to retry (503) within seconds than kept waiting.
	return minio.New(c.Endpoint, &minio.Options{Creds: creds, Secure: c.TLS, Region: c.Region, BucketLookup: lookup, MaxRetries: 3})
}
