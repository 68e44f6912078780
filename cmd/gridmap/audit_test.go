package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
)

// TestAuditOutput: the report is the command's output (so that
// `gridmap audit > file` keeps it), unless the GeoJSON takes standard
// output; then the report goes beside it, on standard error.
func TestAuditOutput(t *testing.T) {
	db := demotest.Open(t)
	bin := binary(t)
	for _, c := range []struct {
		name                string
		args                []string
		stdout, stderr      string // pieces of each ("" : empty)
		stdoutIsFeatureColl bool
	}{
		{"report", []string{"--unit", "120104"}, "coverage audit of 120104", "", false},
		{"JSON", []string{"--unit", "120104", "--json"}, `"summary"`, "", false},
		{"GeoJSON on stdout", []string{"--unit", "120104", "--geojson", "-"}, `"FeatureCollection"`, "coverage audit of 120104", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"audit", "--database-url", db.URL()}, c.args...)...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v: %s", err, stderr.String())
			}
			if !strings.Contains(stdout.String(), c.stdout) {
				t.Errorf("stdout lacks %q:\n%.500s", c.stdout, stdout.String())
			}
			if c.stderr == "" && stderr.Len() > 0 || !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("stderr %q, want %q", stderr.String(), c.stderr)
			}
			if c.stdoutIsFeatureColl && !json.Valid(stdout.Bytes()) {
				t.Errorf("stdout is not one JSON document:\n%.500s", stdout.String())
			}
		})
	}
}
