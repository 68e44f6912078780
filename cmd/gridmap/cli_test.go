package main

import (
	"bytes"
	"errors"
	"flag"
	"net"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/internal/testbin"
)

// binary builds gridmap once, with a version and revision set as make
// build sets them.
func binary(t *testing.T) string {
	t.Helper()
	return testbin.Gridmap(t, "-ldflags", "-X main.version=v1.2.3-test -X main.revision=0123abcd")
}

// runBinary runs bin with args (stdin empty) and returns its exit status
// and standard error.
func runBinary(t *testing.T, bin string, args ...string) (exit int, stderr string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), errOut.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, errOut.String()
}

// TestCommandLine runs the binary as a user would and checks the exit
// status, where the text goes and that an error is one line.
func TestCommandLine(t *testing.T) {
	bin := binary(t)
	cases := []struct {
		name   string
		args   []string
		env    []string
		exit   int
		stdout string // a piece of standard output
		stderr string // the one line of standard error ("" for none)
	}{
		{"--help", []string{"--help"}, nil, 0, "gridmap export", ""},
		{"-h", []string{"-h"}, nil, 0, "Exit status: 0 done", ""},
		{"help", []string{"help"}, nil, 0, "gridmap token", ""},
		{"help import", []string{"help", "import"}, nil, 0, "-dry-run", ""},
		{"import -h", []string{"import", "-h"}, nil, 0, "-retire-missing", ""},
		{"serve --help", []string{"serve", "--help"}, nil, 0, "-log-requests", ""},
		{"token -h", []string{"token", "-h"}, nil, 0, "gridmap token create", ""},
		{"token create -h", []string{"token", "create", "-h"}, nil, 0, "-expires", ""},
		{"--version", []string{"--version"}, nil, 0, "gridmap v1.2.3-test (revision 0123abcd)", ""},
		{"version", []string{"version"}, nil, 0, "v1.2.3-test", ""},
		{"no command", nil, nil, 2, "", "gridmap: no command given"},
		{"unknown command", []string{"frobnicate"}, nil, 2, "", `gridmap: unknown command "frobnicate"`},
		{"unknown flag", []string{"audit", "--frob"}, nil, 2, "", "gridmap audit: flag provided but not defined: -frob"},
		{"escalate takes no flag of people's steps", []string{"escalate", "--handler-may-verify"}, nil, 2, "",
			"gridmap escalate: flag provided but not defined: -handler-may-verify"},
		{"token create without --name", []string{"token", "create", "--role", "viewer"}, nil, 2, "", "gridmap token: --name is required"},
		{"token create with an unknown role", []string{"token", "create", "--role", "boss", "--name", "x"}, nil, 2, "", `unknown role "boss"`},
		{"export format against the extension", []string{"export", "--format", "geojson", "-o", "网格.gpkg"}, nil, 2, "",
			"gridmap export: invalid format: the format is geojson but 网格.gpkg names a gpkg file"},
		{"export to an unknown extension", []string{"export", "-o", "网格.txt"}, nil, 2, "", "cannot tell the format of 网格.txt"},
		{"export without -o", []string{"export"}, nil, 2, "", "gridmap export: -o FILE is required"},
		{"missing file keeps its path", []string{"import", "no/such/dir/南开网格.gpkg"}, nil, 1, "",
			"gridmap import: no/such/dir/南开网格.gpkg: no such file or directory"},
		{"malformed boolean", []string{"serve"}, []string{"GRIDMAP_DEMO=yes"}, 2, "", `GRIDMAP_DEMO="yes": want true or false`},
		{"malformed duration", []string{"serve"}, []string{"GRIDMAP_ESCALATE_EVERY=5min"}, 2, "", `GRIDMAP_ESCALATE_EVERY="5min": want a duration`},
		{"malformed number", []string{"serve"}, []string{"GRIDMAP_WRITE_RATE=fast"}, 2, "", `GRIDMAP_WRITE_RATE="fast": want a number`},
		{"malformed log level", []string{"serve"}, []string{"GRIDMAP_LOG_LEVEL=loud"}, 2, "", `--log-level "loud"`},
		{"a bad value names its variable", []string{"serve"}, []string{"GRIDMAP_LOG_LEVEL=loud"}, 2, "", "(set by GRIDMAP_LOG_LEVEL)"},
		{"malformed deadlines", []string{"serve"}, []string{"GRIDMAP_DEADLINES=1=5x"}, 2, "", "--deadlines or --floors"},
		{"serve with an argument", []string{"serve", "extra"}, nil, 2, "", `unexpected argument "extra"; serve takes only flags`},
		// Settings are checked before the database (which does not answer here).
		{"negative write rate", []string{"serve"}, []string{"GRIDMAP_WRITE_RATE=-1"}, 2, "", "--write-rate and --write-rate-addr must not be negative"},
		{"a proxy that is no address", []string{"serve"}, []string{"GRIDMAP_TRUSTED_PROXIES=notanip"}, 2, "", `"notanip" is neither an IP address nor a CIDR`},
		{"a public URL without scheme", []string{"serve"}, []string{"GRIDMAP_PUBLIC_URL=grid.example"}, 2, "", `--public-url "grid.example"`},
		{"no import workers", []string{"serve"}, []string{"GRIDMAP_IMPORT_WORKERS=0"}, 2, "", "--import-workers and --upload-space-mb must be at least 1"},
		{"migrate with an argument", []string{"migrate", "now"}, nil, 2, "", `unexpected argument "now"; migrate takes only flags`},
		{"demo with an argument", []string{"demo", "city"}, nil, 2, "", `unexpected argument "city"; demo takes only flags`},
		{"resolve with an argument", []string{"resolve", "points.csv"}, nil, 2, "", `unexpected argument "points.csv"; resolve takes only flags`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, c.args...)
			cmd.Env = append(os.Environ(), "DATABASE_URL=postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
			cmd.Env = append(cmd.Env, c.env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			exit := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				exit = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if exit != c.exit {
				t.Errorf("exit %d, want %d; stderr %q", exit, c.exit, stderr.String())
			}
			if !strings.Contains(stdout.String(), c.stdout) {
				t.Errorf("stdout lacks %q:\n%s", c.stdout, stdout.String())
			}
			switch {
			case c.stderr == "" && stderr.Len() > 0:
				t.Errorf("stderr %q, want nothing", stderr.String())
			case c.stderr != "" && (!strings.Contains(stderr.String(), c.stderr) || strings.Count(stderr.String(), "\n") != 1):
				t.Errorf("stderr %q, want one line with %q", stderr.String(), c.stderr)
			}
		})
	}
}

