package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/mock"
)

// discardWriter is a reusable http.ResponseWriter that keeps nothing: the
// benchmarks below measure the handler stack, not a recorder.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(s int)           { w.status = s }
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

// BenchmarkResolveGET measures GET /v1/resolve through the whole handler
// (the fast path, and the router it falls back to) over an index-free
// resolver with a fixed, realistic answer: what the HTTP path adds to a
// resolution.
func BenchmarkResolveGET(b *testing.B) {
	answer, _ := (&mock.Resolver{}).Resolve(context.Background(), geo.ResolveQuery{Point: [2]float64{117.15, 39.11}})
	answer.IndexVersion = 42
	deps := Deps{Resolver: &mock.Resolver{Answer: func(q geo.ResolveQuery) (geo.Resolution, error) {
		r := answer
		r.Point = q.Point
		return r, nil
	}}}
	reqs := make([]*http.Request, 256)
	for i := range reqs {
		u := fmt.Sprintf("/v1/resolve?lng=%.7f&lat=%.7f", 117.0+float64(i)*0.001, 39.0+float64(i)*0.0007)
		reqs[i] = &http.Request{Method: http.MethodGet, URL: mustURL(u), Header: http.Header{}, RequestURI: u}
		reqs[i] = reqs[i].WithContext(context.Background())
	}
	for _, stack := range []struct {
		name string
		h    http.Handler
	}{{"fast path", New(deps)}, {"router", headAsGet(newEngine(deps))}} {
		b.Run(stack.name, func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				clear(w.h)
				w.status, w.n = 0, 0
				stack.h.ServeHTTP(w, reqs[i&255])
				if w.status != 0 && w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
