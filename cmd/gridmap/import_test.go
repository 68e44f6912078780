package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/importer"
)

// streetFile exports the grids of 兴南街道 (120104001) with the first one
// renamed to name, so that importing it commits a change.
func streetFile(t *testing.T, db *postgres.DB, name string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "grids.geojson")
	if _, err := importer.Export(context.Background(), db.Pool, importer.ExportOptions{Level: geo.Grid, Under: "120104001"}, path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string           `json:"type"`
		Features []map[string]any `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil || len(fc.Features) == 0 {
		t.Fatalf("export: %v", err)
	}
	fc.Features[0]["properties"].(map[string]any)["name"] = name
	b, _ = json.Marshal(fc)
	path = filepath.Join(dir, name+".geojson")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runGridmap runs the binary and returns its exit status and output.
func runGridmap(t *testing.T, args ...string) (exit int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		exit = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return exit, out.String(), errOut.String()
}

// TestImportCommandIndexVersion: a committed import names the data version
// that holds it — what a client passes as min_version to read its own
// write — in the text report and in --json, as the API's job report does.
func TestImportCommandIndexVersion(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	cases := []struct {
		name string
		json bool
	}{
		{"text", false},
		{"json", true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, err := db.HeadVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			args := []string{"import", "--database-url", db.URL(), streetFile(t, db, fmt.Sprintf("改名网格%d", i))}
			if c.json {
				args = append(args[:1], append([]string{"--json"}, args[1:]...)...)
			}
			exit, stdout, stderr := runGridmap(t, args...)
			if exit != 0 {
				t.Fatalf("exit %d: %s", exit, stderr)
			}
			head, err := db.HeadVersion(ctx)
			if err != nil || head <= before {
				t.Fatalf("data version %d after the import, %d before (%v)", head, before, err)
			}
			var got int64
			if c.json {
				var rep struct {
					Committed    bool  `json:"committed"`
					IndexVersion int64 `json:"index_version"`
				}
				if err := json.Unmarshal([]byte(stdout), &rep); err != nil || !rep.Committed {
					t.Fatalf("report %v: %s", err, stdout)
				}
				got = rep.IndexVersion
			} else if m := regexp.MustCompile(`Index version (\d+): pass min_version=(\d+)`).FindStringSubmatch(stderr); m != nil && m[1] == m[2] {
				got, _ = strconv.ParseInt(m[1], 10, 64)
			}
			if got != head {
				t.Errorf("index version %d in the report, want %d (the data version after the import)\n%s%s", got, head, stdout, stderr)
			}
		})
	}
}

// TestImportCommandRetireMissing: --retire-missing without --scope is a
// wrong command line (it would retire every other street's grids in the
// city); with a scope a dry run lists what it would retire.
func TestImportCommandRetireMissing(t *testing.T) {
	db := demotest.Open(t)
	file := streetFile(t, db, "改名网格")
	var others int
	err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM unit WHERE level = 'grid' AND valid_to IS NULL
		AND starts_with(code, '120104') AND NOT starts_with(code, '120104001')`).Scan(&others)
	if err != nil || others == 0 {
		t.Fatalf("%d other grids in 南开区 (%v)", others, err)
	}
	cases := []struct {
		name   string
		args   []string
		exit   int
		stderr []string // pieces of standard error
	}{
		{"no scope", []string{"--retire-missing"}, 2, []string{"gridmap import: invalid scope: retiring (--retire-missing, the upload field retire_missing) without a scope", "--scope 120104"}},
		{"scope all without --retire-missing", []string{"--scope", "all"}, 2, []string{"a scope only limits retiring (--retire-missing"}},
		{"a dry run lists what it would retire", []string{"--retire-missing", "--scope", "120104", "--dry-run"}, 0,
			[]string{fmt.Sprintf("retire %d. Nothing was changed", others), fmt.Sprintf("Would retire %d (not in the file):", others), "grid      120104002"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"import", "--database-url", db.URL()}, c.args...)
			exit, _, stderr := runGridmap(t, append(args, file)...)
			if exit != c.exit {
				t.Fatalf("exit %d, want %d: %s", exit, c.exit, stderr)
			}
			for _, s := range c.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%.2000s", s, stderr)
				}
			}
			if c.exit == 2 && strings.Count(stderr, "\n") != 1 {
				t.Errorf("a wrong command line is one line: %q", stderr)
			}
		})
	}
}
