package api

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/audit"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/importer"
	"github.com/gridmap-dev/gridmap/tiles"
)

// headPaths gives every GET route a path to try; a route missing here fails
// TestHeadOnEveryGETRoute, so new routes are covered too.
var headPaths = map[string]string{
	"/":                                    "/",
	"/v1/units":                            "/v1/units?level=street&parent=120104",
	"/v1/units/:code":                      "/v1/units/120104",
	"/v1/units/:code/history":              "/v1/units/120104/history",
	"/v1/enclaves":                         "/v1/enclaves",
	"/v1/enclaves/:code":                   "/v1/enclaves/nowhere",
	"/v1/enclaves/:code/history":           "/v1/enclaves/nowhere/history",
	"/v1/reports":                          "/v1/reports",
	"/v1/reports/:id":                      "/v1/reports/0b7c6a3e-5f1d-4a51-9b7e-6d2f1c3a9e01",
	"/v1/attachments/:checksum":            "/v1/attachments/sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	"/v1/me":                               "/v1/me",
	"/m":                                   "/m/",
	"/m/*file":                             "/m/manifest.webmanifest",
	"/v1/resolve":                          "/v1/resolve?lng=117.15&lat=39.11",
	"/v1/categories":                       "/v1/categories",
	"/v1/stats":                            "/v1/stats?unit=120104",
	"/v1/patrols/coverage":                 "/v1/patrols/coverage?unit=120104001&date=2026-11-25",
	"/v1/imports/:id":                      "/v1/imports/1",
	"/v1/audit":                            "/v1/audit?unit=120104",
	"/ogc":                                 "/ogc",
	"/ogc/collections":                     "/ogc/collections",
	"/ogc/collections/:collectionId":       "/ogc/collections/grids",
	"/ogc/collections/:collectionId/items": "/ogc/collections/grids/items?limit=50",
	"/ogc/collections/:collectionId/items/:featureId": "/ogc/collections/districts/items/120104",
	"/ogc/collections/:collectionId/queryables":       "/ogc/collections/grids/queryables",
	"/ogc/conformance":        "/ogc/conformance",
	"/ogc/api":                "/ogc/api",
	"/openapi.json":           "/openapi.json",
	"/tiles/catalog":          "/tiles/catalog",
	"/tiles/:layers":          "/tiles/district,grid.json",
	"/tiles/:layers/:z/:x/:y": "/tiles/district,street,community,grid,enclave/14/13522/6252.mvt",
	"/healthz":                "/healthz",
	"/readyz":                 "/readyz",
	"/metrics":                "",
	"/style.json":             "/style.json",
	"/web/*file":              "/web/app.js",
	"/screen":                 "/screen",
	"/v1/stats/overview":      "/v1/stats/overview?unit=120104",
	"/v1/events":              "/v1/events",
}

// TestHeadOnEveryGETRoute asks every GET route with HEAD, with and without
// gzip, and wants GET's status and headers without a body (the metrics
// change between two requests and are only checked for 200).
func TestHeadOnEveryGETRoute(t *testing.T) {
	db, svc := openDemoService(t)
	ctx, cancel := context.WithCancel(context.Background())
	jobs := &importer.Jobs{Pool: db.Pool, Base: ctx}
	t.Cleanup(func() { cancel(); jobs.Wait() })
	tileSvc, err := tiles.New(ctx, db.Pool, tiles.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tileSvc.Close)
	d := Deps{Units: db, Resolver: svc, Tokens: db, Versions: db, Reports: db, Patrols: db, Policy: casework.DefaultPolicy(),
		Imports: jobs, Audit: &audit.Store{Pool: db.Pool}, Tiles: tileSvc,
		Ready: func(context.Context) error { return svc.Ready() }}
	srv := httptest.NewServer(New(d))
	t.Cleanup(srv.Close)
	for _, r := range newEngine(d).Routes() {
		if r.Method != "GET" {
			continue
		}
		path, ok := headPaths[r.Path]
		if !ok {
			t.Errorf("GET %s has no sample path in headPaths", r.Path)
			continue
		}
		if path == "" {
			path = r.Path
		}
		for _, accept := range []string{"", "gzip"} {
			t.Run(strings.TrimPrefix(r.Path, "/")+" "+accept, func(t *testing.T) {
				get := rawGet(t, "GET", srv.URL+path, "Accept-Encoding", accept)
				head := rawGet(t, "HEAD", srv.URL+path, "Accept-Encoding", accept)
				if get.status == 405 || head.status == 405 {
					t.Fatalf("GET %d, HEAD %d", get.status, head.status)
				}
				if r.Path == "/metrics" {
					return
				}
				sameHead(t, get, head)
			})
		}
	}
}
