package web

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestAppKeepsWhatItShares: every console file the phone app imports
// (../web/x.js) is in sharedWithApp, so that a change to it makes a new app
// version, and in the service worker's shell, so that the app opens
// without signal; and every shared file is one the app imports. Both lists
// are kept by hand.
func TestAppKeepsWhatItShares(t *testing.T) {
	importRe := regexp.MustCompile(`from '\.\./web/([a-z0-9-]+\.js)'`)
	imported := map[string]bool{}
	entries, err := fs.ReadDir(files, "m")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".js") {
			continue
		}
		src, err := fs.ReadFile(files, "m/"+e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range importRe.FindAllSubmatch(src, -1) {
			imported[string(m[1])] = true
		}
	}
	if len(imported) == 0 {
		t.Fatal("the app imports none of the console's files: the pattern no longer finds them")
	}
	sw, err := fs.ReadFile(files, serviceWorker)
	if err != nil {
		t.Fatal(err)
	}
	for name := range imported {
		if !slices.Contains(sharedWithApp, name) {
			t.Errorf("m/ imports %s, which sharedWithApp (the app's version) leaves out", name)
		}
		if !strings.Contains(string(sw), "'web/"+name+"'") {
			t.Errorf("m/ imports %s, which the service worker's shell leaves out", name)
		}
		if _, ok := Lookup(name); !ok {
			t.Errorf("m/ imports %s, which is not embedded", name)
		}
	}
	for _, name := range sharedWithApp {
		if !imported[name] {
			t.Errorf("sharedWithApp lists %s, which the app does not import", name)
		}
	}
}
