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
// each other's, so a name any token has had — live, revoked or expired —
// for another role or scope is refused unless --same-person says the new
// token is that person's (a new post): a revoked worker's name given to a
// new colleague would open the old worker's reports. A token of the same
// role and scope as one the name had is a re-issue (a new phone). A name
// that reports, patrols or photos are recorded under (imported ones) but
// no token has had is refused the same way.
func checkHolder(ctx context.Context, db *postgres.DB, t access.Token, samePerson bool, now time.Time) error {
	if samePerson {
		return nil
	}
	tokens, err := db.ListTokens(ctx)
	if err != nil {
		return err
	}
	var other *access.Token // a token of the name for another post
	for i, o := range tokens {
		switch {
		case !access.SameTokenName(o.Name, t.Name): // a name stored before names were normalised is still that name
		case o.Role == t.Role && o.Scope == t.Scope:
			return nil // a re-issue: this post's holder
		case other == nil:
			other = &tokens[i]
		}
	}
	if o := other; o != nil {
		return usagef("token %d (%s) is already named %q (role %s, scope %s): a name identifies a person, whose own reports and photos it opens; "+
			"name another person differently (e.g. %q), or pass --same-person if this token is for them",
			o.ID, o.Status(now), o.Name, o.Role, scopeText(o.Scope), t.Name+"·"+scopeHint(t.Scope))
	}
	recorded, err := db.NameHasRecords(ctx, t.Name)
	if err != nil || !recorded {
		return err
	}
	return usagef("reports, patrols or photos are recorded under %q, and a token so named would open them; "+
		"name another person differently (e.g. %q), or pass --same-person if they are this person's", t.Name, t.Name+"·"+scopeHint(t.Scope))
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
