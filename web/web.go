// Package web is gridmap's pages: the dashboard (/: one MapLibre GL JS page
// drawing the vector tiles of /style.json, with an edit mode for boundaries,
// edit.js, terra-draw), the command centre's big screen (/screen: the map,
// key figures, Apache ECharts charts and a live feed from /v1/events) and
// the grid worker's phone app (m/, served at /m/), embedded in the binary
// together with MapLibre, terra-draw and ECharts
// themselves (vendor/, from npm), so nothing is fetched from the internet
// at run time.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"mime"
	"path"
	"strings"
	"sync"
)

//go:embed index.html app.js app.css chinatime.js challenge.js audit.js panel.js edit.js edit-draw.js edit-new.js edit-outcome.js edit-shared.js edit-tools.js edit-problem.js edit-token.js edit-words.js edit-save.js edit.css i18n.js dom.js import.js import-files.js import-report.js retile.js me.js refusal.js view.js
//go:embed screen.html screen.js screen.css screen-charts.js screen-live.js screen-map.js screen-api.js screen-feed.js screen-link.js screen-feed-item.js screen-figures.js screen-legend.js screen-crumbs.js screen-case.js screen-case-words.js screen-problem.js
//go:embed vendor/maplibre-gl/*.mjs vendor/maplibre-gl/*.css vendor/maplibre-gl/LICENSE.txt
//go:embed vendor/terra-draw/*.js vendor/terra-draw/LICENSE.txt
//go:embed vendor/echarts/*.js vendor/echarts/*.txt
//go:embed m
var files embed.FS

// Asset is one embedded file, ready to serve: its bytes, their gzip (made
// once, on first use) and a strong ETag.
type Asset struct {
	Name        string
	ContentType string
	Raw         []byte
	ETag        string

	gzipOnce sync.Once
	gzip     []byte
}

var (
	assetsMu sync.Mutex
	assets   = map[string]*Asset{}
)

// Lookup returns the asset at name ("index.html", "app.js",
// "vendor/maplibre-gl/maplibre-gl.mjs", …); ok is false for anything not
// embedded, including directories and paths that try to climb out.
func Lookup(name string) (*Asset, bool) {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	assetsMu.Lock()
	defer assetsMu.Unlock()
	if a, ok := assets[name]; ok {
		return a, true
	}
	raw, err := fs.ReadFile(files, name)
	if err != nil {
		return nil, false
	}
	if name == serviceWorker {
		raw = stampServiceWorker(raw)
	}
	sum := sha256.Sum256(raw)
	a := &Asset{Name: name, ContentType: contentType(name), Raw: raw,
		ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`}
	assets[name] = a
	return a, true
}

// Gzip returns the asset gzipped.
func (a *Asset) Gzip() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = w.Write(a.Raw) // writes to a bytes.Buffer cannot fail
		_ = w.Close()
		a.gzip = buf.Bytes()
	})
	return a.gzip
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".mjs", ".js":
		return "text/javascript; charset=utf-8" // module scripts must have a JavaScript type
	case ".txt":
		return "text/plain; charset=utf-8"
	case ".webmanifest":
		return "application/manifest+json"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}
