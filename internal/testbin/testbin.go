// Package testbin builds the gridmap command for the tests that run it as a
// process: once per test process, into a new directory whose name starts
// with the process's id. A test binary has no hook at its end (short of a
// TestMain in every package), so the directories of processes that have
// ended are removed by the next process that builds: the builds no longer
// pile up in the temporary directory, 62 MB a run.
package testbin

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// prefix starts the name of each process's directory; the process id and
// a dash follow (then a random part: a directory of another user or of a
// process of another PID namespace is never reused).
const prefix = "gridmap-bin-"

// gridmap is this process's build of the command.
var gridmap struct {
	once sync.Once
	path string
	err  error
}

// Gridmap returns the path of the gridmap command, built the first time a
// test of this process asks for it with "go build" and flags (one build a
// process: every caller in it must pass the same flags).
func Gridmap(tb testing.TB, flags ...string) string {
	tb.Helper()
	gridmap.once.Do(func() {
		gridmap.path, gridmap.err = goBuild(append(flags, "github.com/gridmap-dev/gridmap/cmd/gridmap"))
	})
	if gridmap.err != nil {
		tb.Fatal(gridmap.err)
	}
	return gridmap.path
}

// goBuild builds gridmap with args (flags, then the package) into a new
// directory of this process.
func goBuild(args []string) (string, error) {
	removeEnded()
	dir, err := os.MkdirTemp("", prefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "gridmap")
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(gobin, append([]string{"build", "-o", path}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return path, nil
}

// removeEnded removes the directories of processes that have ended (and
// those earlier tests made with only a random number where the id now is).
func removeEnded() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	for _, dir := range dirs {
		id, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), prefix), "-")
		pid, err := strconv.Atoi(id)
		if err != nil || pid == os.Getpid() || !ended(pid) {
			continue
		}
		_ = os.RemoveAll(dir) // what cannot be removed (another user's) is left
	}
}

// ended reports whether no process has the id pid.
func ended(pid int) bool {
	return pid <= 0 || pid > 1<<22 || errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