func TestApplyEnv(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		check   func(c serveConfig) bool
	}{
		{"defaults", nil, nil, "", func(c serveConfig) bool { return c.loadDemo && c.addr == ":8080" && c.fastLane }},
		{"environment", nil, map[string]string{"GRIDMAP_DEMO": "false", "GRIDMAP_ADDR": ":9", "GRIDMAP_TILE_MAX_AGE": "1m",
			"GRIDMAP_LOG_REQUESTS": "true", "GRIDMAP_FAST_LANE": "false"}, "",
			func(c serveConfig) bool {
				return !c.loadDemo && c.addr == ":9" && c.tiles.maxAge == time.Minute && c.logRequests && !c.fastLane
			}},
		{"flag beats environment", []string{"--demo=true"}, map[string]string{"GRIDMAP_DEMO": "false"}, "",
			func(c serveConfig) bool { return c.loadDemo }},
		{"empty is unset", nil, map[string]string{"GRIDMAP_TILE_CACHE_MB": ""}, "", func(c serveConfig) bool { return c.tiles.cacheMB == 256 }},
		{"malformed even under a flag", []string{"--demo=true"}, map[string]string{"GRIDMAP_PUBLIC_READS": "nope"}, "GRIDMAP_PUBLIC_READS", nil},
		{"every malformed one is named", nil, map[string]string{"GRIDMAP_TILE_CACHE_MB": "1.5", "GRIDMAP_WRITE_RATE_ADDR": "x"},
			"GRIDMAP_TILE_CACHE_MB", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cfg serveConfig
			fs := serveFlags(&cfg)
			if err := fs.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			err := applyEnv(fs, func(k string) (string, bool) { v, ok := c.env[k]; return v, ok })
			if c.wantErr != "" {
				var ue *usageError
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || !errors.As(err, &ue) {
					t.Fatalf("error %v, want a usage error naming %s", err, c.wantErr)
				}
				return
			}
			if err != nil || !c.check(cfg) {
				t.Errorf("config %+v, error %v", cfg, err)
			}
		})
	}
}

