package main

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
)

// TestDemoAsksBeforeReplacing: gridmap demo over a database that holds
// boundaries or reports replaces nothing unless --yes says so (no terminal
// to ask at here), and says which database it would have replaced.
func TestDemoAsksBeforeReplacing(t *testing.T) {
	db := demotest.Open(t)
	bin := binary(t)
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `UPDATE unit SET name = '留着' WHERE code = '120104'`); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string) { // stdin is /dev/null: not a terminal
		return runBinary(t, bin, append([]string{"demo", "--database-url", db.URL()}, args...)...)
	}
	name := func() (n string) {
		if err := db.Pool.QueryRow(ctx, `SELECT name FROM unit WHERE code = '120104' AND valid_to IS NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	exit, stderr := run()
	if exit != 2 || !strings.Contains(stderr, "units and") || !strings.Contains(stderr, "--yes") {
		t.Errorf("demo over a full database: exit %d, %q; want 2, naming what it holds and --yes", exit, stderr)
	}
	server, err := url.Parse(db.URL())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "@"+server.Host+"/") || strings.Contains(stderr, ":gridmap@") { // the URL's password is gridmap
		t.Errorf("demo does not say which database (or says its password): %q", stderr)
	}
	if name() != "留着" {
		t.Fatal("demo replaced the boundaries without --yes")
	}
	if exit, stderr := run("--yes"); exit != 0 || name() == "留着" {
		t.Errorf("demo --yes: exit %d, %q; the boundaries were not replaced", exit, stderr)
	}
}
