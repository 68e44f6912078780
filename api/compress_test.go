package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// compressServer is a router with only the compression middleware and
// answers of every kind it must tell apart.
func compressServer(t *testing.T) *httptest.Server {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(compress())
	big := `{"features":[` + strings.Repeat(`{"type":"Feature","properties":{"name":"网格"}},`, 200) + `{}]}`
	r.GET("/big", func(c *gin.Context) { c.Data(200, "application/geo+json", []byte(big)) })
	r.GET("/small", func(c *gin.Context) { c.JSON(200, gin.H{"status": "ok"}) })
	r.GET("/chunks", func(c *gin.Context) {
		c.Header("Content-Type", "application/json")
		for i := 0; i < 100; i++ {
			_, _ = c.Writer.WriteString(`{"chunk":"` + strings.Repeat("x", 50) + `"},`)
		}
	})
	r.GET("/versioned", func(c *gin.Context) {
		c.Header("ETag", `"v3"`)
		c.Data(200, "application/json", []byte(big))
	})
	r.GET("/encoded", func(c *gin.Context) {
		c.Header("Content-Encoding", "gzip")
		c.Data(200, "application/vnd.mapbox-vector-tile", gzipped(t, []byte(big)))
	})
	r.GET("/events", func(c *gin.Context) { c.Data(200, "text/event-stream", []byte(big)) })
	r.GET("/png", func(c *gin.Context) { c.Data(200, "image/png", []byte(big)) })
	r.GET("/notmodified", func(c *gin.Context) { c.Header("ETag", `"v3"`); c.Status(http.StatusNotModified) })
	srv := httptest.NewServer(headAsGet(r))
	t.Cleanup(srv.Close)
	return srv
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawTransport leaves Accept-Encoding and Content-Encoding alone.
var rawTransport = &http.Transport{DisableCompression: true}

// rawGet sends a request without Go's transparent gzip.
func rawGet(t *testing.T, method, url string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] != "" {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := rawTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func TestCompression(t *testing.T) {
	srv := compressServer(t)
	cases := []struct {
		path, accept string
		gzip         bool   // the answer is gzipped by the middleware
		vary         bool   // Vary: Accept-Encoding is set
		etag         string // expected ETag, if any
	}{
		{"/big", "gzip", true, true, ""},
		{"/big", "gzip;q=0", false, true, ""},
		{"/big", "", false, true, ""},
		{"/big", "br, gzip;q=0.5", true, true, ""},
		{"/small", "gzip", false, true, ""},
		{"/chunks", "gzip", true, true, ""},
		{"/versioned", "gzip", true, true, `"v3"`},
		{"/versioned", "", false, true, `"v3"`},
		{"/encoded", "gzip", false, false, ""},
		{"/events", "gzip", false, false, ""},
		{"/png", "gzip", false, false, ""},
		{"/notmodified", "gzip", false, false, `"v3"`},
	}
	for _, c := range cases {
		t.Run(c.path+" "+c.accept, func(t *testing.T) {
			r := rawGet(t, "GET", srv.URL+c.path, "Accept-Encoding", c.accept)
			gz := r.header.Get("Content-Encoding") == "gzip" && c.path != "/encoded"
			if gz != c.gzip {
				t.Errorf("Content-Encoding %q, want gzip=%v", r.header.Get("Content-Encoding"), c.gzip)
			}
			if vary := strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Accept-Encoding"); vary != c.vary {
				t.Errorf("Vary %q, want Accept-Encoding=%v", r.header.Values("Vary"), c.vary)
			}
			if c.etag != "" && r.header.Get("ETag") != c.etag {
				t.Errorf("ETag %s, want %s", r.header.Get("ETag"), c.etag)
			}
			body := r.body
			if gz || c.path == "/encoded" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("not gzip: %v", err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
				if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
					t.Error("compressed twice")
				}
			}
			if r.status == 200 && !bytes.HasPrefix(body, []byte("{")) {
				t.Errorf("body %.40q is not the JSON sent", body)
			}
		})
	}
}

// TestHeadAsGet checks HEAD answers with GET's status and headers and no
// body, compressed or not.
func TestHeadAsGet(t *testing.T) {
	srv := compressServer(t)
	for _, path := range []string{"/big", "/small", "/versioned", "/encoded", "/notmodified", "/nowhere"} {
		for _, accept := range []string{"", "gzip"} {
			t.Run(path+" "+accept, func(t *testing.T) {
				get := rawGet(t, "GET", srv.URL+path, "Accept-Encoding", accept)
				head := rawGet(t, "HEAD", srv.URL+path, "Accept-Encoding", accept)
				sameHead(t, get, head)
			})
		}
	}
}

// sameHead fails unless head is get without the body.
func sameHead(t *testing.T, get, head response) {
	t.Helper()
	if head.status != get.status {
		t.Errorf("HEAD %d, GET %d", head.status, get.status)
	}
	if len(head.body) != 0 {
		t.Errorf("HEAD has a body of %d bytes", len(head.body))
	}
	for _, h := range []string{"Content-Type", "Content-Encoding", "ETag", "Vary", "Cache-Control", "Content-Length", "Content-Crs"} {
		g, hv := strings.Join(get.header.Values(h), ","), strings.Join(head.header.Values(h), ",")
		if h == "Content-Length" && (g == "" || g == "0" && hv == "") {
			continue // a streamed GET has none; net/http adds 0 for an empty GET only
		}
		if g != hv {
			t.Errorf("%s: HEAD %q, GET %q", h, hv, g)
		}
	}
}
