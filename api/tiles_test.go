package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb/encoding/mvt"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/tiles"
)

// tileServer is the API with tiles over the demo city.
type tileServer struct {
	*testServer
	tiles *tiles.Service
}

func newTileServer(t *testing.T, db *postgres.DB) *tileServer {
	t.Helper()
	if db == nil {
		db = demotest.Open(t)
	}
	svc := openTiles(t, db)
	srv := httptest.NewServer(New(Deps{Units: db, Tiles: svc, CORSOrigins: []string{"https://dash.example"}}))
	t.Cleanup(srv.Close)
	return &tileServer{testServer: &testServer{db: db, srv: srv}, tiles: svc}
}

// openTiles is a tile service over db, closed when the test ends.
func openTiles(t testing.TB, db *postgres.DB) *tiles.Service {
	t.Helper()
	svc, err := tiles.New(context.Background(), db.Pool, tiles.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return svc
}

// get sends a GET with the given headers and returns the raw response
// (Go's transport does not add or undo gzip when Accept-Encoding is set).
func (ts *tileServer) get(t *testing.T, path string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest("GET", ts.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// 南开区 at z14: 长虹街道's communities and grids.
const nankaiTile = "/tiles/district,street,community,grid,enclave/14/13522/6252.mvt"

func TestTileHTTP(t *testing.T) {
	ts := newTileServer(t, nil)
	first := ts.get(t, nankaiTile, "Accept-Encoding", "gzip", "Origin", "https://dash.example")
	t.Run("first request draws the tile", func(t *testing.T) {
		h := first.header
		if first.status != 200 || h.Get("Content-Type") != "application/vnd.mapbox-vector-tile" || h.Get("X-Cache") != "miss" {
			t.Fatalf("status %d, type %q, X-Cache %q", first.status, h.Get("Content-Type"), h.Get("X-Cache"))
		}
		if vary := strings.Join(h.Values("Vary"), ","); h.Get("Content-Encoding") != "gzip" || !strings.Contains(vary, "Accept-Encoding") {
			t.Errorf("Content-Encoding %q, Vary %q", h.Get("Content-Encoding"), vary)
		}
		if h.Get("Cache-Control") != "no-cache" || !strings.HasPrefix(h.Get("ETag"), `"`) {
			t.Errorf("Cache-Control %q, ETag %q (want a strong tag)", h.Get("Cache-Control"), h.Get("ETag"))
		}
		if h.Get("Access-Control-Allow-Origin") != "https://dash.example" || !strings.Contains(h.Get("Access-Control-Expose-Headers"), "X-Cache") {
			t.Errorf("CORS headers %v", h)
		}
		layers, err := mvt.UnmarshalGzipped(first.body)
		if err != nil || len(layers) < 6 {
			t.Fatalf("gzipped body: %d layers, %v", len(layers), err)
		}
	})
	t.Run("second request is a cache hit with the same ETag", func(t *testing.T) {
		r := ts.get(t, nankaiTile, "Accept-Encoding", "gzip")
		if r.header.Get("X-Cache") != "hit" || r.header.Get("ETag") != first.header.Get("ETag") || !bytes.Equal(r.body, first.body) {
			t.Errorf("X-Cache %q, ETag %q vs %q", r.header.Get("X-Cache"), r.header.Get("ETag"), first.header.Get("ETag"))
		}
	})
	t.Run("without gzip the same tile, another tag", func(t *testing.T) {
		r := ts.get(t, nankaiTile, "Accept-Encoding", "identity")
		zr, _ := gzip.NewReader(bytes.NewReader(first.body))
		plain, _ := io.ReadAll(zr)
		if r.header.Get("Content-Encoding") != "" || !bytes.Equal(r.body, plain) || r.header.Get("ETag") == first.header.Get("ETag") {
			t.Errorf("identity response: encoding %q, %d bytes (want %d), ETag %q", r.header.Get("Content-Encoding"), len(r.body), len(plain), r.header.Get("ETag"))
		}
	})
	t.Run("If-None-Match gives 304", func(t *testing.T) {
		etag := first.header.Get("ETag")
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, strings.TrimSuffix(etag, `-gz"`) + `"`, "*"} {
			r := ts.get(t, nankaiTile, "Accept-Encoding", "gzip", "If-None-Match", inm)
			if r.status != 304 || len(r.body) != 0 || r.header.Get("ETag") != etag {
				t.Errorf("If-None-Match %s: status %d, %d bytes, ETag %q", inm, r.status, len(r.body), r.header.Get("ETag"))
			}
		}
		if r := ts.get(t, nankaiTile, "If-None-Match", `"stale"`); r.status != 200 {
			t.Errorf("a stale tag got %d", r.status)
		}
	})
	t.Run("an empty tile", func(t *testing.T) {
		r := ts.get(t, "/tiles/grid/14/0/0.mvt", "Accept-Encoding", "gzip")
		if r.status != 200 || len(r.body) != 0 || r.header.Get("ETag") == "" {
			t.Errorf("status %d, %d bytes, ETag %q", r.status, len(r.body), r.header.Get("ETag"))
		}
	})
}

func TestTileErrors(t *testing.T) {
	ts := newTileServer(t, nil)
	cases := []struct {
		path   string
		status int
		field  string
	}{
		{"/tiles/grid/25/0/0.mvt", 400, "z"},
		{"/tiles/grid/3/8/0.mvt", 400, "x"},
		{"/tiles/grid/3/0/1.png", 400, "y"},
		{"/tiles/grids/3/0/1.mvt", 400, "layers"},
		{"/tiles/grid/3/0/1.mvt?colour=red", 400, "colour"},
		{"/tiles/grid/3/0/1.mvt?severity=3", 400, "severity"},
		{"/tiles/grid.xml", 404, "path"},
		{"/tiles/nope.json", 400, "layers"},
		{"/web/../go.mod", 404, "path"},
		{"/web/vendor", 404, "path"},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			r := ts.get(t, c.path)
			if r.status != c.status || r.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d (want %d), type %q: %s", r.status, c.status, r.header.Get("Content-Type"), r.body)
			}
			if p := r.json(t); p["field"] != c.field {
				t.Errorf("problem names %v, want %s: %v", p["field"], c.field, p)
			}
		})
	}
}

