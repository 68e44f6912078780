package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// A token's name is the person holding it: the reporter of the reports it
// files and the uploader of its photos, which that person may see wherever
// they lie. Two people with one name (two 王伟 in two districts) would see
// each other's, so a name a live token already has for another role or
// scope is refused unless --same-person says the new token is that person's
// (a new phone, a new post). The same role and scope are a re-issue.
func checkHolder(ctx context.Context, db *postgres.DB, t access.Token, samePerson bool, now time.Time) error {
	if samePerson {
		return nil
	}
	live, err := db.ListTokens(ctx)
	if err != nil {
		return err
	}
	for _, o := range live {
		if o.Name != t.Name || o.RevokedAt != nil || !o.ExpiresAt.After(now) || (o.Role == t.Role && o.Scope == t.Scope) {
			continue
		}
		return usagef("live token %d is already named %q (role %s, scope %s): a name identifies a person, whose own reports and photos it opens; "+
			"name another person differently (e.g. %q), or pass --same-person if this token is for them",
			o.ID, o.Name, o.Role, scopeText(o.Scope), t.Name+"·"+scopeHint(t.Scope))
	}
	return nil
}

// scopeHint is a suffix that tells a person apart by their post.
func scopeHint(scope string) string {
	if scope == "" {
		return "市"
	}
	return scope
}

// warnUnknownScope says when a token's scope is no unit gridmap knows (yet:
// tokens may be made before the boundaries are imported).
func warnUnknownScope(ctx context.Context, db *postgres.DB, scope string, stderr io.Writer) {
	if scope == "" {
		return
	}
	if _, err := db.GetUnit(ctx, scope, time.Time{}); geo.ErrorCodeOf(err) == geo.ENOTFOUND {
		fmt.Fprintf(stderr, "warning: no current unit has code %s; the token acts on nothing until one does\n", scope)
	}
}
