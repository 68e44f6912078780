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

var (
	mu    sync.Mutex
	built = map[string]*build{}
)

// build is one binary of this process.
type build struct {
	once sync.Once
	path string
	err  error
}

// Build returns the path of the binary name, built the first time a test of
// this process asks for it with "go build" and args (flags, then the
// package). Every caller of one name must pass the same args.
func Build(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	mu.Lock()
	b := built[name]
	if b == nil {
		b = &build{}
		built[name] = b
	}
	mu.Unlock()
	b.once.Do(func() { b.path, b.err = goBuild(name, args) })
	if b.err != nil {
		tb.Fatal(b.err)
	}
	return b.path
}

// goBuild builds name into a new directory of this process.
func goBuild(name string, args []string) (string, error) {
	removeEnded()
	dir, err := os.MkdirTemp("", prefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
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