func TestTileJSONCatalogAndStyle(t *testing.T) {
	ts := newTileServer(t, nil)
	var tj tiles.TileJSON
	decodeOK(t, ts.get(t, "/tiles/district,grid.json"), &tj)
	t.Run("TileJSON", func(t *testing.T) {
		if tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || tj.Tiles[0] != ts.srv.URL+"/tiles/district,grid/{z}/{x}/{y}.mvt" {
			t.Errorf("tilejson %q, tiles %v", tj.TileJSON, tj.Tiles)
		}
		ids := map[string]bool{}
		for _, l := range tj.VectorLayers {
			ids[l.ID] = true
		}
		if !ids["grid"] || !ids["grid_label"] || !ids["district_label"] || tj.MinZoom != 0 || tj.MaxZoom != tiles.SourceMaxZoom {
			t.Errorf("vector layers %v, zooms %d–%d", ids, tj.MinZoom, tj.MaxZoom)
		}
		if tj.Bounds[0] < 116 || tj.Bounds[2] > 119 || tj.Bounds[1] < 38 || tj.Bounds[3] > 41 {
			t.Errorf("bounds %v are not Tianjin's", tj.Bounds)
		}
	})
	t.Run("catalog", func(t *testing.T) {
		var cat tiles.Catalog
		decodeOK(t, ts.get(t, "/tiles/catalog"), &cat)
		if len(cat.Layers) < 5 || cat.Layers[0].Name != "district" || cat.Versions["grid"] == 0 {
			t.Fatalf("catalog %+v", cat)
		}
		if g := cat.Layers[0].GeneralisedFor; len(g) == 0 {
			t.Errorf("districts have no generalisation bands: %v", g)
		}
	})
	t.Run("style draws only layers the tiles have", func(t *testing.T) {
		var style struct {
			Version int                       `json:"version"`
			Sources map[string]map[string]any `json:"sources"`
			Layers  []map[string]any          `json:"layers"`
		}
		decodeOK(t, ts.get(t, "/style.json"), &style)
		have := map[string]map[string]bool{} // source → the vector layers its tiles have
		for _, name := range []string{tiles.SourceName, tiles.LiveSourceName} {
			src, ok := style.Sources[name]
			if !ok {
				t.Fatalf("no source %s in the style: %v", name, style.Sources)
			}
			var tj tiles.TileJSON
			decodeOK(t, ts.get(t, strings.TrimPrefix(src["url"].(string), ts.srv.URL)), &tj)
			have[name] = map[string]bool{}
			for _, l := range tj.VectorLayers {
				have[name][l.ID] = true
			}
		}
		if style.Version != 8 || len(style.Layers) < 10 {
			t.Fatalf("style version %d with %d layers", style.Version, len(style.Layers))
		}
		for _, l := range style.Layers {
			from, _ := l["source"].(string)
			if src, ok := l["source-layer"].(string); ok && !have[from][src] {
				t.Errorf("style layer %v draws source layer %s, which the tiles of its source %q lack", l["id"], src, from)
			}
		}
	})
}

func decodeOK(t *testing.T, r response, v any) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
}

func TestDashboardFiles(t *testing.T) {
	ts := newTileServer(t, nil)
	page := ts.get(t, "/")
	if page.status != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") || !bytes.Contains(page.body, []byte("app.js")) {
		t.Fatalf("dashboard: status %d, type %q", page.status, page.header.Get("Content-Type"))
	}
	js := ts.get(t, "/web/vendor/maplibre-gl/maplibre-gl.mjs", "Accept-Encoding", "gzip")
	if js.status != 200 || js.header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") {
		t.Errorf("maplibre: status %d, encoding %q, type %q", js.status, js.header.Get("Content-Encoding"), js.header.Get("Content-Type"))
	}
	if r := ts.get(t, "/web/app.js", "If-None-Match", ts.get(t, "/web/app.js").header.Get("ETag")); r.status != 304 {
		t.Errorf("revalidating app.js: %d", r.status)
	}
}

// TestTileClientHangsUp: a client that goes away while its tile is drawn
// causes no error log (and no 5xx in the metrics).
func TestTileClientHangsUp(t *testing.T) {
	ts := newTileServer(t, nil)
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	defer slog.SetDefault(prev)
	for i, z := range []int{9, 10, 11} { // uncached tiles with every layer
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i+1)*time.Millisecond)
		req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/tiles/district,street,community,grid,enclave/%d/%d/%d.mvt",
			ts.srv.URL, z, 1685<<z>>11, 775<<z>>11), nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		cancel()
	}
	time.Sleep(300 * time.Millisecond)
	if bytes.Contains(logs.Bytes(), []byte("level=ERROR")) {
		t.Errorf("a client hanging up was logged as an error:\n%s", logs.String())
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"": false, "gzip": true, "gzip, deflate, br": true, "br;q=1.0, gzip;q=0.8": true, "GZIP": true,
		"gzip;q=0": false, "gzip; q=0.000": false, "identity": false, "*": true, "*;q=0": false, "deflate": false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", header, got, want)
		}
	}
}
