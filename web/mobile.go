package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"sort"
)

// serviceWorker is the app's service worker. It names the version of the
// app's files, so that a new binary with changed files makes phones fetch
// them again: the browser sees a changed worker script and installs it,
// and the new worker caches the new files under the new version.
const serviceWorker = "m/sw.js"

// sharedWithApp are the console's files the app imports (its shell keeps
// them: m/sw.js).
var sharedWithApp = []string{"chinatime.js", "challenge.js"}

// versionMark is replaced in the service worker by the version.
var versionMark = []byte("__GRIDMAP_APP_VERSION__")

// stampServiceWorker puts the version of the app's files into the worker.
func stampServiceWorker(raw []byte) []byte {
	return bytes.ReplaceAll(raw, versionMark, []byte(AppVersion()))
}

// AppVersion is a hash of every embedded file the app uses: its own (m/),
// MapLibre's and those it shares with the console (sharedWithApp).
func AppVersion() string {
	names := append([]string(nil), sharedWithApp...)
	for _, dir := range []string{"m", "vendor/maplibre-gl"} {
		entries, _ := fs.ReadDir(files, dir) // embedded directories: cannot fail
		for _, e := range entries {
			if !e.IsDir() && dir+"/"+e.Name() != serviceWorker {
				names = append(names, dir+"/"+e.Name())
			}
		}
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, _ := fs.ReadFile(files, n)
		sum := sha256.Sum256(b)
		h.Write([]byte(n))
		h.Write(sum[:])
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
