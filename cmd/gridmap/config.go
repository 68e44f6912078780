package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

const defaultDatabaseURL = "postgres://gridmap:gridmap@127.0.0.1:5432/gridmap?sslmode=disable"

// newFlags returns a flag set with the flags every command shares. Its
// usage line is "gridmap NAME [flags]"; commands with more to say set
// fs.Usage, writing to fs.Output().
func newFlags(name string, databaseURL *string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(databaseURL, "database-url", defaultDatabaseURL, "PostgreSQL URL (env DATABASE_URL)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: gridmap %s [flags]\n\nFlags:\n", name)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs, then takes every flag not given on the
// command line from its environment variable, the one its help text names
// as "(env NAME)" (so the help and the binding cannot drift apart).
// Precedence: flag, then environment, then default. -h prints the help on
// stdout and returns errHelp; a wrong flag or a malformed environment value
// is a usage error naming it.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(os.Stdout)
		fs.Usage()
		return errHelp
	}
	if err != nil {
		return usagef("%v (see \"gridmap %s -h\")", err, fs.Name())
	}
	return applyEnv(fs, os.LookupEnv)
}

// noArgs refuses what a command that takes only flags was given besides
// them: "gridmap serve extra" must not start a server on the default port.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q; %s takes only flags (see \"gridmap %s -h\")", fs.Arg(0), fs.Name(), fs.Name())
	}
	return nil
}

// openPrimary opens the database for a command that writes, refusing a hot
// standby before anything is tried: there the database answers "read-only
// transaction", which reads like a passing fault and is not.
func openPrimary(ctx context.Context, url, command string) (*postgres.DB, error) {
	db, err := postgres.OpenAsIs(ctx, url, 4)
	if err != nil {
		return nil, err
	}
	if db.Standby() {
		db.Close()
		return nil, fmt.Errorf("%s is a hot standby (read-only): %s writes, so point --database-url at the primary", databaseLabel(url), command)
	}
	return db, nil
}

// databaseLabel names the database a URL points at — user, host, port and
// database, never the password — so that a command says where it works.
func databaseLabel(url string) string {
	c, err := pgx.ParseConfig(url)
	if err != nil {
		return "the database of --database-url"
	}
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// envName finds the variable a flag's help text names.
var envName = regexp.MustCompile(`\benv ([A-Z][A-Z0-9_]*)`)

// applyEnv sets the flags of fs that were not given from the environment
// (lookup). An empty variable counts as unset.
// fromEnv maps the flags set from the environment to their variables, so
// that a message about a flag's value names the variable the operator set
// (a process runs one command).
var fromEnv = map[string]string{}

// namingEnv adds the variable to a usage message about a flag taken from
// the environment: "--log-level "loud": …" says to look for GRIDMAP_LOG_LEVEL.
func namingEnv(msg string) string {
	if m := flagAtStart.FindStringSubmatch(msg); m != nil && fromEnv[m[1]] != "" {
		return msg + " (set by " + fromEnv[m[1]] + ")"
	}
	return msg
}

var flagAtStart = regexp.MustCompile(`^--([a-z0-9-]+)`)

func applyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		m := envName.FindStringSubmatch(f.Usage)
		if given[f.Name] || m == nil {
			return
		}
		v, ok := lookup(m[1])
		if !ok || v == "" {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, usagef("environment variable %s=%q: %s", m[1], v, want(f.Value)))
		}
		fromEnv[f.Name] = m[1]
	})
	return errors.Join(errs...)
}

// want says what a flag accepts, for the message about a malformed value.
func want(v flag.Value) string {
	g, ok := v.(flag.Getter)
	if !ok {
		return "not a valid value"
	}
	switch g.Get().(type) {
	case bool:
		return "want true or false"
	case time.Duration:
		return "want a duration such as 90s, 5m or 2h"
	case int, int64, uint, uint64:
		return "want a whole number"
	case float64:
		return "want a number"
	}
	return "not a valid value"
}

// timeFlag parses a time given on the command line as the API reads one:
// RFC 3339, or a date meaning its start in China (2026-03-01 is
// 2026-03-01T00:00:00+08:00).
func timeFlag(s string) (time.Time, error) {
	t, err := geo.ParseTime("at", s)
	if err != nil || t.IsZero() {
		return t, usagef("--at %q: want an RFC 3339 time such as 2026-03-01T08:00:00+08:00, or a date (2026-03-01)", s)
	}
	return t, nil
}
