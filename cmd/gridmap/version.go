package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
)

// modulePath is gridmap's module path.
const modulePath = "github.com/gridmap-dev/gridmap"

// version and revision may be set at build time (make build does, from git)
// with -ldflags "-X main.version=… -X main.revision=…"; the build's own
// information (runtime/debug.ReadBuildInfo) is preferred when it has them.
var (
	version  string
	revision string
)

func runVersion(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: gridmap version\n\nPrints the version, the VCS revision and the Go version of this build.\n")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("version takes no arguments")
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintln(os.Stdout, describeBuild(bi, version, revision))
	return nil
}

// describeBuild is the one line "gridmap --version" prints: the module
// version, the VCS revision (with "modified" for a dirty tree) and time,
// the Go version and platform.
func describeBuild(bi *debug.BuildInfo, ldVersion, ldRevision string) string {
	v, rev, when, dirty := ldVersion, ldRevision, "", false
	goVersion := runtime.Version()
	if bi != nil {
		goVersion = bi.GoVersion
		if mv := moduleVersion(bi); v == "" {
			v = mv
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if rev == "" {
		rev = "unknown"
	}
	if dirty {
		rev += ", modified"
	}
	if when != "" {
		rev += ", " + when
	}
	return fmt.Sprintf("gridmap %s (revision %s) %s %s/%s", v, rev, goVersion, runtime.GOOS, runtime.GOARCH)
}

// moduleVersion is gridmap's version in the build: the main module's, or
// the dependency's when another module built the command (go install).
func moduleVersion(bi *debug.BuildInfo) string {
	if bi.Main.Path == modulePath {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path != modulePath {
			continue
		}
		if d.Replace != nil && d.Replace.Version != "" {
			return d.Replace.Version
		}
		return d.Version
	}
	return ""
}
