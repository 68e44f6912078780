package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/paulmach/orb"
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

// TestFindingLine checks the audit's one-line findings name what a GIS
// user needs: both parents of an overlap across parents, and where a
// child outside its parent lies.
func TestFindingLine(t *testing.T) {
	for _, c := range []struct {
		name string
		f    geo.Finding
		want string
	}{
		{"siblings", geo.Finding{Kind: geo.FindingOverlap, ParentCode: "120104001001", Codes: []string{"120104001001001", "120104001001002"}, AreaM2: 12},
			"overlap  in 120104001001: 120104001001001 and 120104001001002 share 12 m²"},
		{"across parents", geo.Finding{Kind: geo.FindingOverlap, ParentCode: "120104001001", ParentCodes: []string{"120104001001", "120110001001"},
			Codes: []string{"120104001001009", "120110001001003"}, AreaM2: 2811},
			"overlap  in 120104001001 and 120110001001: 120104001001009 and 120110001001003 share 2811 m²"},
		{"outside, lying in another unit", geo.Finding{Kind: geo.FindingOutside, ParentCode: "120104001001", Codes: []string{"120104001001009", "120110001001"}, AreaM2: 2811},
			"outside  120104001001009 sticks out of 120104001001 by 2811 m², mostly into 120110001001"},
		{"outside, over nothing", geo.Finding{Kind: geo.FindingOutside, ParentCode: "120104001001", Codes: []string{"120104001001009"}, AreaM2: 40, Location: &orb.Point{117.1, 39.1}},
			"outside  120104001001009 sticks out of 120104001001 by 40 m² at 117.100000,39.100000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := findingLine(c.f); got != c.want {
				t.Errorf("findingLine = %q, want %q", got, c.want)
			}
		})
	}
}
