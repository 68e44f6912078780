// Command gridmap is the map behind grid-based community governance: one
// binary with subcommands. main only reads configuration and wires packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes, as the usage text documents them.
const (
	exitOK      = 0 // done; also for --help and version
	exitFailure = 1 // the command ran and failed (database, file, rejected import, ...)
	exitUsage   = 2 // the command line is wrong: unknown command or flag, missing argument
)

// command is one subcommand.
type command struct {
	name, args, summary string
	run                 func(context.Context, []string) error
}

// commands lists the subcommands in the order the usage shows them.
var commands = []command{
	{"serve", "[flags]", "run the HTTP service (loads the demo city into an empty database)", runServe},
	{"migrate", "[flags]", "apply database migrations", runMigrate},
	{"demo", "[flags]", "replace all boundaries with the demo city (--scale demo|city|province)", runDemo},
	{"resolve", "[flags]", "resolve CSV (lng,lat[,id]) or GeoJSON points from stdin", runResolve},
	{"import", "[flags] FILE...", "import boundaries (GeoJSON, shapefile or .zip, GeoPackage); --dry-run to check only", runImport},
	{"audit", "[flags]", "coverage audit: gaps, overlaps, children outside parents", runAudit},
	{"export", "[flags] -o FILE", "write boundaries as GeoJSON, shapefile or GeoPackage (format from FILE's extension)", runExport},
	{"escalate", "[flags]", "raise overdue and too-severe open cases one level up their chain", runEscalate},
	{"token", "create|list|revoke", "access tokens (create prints the token once)", runToken},
	{"version", "", "print the version and the VCS revision of this build", runVersion},
}

// usage is the top-level help.
func usage() string {
	var b strings.Builder
	b.WriteString("gridmap — who answers for this place?\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  gridmap %-8s %-20s %s\n", c.name, c.args, c.summary)
	}
	b.WriteString(`
Every command takes --database-url (env DATABASE_URL). "gridmap CMD -h" lists
the flags of CMD; "gridmap --version" prints the version.

Exit status: 0 done, 1 the command failed, 2 the command line is wrong.
Errors are printed on standard error as one line: "gridmap CMD: reason".
`)
	return b.String()
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// Every command logs as serve does (JSON lines, durations in _ms);
	// serve sets its --log-level on top.
	slog.SetDefault(slog.New(newLogHandler(os.Stderr, slog.LevelInfo)))
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	os.Exit(report(os.Stderr, err))
}

// errHelp is returned after help was printed as asked: exit 0.
var errHelp = errors.New("help printed")

// usageError is a wrong command line (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError; one about a flag set from the environment
// names the variable (namingEnv).
func usagef(format string, args ...any) error {
	return &usageError{namingEnv(fmt.Sprintf(format, args...))}
}

// commandError names the command an error comes from.
type commandError struct {
	cmd string
	err error
}

func (e *commandError) Error() string {
	if e.cmd == "" {
		return e.err.Error()
	}
	return e.cmd + ": " + e.err.Error()
}
func (e *commandError) Unwrap() error { return e.err }

// report prints err on w as one line ("gridmap CMD: reason") and returns
// the exit code.
func report(w io.Writer, err error) int {
	if err == nil || errors.Is(err, errHelp) {
		return exitOK
	}
	msg := strings.Join(strings.Fields(err.Error()), " ") // one line, whatever the cause
	prefix := "gridmap: "
	if ce := (*commandError)(nil); errors.As(err, &ce) && ce.cmd != "" {
		prefix = "gridmap "
	}
	fmt.Fprintf(w, "%s%s\n", prefix, msg)
	if ue := (*usageError)(nil); errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailure
}

// run dispatches args to a command; help goes to stdout.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return &commandError{"", usagef("no command given; run \"gridmap --help\" for the list")}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		return help(args[1:], stdout)
	case "-version", "--version":
		return runVersion(ctx, nil)
	}
	c, ok := findCommand(args[0])
	if !ok {
		return &commandError{"", usagef("unknown command %q; run \"gridmap --help\" for the list", args[0])}
	}
	if err := c.run(ctx, args[1:]); err != nil {
		return &commandError{c.name, err}
	}
	return nil
}

func findCommand(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// help prints the command list, or the flags of "gridmap help CMD".
func help(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage())
		return errHelp
	}
	c, ok := findCommand(args[0])
	if !ok {
		return &commandError{"help", usagef("unknown command %q; run \"gridmap --help\" for the list", args[0])}
	}
	return c.run(context.Background(), append(args[1:], "-h"))
}
