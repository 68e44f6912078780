package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// consumerMain is a program of another module that uses gridmap's packages.
const consumerMain = `package main

import (
	"fmt"

	"github.com/gridmap-dev/gridmap/api"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/importer"
)

func main() {
	crs, err := geo.ParseCRS("gcj02")
	fmt.Println(crs, err, importer.ExportFormats, api.MaxBodyBytes)
}
`

// TestAnotherModuleRequiresGridmap is what "go install …@latest" and
// importing gridmap need: a second module that requires gridmap (replaced
// by this checkout, as there is no network here) builds a program on its
// packages and go-installs its command, which then runs.
func TestAnotherModuleRequiresGridmap(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go [0-9.]+$`).Find(mod)
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/consumer\n\n" + string(goLine) + "\n\nrequire " + modulePath + " v0.0.0\n\nreplace " +
			modulePath + " => " + root + "\n",
		"main.go": consumerMain,
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum")) // the hashes of every module gridmap needs
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = string(sum)
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "bin")
	goCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOWORK=off", "GOFLAGS=-mod=mod")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	goCmd("mod", "tidy")
	goCmd("build", "-o", filepath.Join(dir, "consumer"), ".")
	goCmd("install", modulePath+"/cmd/gridmap")
	out, err := exec.Command(filepath.Join(bin, "gridmap"), "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "gridmap ") {
		t.Fatalf("the installed gridmap: %v\n%s", err, out)
	}
	if out, err := exec.Command(filepath.Join(dir, "consumer")).CombinedOutput(); err != nil || !strings.Contains(string(out), "gcj02") {
		t.Fatalf("the consumer: %v\n%s", err, out)
	}
}
