package importer

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/gridmap-dev/gridmap/geo"
)

// Space is the disk that uploads wait in and their zips unpack to: one
// directory holding a subdirectory per upload, bounded in bytes across all
// uploads of the process. Every byte written — an uploaded part, an
// unpacked zip member — is taken from the budget as it is written and
// given back when the upload's directory is removed, when its job ends.
// Subdirectories are named after the process that made them, so that
// Clean removes, at start, what a process killed with -9 left behind and
// nothing a live one still uses.
type Space struct {
	// Dir holds the uploads; "" is gridmap-uploads in the system's
	// temporary directory.
	Dir string
	// MaxBytes bounds every upload and unpacked zip together; 0 is
	// DefaultSpaceBytes.
	MaxBytes int64

	used atomic.Int64
}

// DefaultSpaceBytes is the upload space when none is configured.
const DefaultSpaceBytes = 4 << 30

func (s *Space) dir() string {
	if s.Dir == "" {
		return filepath.Join(os.TempDir(), "gridmap-uploads")
	}
	return s.Dir
}

func (s *Space) max() int64 {
	if s.MaxBytes <= 0 {
		return DefaultSpaceBytes
	}
	return s.MaxBytes
}

// Used is the number of bytes uploads hold now.
func (s *Space) Used() int64 { return s.used.Load() }

// uploadPrefix starts the name of every upload directory; the process id
// follows.
const uploadPrefix = "upload-"

// newDir makes a private directory for one upload.
func (s *Space) newDir() (string, error) {
	if err := os.MkdirAll(s.dir(), 0o700); err != nil {
		return "", fmt.Errorf("upload space: %w", err)
	}
	dir, err := os.MkdirTemp(s.dir(), uploadPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", fmt.Errorf("upload space: %w", err)
	}
	return dir, nil
}

// Clean removes the upload directories of processes that are gone (a
// crash, kill -9) and returns how many it removed.
func (s *Space) Clean() (int, error) {
	entries, err := os.ReadDir(s.dir())
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("clean the upload space: %w", err)
	}
	n := 0
	for _, e := range entries {
		pid, ok := uploadOwner(e.Name())
		if !ok || processAlive(pid) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(s.dir(), e.Name())); err != nil {
			slog.Warn("clean the upload space", "dir", e.Name(), "err", err)
			continue
		}
		n++
	}
	return n, nil
}

// uploadOwner reads the process id from an upload directory's name.
func uploadOwner(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, uploadPrefix)
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
	return pid, err == nil && pid > 0
}

// processAlive reports whether a process with that id runs (this one does).
func processAlive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// allowance is one upload's share of the space: what it has taken, checked
// against the whole budget as it grows.
type allowance struct {
	space *Space
	taken atomic.Int64
}

// take claims n more bytes for the upload.
func (a *allowance) take(n int64) error {
	max := a.space.max()
	if a.taken.Load()+n > max {
		return geo.Errorf(geo.ETOOLARGE, "file", "the upload and what it unpacks to exceed the %d bytes of upload space", max)
	}
	if a.space.used.Add(n) > max {
		a.space.used.Add(-n)
		return geo.Errorf(geo.EUNAVAILABLE, "file", "the upload space is full with other imports; retry when they have finished")
	}
	a.taken.Add(n)
	return nil
}

// release gives everything the upload took back to the space.
func (a *allowance) release() { a.space.used.Add(-a.taken.Swap(0)) }
