package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"
)

const defaultDatabaseURL = "postgres://gridmap:gridmap@127.0.0.1:5432/gridmap?sslmode=disable"

// envOr returns the environment variable key, or def when it is unset.
func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func envBool(key string, def bool) bool {
	if b, err := strconv.ParseBool(os.Getenv(key)); err == nil {
		return b
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return d
	}
	return def
}

// newFlags returns a flag set with the flags every command shares.
func newFlags(name string, databaseURL *string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(databaseURL, "database-url", envOr("DATABASE_URL", defaultDatabaseURL), "PostgreSQL URL (env DATABASE_URL)")
	return fs
}

// timeFlag parses an RFC 3339 time given on the command line.
func timeFlag(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, fmt.Errorf("--at %q: want an RFC 3339 time such as 2026-03-01T08:00:00+08:00", s)
	}
	return t, nil
}
