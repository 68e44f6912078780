package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestQRPNGIsPrivate: the PNG --qr-png writes holds the token (the
// enrolment link carries it in its fragment), for any role, an admin's too.
// It must be readable by its owner alone, as an SSH key is, whatever the
// umask, and also when a file of that name was there with wider permissions.
func TestQRPNGIsPrivate(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	old := syscall.Umask(0o022) // the usual umask
	defer syscall.Umask(old)
	dir := t.TempDir()
	fresh, existing := filepath.Join(dir, "admin.png"), filepath.Join(dir, "old.png")
	if err := os.WriteFile(existing, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, png := range []string{fresh, existing} {
		var out, msg bytes.Buffer
		err := tokenCreate(ctx, []string{"--database-url=" + db.URL(), "--role", "admin", "--name", "管理员" + filepath.Base(png),
			"--qr-png", png, "--url", "https://grid.example.gov.cn"}, &out, &msg)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(png)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s, which holds an admin token, is %v: others may read it", filepath.Base(png), st.Mode().Perm())
		}
	}
}
