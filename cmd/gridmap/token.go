package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/api"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

const tokenUsage = `Usage:
  gridmap token create --role admin|editor|reporter|viewer [--scope CODE] --name NAME [--expires 90d]
                       [--qr] [--qr-png FILE] [--url https://HOST]
  gridmap token list
  gridmap token revoke ID | --name NAME

create prints the token once, on standard output; only its hash is stored.
With --qr it also prints, on standard error, a QR code of an enrolment link
that opens the grid worker's app (/m/) on a phone signed in with the token;
--qr-png writes the code to a PNG file for printing. A reporter's token
with --url (or GRIDMAP_PUBLIC_URL) gets the link without a code.
`

func runToken(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("create, list or revoke? (see \"gridmap token -h\")")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(os.Stdout, tokenUsage)
		return errHelp
	case "create":
		return tokenCreate(ctx, args[1:], os.Stdout, os.Stderr)
	case "list":
		return tokenList(ctx, args[1:], os.Stdout)
	case "revoke":
		return tokenRevoke(ctx, args[1:], os.Stderr)
	}
	return usagef("unknown token command %q; want create, list or revoke (see \"gridmap token -h\")", args[0])
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var url, role, scope, name, expires string
	var samePerson bool
	var enrol enrolment
	fs := newFlags("token create", &url)
	fs.StringVar(&role, "role", "", "admin, editor, reporter or viewer")
	fs.StringVar(&scope, "scope", "", "a unit code: the token acts only on it and its descendants (default: everywhere)")
	fs.StringVar(&name, "name", "", "who holds the token; recorded in the change log for every edit made with it")
	fs.StringVar(&expires, "expires", "90d", "lifetime (90d, 12h) or expiry date (2027-01-31, RFC 3339)")
	fs.BoolVar(&samePerson, "same-person", false, "the token is for the person a live token of another role or scope already names (a new post)")
	fs.BoolVar(&enrol.qr, "qr", false, "also print a QR code of the enrolment link that signs a phone's app (/m/) in with the token")
	fs.StringVar(&enrol.png, "qr-png", "", "write the enrolment QR code to this PNG file")
	fs.StringVar(&enrol.baseURL, "url", "", "the server's address as phones reach it, for the enrolment link (env GRIDMAP_PUBLIC_URL)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	switch {
	case role == "":
		return usagef("--role is required: admin, editor, reporter or viewer")
	case name == "":
		return usagef("--name is required: who holds the token (it is the actor of every change made with it)")
	}
	now := time.Now()
	exp, err := parseExpiry(expires, now)
	if err != nil {
		return err
	}
	if exp.Before(now.Add(minTokenLifetime)) {
		return expiryPast(expires)
	}
	t := access.Token{Name: name, Role: access.Role(role), Scope: scope, ExpiresAt: exp, CreatedBy: cliActor()}
	if err := t.Validate(now); err != nil {
		return usagef("%v", err) // a blank or unreadable name, an unknown role, a malformed scope: the command line is wrong
	}
	if enrol.wanted(t.Role) {
		if _, err := enrol.link(access.TokenPrefix); err != nil {
			return err // before the token is stored
		}
	}
	db, err := openPrimary(ctx, url, "token create")
	if err != nil {
		return err
	}
	defer db.Close()
	if err := checkHolder(ctx, db, t, samePerson, now); err != nil {
		return err
	}
	warnUnknownScope(ctx, db, t.Scope, stderr)
	secret, hash := access.NewTokenSecret()
	stored, err := db.CreateToken(ctx, t, hash)
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.ConstraintName == "api_token_check" {
		return expiryPast(expires) // past by the database's clock (expires_at > created_at), which may run ahead of this one
	}
	if err != nil {
		return err
	}
	// The database is named: a token made in another database than the
	// node's (a DATABASE_URL not exported) is refused by the node.
	fmt.Fprintf(stderr, "token %d for %q in %s: role %s, scope %s, expires %s.\nIt is shown only now; store it safely:\n",
		stored.ID, stored.Name, databaseLabel(url), stored.Role, scopeText(stored.Scope), stored.ExpiresAt.In(geo.ChinaTime).Format(time.RFC3339))
	if enrol.wanted(t.Role) {
		link, _ := enrol.link(secret) // checked above
		if err := enrol.show(stderr, link); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

// minTokenLifetime is the shortest --expires: the token is stored after
// the checks, by the database's clock, and the database refuses a token
// that has expired by then ("--expires 1ns" failed with its check
// constraint).
const minTokenLifetime = time.Minute

// expiryPast is the usage error of an expiry that is not in the future.
func expiryPast(expires string) error {
	return usagef("--expires %q: the expiry must be in the future, at least a minute from now (by the database's clock)", expires)
}

// parseExpiry reads "90d", a Go duration ("12h") or a date/time.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n > 0 {
			return now.AddDate(0, 0, n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, geo.ChinaTime); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("--expires %q: want a lifetime such as 90d or 12h, or a date such as 2027-01-31", s)
}

func cliActor() string {
	if u := os.Getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

func scopeText(s string) string {
	if s == "" {
		return "everywhere"
	}
	return s
}

func tokenList(ctx context.Context, args []string, stdout io.Writer) error {
	var url string
	fs := newFlags("token list", &url)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	db, err := postgres.OpenAsIs(ctx, url, 2)
	if err != nil {
		return err
	}
	defer db.Close()
	ts, err := db.ListTokens(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	rows := [][]string{{"ID", "NAME", "ROLE", "SCOPE", "STATUS", "EXPIRES (UTC+8)", "LAST USED (UTC+8)", "CREATED BY"}}
	for _, t := range ts {
		last := "never"
		if t.LastUsedAt != nil {
			last = chinaClock(*t.LastUsedAt)
		}
		rows = append(rows, []string{strconv.FormatInt(t.ID, 10), t.Name, string(t.Role), scopeText(t.Scope), t.Status(now),
			chinaClock(t.ExpiresAt), last, t.CreatedBy})
	}
	return writeTable(stdout, rows)
}

// chinaClock writes a time as --expires reads a date: in China time, not
// the machine's zone (UTC on most servers, where a token created with
// --expires 2027-01-31 listed as expiring 2027-01-30 16:00).
func chinaClock(t time.Time) string { return t.In(geo.ChinaTime).Format("2006-01-02 15:04") }

func tokenRevoke(ctx context.Context, args []string, stderr io.Writer) error {
	var url, name string
	fs := newFlags("token revoke", &url)
	fs.StringVar(&name, "name", "", "revoke every active token of this name")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (name == "") == (fs.NArg() != 1) {
		return usagef("name one token: gridmap token revoke ID, or --name NAME")
	}
	db, err := openPrimary(ctx, url, "token revoke")
	if err != nil {
		return err
	}
	defer db.Close()
	var ids []int64
	if name == "" {
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return fmt.Errorf("token id %q is not a number; see gridmap token list", fs.Arg(0))
		}
		ids = append(ids, id)
	} else {
		ts, err := db.ListTokens(ctx)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if access.SameTokenName(t.Name, name) && t.Status(time.Now()) == "active" {
				ids = append(ids, t.ID)
			}
		}
		if len(ids) == 0 {
			return fmt.Errorf("no active token is named %q", name)
		}
	}
	for _, id := range ids {
		t, err := db.RevokeToken(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "revoked token %d (%s, %s); every server refuses it within %s\n", t.ID, t.Name, t.Role, revocationDelay)
	}
	return nil
}

// revocationDelay is how long a server may trust a token it looked up
// before (the cache period serve runs with).
var revocationDelay = api.DefaultAuthConfig.CacheTTL
