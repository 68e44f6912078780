package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestTokenCreateRefusals: an expiry that is past by the time the token is
// stored (--expires 1ns) failed with the database's check constraint, and a
// name that is not UTF-8 with "invalid byte sequence"; a blank name and one
// with a bidirectional override were stored. Each is now a usage error
// (exit 2) that says what is wrong, and nothing is stored. A name is
// stored trimmed and in NFC, and one that differs from another token's only
// so is that token's name (another post needs --same-person).
func TestTokenCreateRefusals(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	url := "--database-url=" + db.URL()
	create := func(args ...string) error {
		return tokenCreate(ctx, append([]string{url, "--role", "reporter"}, args...), io.Discard, io.Discard)
	}
	if err := create("--scope", "120104001001001", "--name", "Jose\u0301 ", "--expires", "30d"); err != nil {
		t.Fatal(err)
	}
	if err := create("--scope", "120104001001001", "--name", "\u3000王工", "--expires", "30d"); err != nil {
		t.Fatal(err)
	}
	ts, err := db.ListTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, tok := range ts {
		names[tok.Name] = true
	}
	if len(names) != 2 || !names["José"] || !names["王工"] {
		t.Errorf("stored names %v; want José (NFC, trimmed) and 王工", names)
	}
	for _, c := range []struct {
		name string
		args []string
		msg  string
	}{
		{"an expiry of a nanosecond", []string{"--name", "a", "--expires", "1ns"}, "the expiry must be in the future"},
		{"an expiry of thirty seconds", []string{"--name", "a", "--expires", "30s"}, "the expiry must be in the future"},
		{"an expiry in the past", []string{"--name", "a", "--expires", "2020-01-01"}, "the expiry must be in the future"},
		{"a name that is not UTF-8", []string{"--name", "\xff\xfe"}, "not valid UTF-8"},
		{"a single space", []string{"--name", " "}, "name is required"},
		{"a right-to-left override", []string{"--name", "\u202eadmin"}, "U+202E"},
		{"a NUL", []string{"--name", "a\x00b"}, "control characters"},
		{"José composed, for another post", []string{"--scope", "120104001002001", "--name", "José"}, "--same-person"},
		{"王工 with a trailing space, another role", []string{"--role", "viewer", "--name", "王工 "}, "--same-person"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := create(c.args...)
			if code := report(io.Discard, err); code != exitUsage || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("exit %d: %v; want %d saying %q", code, err, exitUsage, c.msg)
			}
		})
	}
	if after, _ := db.ListTokens(ctx); len(after) != 2 {
		t.Errorf("%d tokens stored; the refused ones were stored too", len(after))
	}
	// A re-issue of José's post in either spelling is José's token.
	if err := create("--scope", "120104001001001", "--name", "José", "--expires", "30d"); err != nil {
		t.Errorf("a re-issue: %v", err)
	}
}
