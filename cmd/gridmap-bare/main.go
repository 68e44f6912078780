// Command gridmap-bare is the ceiling gridmap's hot paths are measured
// against: a bare net/http server that answers with bytes captured from a
// running gridmap — the same body and the same headers — and does no work
// per request beyond finding them. scripts/bench-http.sh runs wrk against
// it and against gridmap in one run and prints the ratios.
//
// Every --path is fetched once from --from (with Accept-Encoding: gzip, as
// browsers and the benchmarks ask). A request is answered with the capture
// of its path; paths without a query string stand for every query (one
// resolve answer serves every point).
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// capture is one answer to replay.
type capture struct {
	header http.Header
	body   []byte
}

type pathsFlag []string

func (p *pathsFlag) String() string     { return strings.Join(*p, ",") }
func (p *pathsFlag) Set(s string) error { *p = append(*p, s); return nil }

func main() {
	from := flag.String("from", "http://127.0.0.1:8080", "the gridmap whose answers are replayed")
	addr := flag.String("addr", "127.0.0.1:18090", "listen address")
	pathsFile := flag.String("paths-file", "", "a file of paths to capture, one per line")
	var paths pathsFlag
	flag.Var(&paths, "path", "a path (with its query) to capture (repeatable)")
	flag.Parse()
	if *pathsFile != "" {
		b, err := os.ReadFile(*pathsFile)
		if err != nil {
			log.Fatal(err)
		}
		paths = append(paths, strings.Fields(string(b))...)
	}
	captures := map[string]capture{}
	for _, p := range paths {
		c, err := fetch(*from + p)
		if err != nil {
			log.Fatalf("capture %s: %v", p, err)
		}
		u, _ := url.Parse(p)
		captures[u.Path] = c
	}
	srv := &http.Server{Addr: *addr, ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := captures[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		for k, v := range c.header {
			h[k] = v
		}
		w.Write(c.body)
	})}
	fmt.Fprintf(os.Stderr, "gridmap-bare: %d answers captured from %s, listening on %s\n", len(captures), *from, *addr)
	log.Fatal(srv.ListenAndServe())
}

// fetch captures one answer, keeping the headers a client sees.
func fetch(u string) (capture, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return capture{}, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		return capture{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return capture{}, fmt.Errorf("status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return capture{}, err
	}
	h := resp.Header.Clone()
	h.Del("Date")
	h.Del("Content-Length")
	return capture{header: h, body: body}, nil
}