// TestEveryEnvFlagIsNamed makes sure the help of each serve flag names its
// variable, since that is where the binding comes from.
func TestEveryEnvFlagIsNamed(t *testing.T) {
	var cfg serveConfig
	fs := serveFlags(&cfg)
	fs.VisitAll(func(f *flag.Flag) {
		if !envName.MatchString(f.Usage) {
			t.Errorf("--%s names no environment variable", f.Name)
		}
	})
}

func TestDescribeBuild(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "c696187aa"}, {Key: "vcs.time", Value: "2026-11-25T08:00:00Z"},
		{Key: "vcs.modified", Value: "true"}}
	cases := []struct {
		name       string
		bi         *debug.BuildInfo
		ldV, ldRev string
		want       string
	}{
		{"make build", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: modulePath, Version: "(devel)"}}, "v0.4.0", "abc123",
			"gridmap v0.4.0 (revision abc123) go1.26.8"},
		{"go build in a clone", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: modulePath, Version: "v0.0.0-20261125080000-c696187aa+dirty"}, Settings: vcs}, "", "",
			"gridmap v0.0.0-20261125080000-c696187aa+dirty (revision c696187aa, modified, 2026-11-25T08:00:00Z) go1.26.8"},
		{"go install from another module", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "example.com/tool"},
			Deps: []*debug.Module{{Path: modulePath, Version: "v0.5.0"}}}, "", "", "gridmap v0.5.0 (revision unknown) go1.26.8"},
		{"no build info", nil, "", "", "gridmap (devel) (revision unknown)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := describeBuild(c.bi, c.ldV, c.ldRev); !strings.HasPrefix(got, c.want) {
				t.Errorf("%q, want %q…", got, c.want)
			}
		})
	}
}

// TestServeSaysABusyDebugPortFirst: a --debug-addr in use is reported before
// the database is tried (here it does not answer, which would be said
// instead, and later).
func TestServeSaysABusyDebugPortFirst(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	exit, stderr := runBinary(t, binary(t), "serve", "--addr", "127.0.0.1:0", "--debug-addr", busy.Addr().String(),
		"--database-url", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	if exit != 1 || !strings.Contains(stderr, "--debug-addr: listen") {
		t.Errorf("exit %d, %q; want 1 naming --debug-addr", exit, stderr)
	}
}

// TestTimeFlag: --at reads what the API's at= reads: RFC 3339, or a date
// meaning its midnight in China.
func TestTimeFlag(t *testing.T) {
	for _, c := range []struct {
		in, want string // want "" for a refusal
	}{
		{"2026-12-05", "2026-12-04T16:00:00Z"},
		{"2026-12-05T01:30:00+08:00", "2026-12-04T17:30:00Z"},
		{"2026-12-04T17:30:00Z", "2026-12-04T17:30:00Z"},
		{"", ""},
		{"yesterday", ""},
		{"2026-13-01", ""},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := timeFlag(c.in)
			switch {
			case c.want == "" && err == nil:
				t.Errorf("accepted as %s", got)
			case c.want != "" && (err != nil || got.UTC().Format(time.RFC3339) != c.want):
				t.Errorf("got %s, %v; want %s", got.UTC().Format(time.RFC3339), err, c.want)
			}
		})
	}
}
