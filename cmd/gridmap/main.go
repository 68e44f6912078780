// Command gridmap is the map behind grid-based community governance: one
// binary with subcommands. main only reads configuration and wires packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `gridmap — who answers for this place?

Usage:
  gridmap serve    [flags]   run the HTTP service (loads the demo city into an empty database)
  gridmap migrate  [flags]   apply database migrations
  gridmap demo     [flags]   replace all boundaries with the demo city (--scale demo|city)
  gridmap resolve  [flags]   resolve CSV (lng,lat[,id]) or GeoJSON points from stdin
  gridmap import   [flags]   import boundaries from files (GeoJSON, shapefile or .zip, GeoPackage); --dry-run to check only
  gridmap audit    [flags]   coverage audit: gaps, overlaps, children outside parents (--unit CODE, --geojson FILE)
  gridmap export   [flags]   write boundaries as GeoJSON, shapefile or GeoPackage (--level, --format, --at, -o FILE)
  gridmap escalate [flags]   raise overdue and too-severe open cases one level up their chain
  gridmap token    create|list|revoke   access tokens (create prints the token once)

Every command takes --database-url (env DATABASE_URL). Run "gridmap CMD -h" for its flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil && !errors.Is(err, errUsage) {
		slog.Error("gridmap failed", "err", err)
		os.Exit(1)
	}
	if err != nil {
		os.Exit(2)
	}
}

var errUsage = errors.New("usage")

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errUsage
	}
	commands := map[string]func(context.Context, []string) error{
		"serve":    runServe,
		"migrate":  runMigrate,
		"demo":     runDemo,
		"resolve":  runResolve,
		"import":   runImport,
		"audit":    runAudit,
		"export":   runExport,
		"escalate": runEscalate,
		"token":    runToken,
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
	return cmd(ctx, args[1:])
}
