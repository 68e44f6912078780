package main

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestCommandsLeaveTheSchema: only serve, migrate and demo migrate; the
// other commands say the schema is behind and what migrates it, and change
// nothing. A command that writes refuses a hot standby at once, naming it,
// instead of failing there as if the database were busy.
func TestCommandsLeaveTheSchema(t *testing.T) {
	bin := binary(t)
	empty := pgtest.NewPrimaryDatabase(t) // postgis, no migrations
	run := func(args ...string) (int, string) { return runBinary(t, bin, args...) }
	for _, args := range [][]string{
		{"token", "list"},
		{"audit"},
		{"export", "-o", t.TempDir() + "/g.geojson"},
		{"import", "--dry-run", "--database-url", empty, "../../demo/data/tianjin-districts.geojson"},
	} {
		t.Run(args[0], func(t *testing.T) {
			if args[0] != "import" { // flags come before the files
				args = append(args, "--database-url", empty)
			}
			exit, stderr := run(args...)
			if exit == 0 || !strings.Contains(stderr, "schema is at migration 0") || !strings.Contains(stderr, "run gridmap migrate") {
				t.Errorf("%v on an unmigrated database: exit %d, %q", args, exit, stderr)
			}
		})
	}
	conn, err := pgx.Connect(context.Background(), empty)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var migrated bool
	if err := conn.QueryRow(context.Background(), `SELECT to_regclass('schema_version') IS NOT NULL`).Scan(&migrated); err != nil || migrated {
		t.Fatalf("a command migrated the database (%v)", err)
	}
	if exit, stderr := run("migrate", "--database-url", empty); exit != 0 || !strings.Contains(stderr, "migrations applied") ||
		!strings.Contains(stderr, `"from":0,"to":`) {
		t.Fatalf("migrate: exit %d, %q", exit, stderr)
	}

	standby := pgtest.StandbyURL(t, empty)
	for _, args := range [][]string{
		{"token", "create", "--role", "viewer", "--name", "大屏"},
		{"escalate"},
	} {
		t.Run("on the standby: "+strings.Join(args, " "), func(t *testing.T) {
			exit, stderr := run(append(args, "--database-url", standby)...)
			if exit == 0 || !strings.Contains(stderr, "is a hot standby (read-only)") || strings.Contains(stderr, "retry") {
				t.Errorf("%v on the standby: exit %d, %q", args, exit, stderr)
			}
		})
	}
	if exit, stderr := run("token", "list", "--database-url", standby); exit != 0 {
		t.Errorf("token list on the standby: exit %d, %q", exit, stderr)
	}
}
