// Command gridmap-photobench measures the photo store over HTTP on
// loopback (scripts/bench-photos.sh runs it against a server with each
// backend): concurrent uploads of distinct phone-sized photos (throughput,
// MB/s, latency percentiles), a retry of every one (already stored: 200),
// and reads of the originals and thumbnails; and, in process, the time to
// check a photo and make its thumbnail, which every new upload pays.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/photo"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:18083", "the server")
	token := flag.String("token", os.Getenv("GRIDMAP_TOKEN"), "a token that may report (env GRIDMAP_TOKEN)")
	label := flag.String("label", "", "what the run measures, for the table")
	n := flag.Int("photos", 200, "distinct photos to upload")
	conns := flag.Int("conns", 8, "concurrent clients")
	w := flag.Int("width", 1600, "photo width (the app resizes to at most 1600 px)")
	h := flag.Int("height", 1200, "photo height")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "seed of the photos (distinct runs, distinct photos)")
	thumbs := flag.Bool("thumbnail-only", false, "only time the in-process check and thumbnail")
	flag.Parse()
	photos := make([][]byte, *n)
	for i := range photos {
		photos[i] = synthPhoto(*w, *h, *seed+uint64(i))
	}
	if *thumbs {
		timeThumbnails(photos, *w, *h)
		return
	}
	b := bench{base: *base, token: *token, conns: *conns}
	if err := b.run(*label, photos); err != nil {
		fmt.Fprintln(os.Stderr, "gridmap-photobench:", err)
		os.Exit(1)
	}
}

// synthPhoto is a JPEG that compresses like a photo: smooth shading with
// grain, at quality 85 (the app's), a few hundred kilobytes at 1600×1200.
func synthPhoto(w, h int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	fx, fy := rng.Float64()*0.02, rng.Float64()*0.02
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 128 + 60*sin(float64(x)*fx+float64(y)*fy) + float64(rng.IntN(40))
			img.Y[img.YOffset(x, y)] = uint8(min(255, max(0, v)))
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(110+rng.IntN(20)), uint8(130+rng.IntN(20))
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}) // to memory: cannot fail
	return buf.Bytes()
}

// sin is a cheap smooth wave (no need for math.Sin's precision).
func sin(x float64) float64 {
	x -= float64(int(x/6.283185307)) * 6.283185307
	return x * (3.141592653 - x/2) / 4.93
}

// timeThumbnails times photo.Process (decode, check, thumbnail) per photo.
func timeThumbnails(photos [][]byte, w, h int) {
	var ds []time.Duration
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	for _, p := range photos {
		start := time.Now()
		if _, _, err := photo.Process(p, photo.JPEG, "body"); err != nil {
			fmt.Fprintln(os.Stderr, "gridmap-photobench:", err)
			os.Exit(1)
		}
		ds = append(ds, time.Since(start))
	}
	runtime.ReadMemStats(&ms)
	p50, p99 := quantile(ds, 0.5), quantile(ds, 0.99)
	fmt.Printf("   check + thumbnail of a %d×%d JPEG (%s): p50 %s, p99 %s, %.0f photos/s on one core, %.1f MB allocated per photo\n",
		w, h, kb(avg(photos)), ms1(p50), ms1(p99), float64(len(ds))/sum(ds).Seconds(), float64(ms.TotalAlloc-before)/float64(len(photos))/1e6)
}

type bench struct {
	base, token string
	conns       int
}

func (b bench) run(label string, photos [][]byte) error {
	fmt.Printf("== photos, %s: %d distinct %s JPEGs, %d concurrent clients\n", label, len(photos), kb(avg(photos)), b.conns)
	var sums []string
	for _, p := range photos {
		sums = append(sums, casework.ChecksumOf(p))
	}
	for _, phase := range []struct {
		name   string
		status int
		req    func(i int) (*http.Request, error)
		bytes  func(i int) int
	}{
		{"upload (new: check, thumbnail, store)", 201, func(i int) (*http.Request, error) { return b.upload(photos[i]) }, func(i int) int { return len(photos[i]) }},
		{"upload again (stored: 200, nothing written)", 200, func(i int) (*http.Request, error) { return b.upload(photos[i]) }, func(i int) int { return len(photos[i]) }},
		{"read the original", 200, func(i int) (*http.Request, error) { return b.get("/v1/attachments/" + sums[i]) }, func(i int) int { return len(photos[i]) }},
		{"read the thumbnail", 200, func(i int) (*http.Request, error) { return b.get("/v1/attachments/" + sums[i] + "?size=thumb") }, func(int) int { return 0 }},
	} {
		if err := b.phase(phase.name, len(photos), phase.status, phase.req, phase.bytes); err != nil {
			return err
		}
	}
	return nil
}

func (b bench) upload(p []byte) (*http.Request, error) {
	req, err := http.NewRequest("POST", b.base+"/v1/attachments", bytes.NewReader(p))
	if err == nil {
		req.Header.Set("Content-Type", photo.JPEG)
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	return req, err
}

func (b bench) get(path string) (*http.Request, error) {
	req, err := http.NewRequest("GET", b.base+path, nil)
	if err == nil {
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	return req, err
}

// phase sends n requests over b.conns clients and prints throughput and
// latency percentiles; any answer but want fails the run.
func (b bench) phase(name string, n, want int, req func(int) (*http.Request, error), size func(int) int) error {
	lat := make([]time.Duration, n)
	errs := make(chan error, n)
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < b.conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs <- b.one(i, want, req, lat)
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	for err := range errs {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	total := 0
	for i := 0; i < n; i++ {
		total += size(i)
	}
	mbs := ""
	if total > 0 {
		mbs = fmt.Sprintf(", %.1f MB/s", float64(total)/took.Seconds()/1e6)
	}
	fmt.Printf("   %-44s %7.1f /s%s  p50 %s  p90 %s  p99 %s  max %s\n", name, float64(n)/took.Seconds(), mbs,
		ms1(quantile(lat, 0.5)), ms1(quantile(lat, 0.9)), ms1(quantile(lat, 0.99)), ms1(quantile(lat, 1)))
	return nil
}

func (b bench) one(i, want int, req func(int) (*http.Request, error), lat []time.Duration) error {
	r, err := req(i)
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		return err
	}
	var sink bytes.Buffer
	_, _ = sink.ReadFrom(res.Body)
	res.Body.Close()
	lat[i] = time.Since(start)
	if res.StatusCode != want {
		return fmt.Errorf("status %d, want %d: %s", res.StatusCode, want, sink.String())
	}
	return nil
}

func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func sum(ds []time.Duration) (t time.Duration) {
	for _, d := range ds {
		t += d
	}
	return t
}

func avg(ps [][]byte) int {
	t := 0
	for _, p := range ps {
		t += len(p)
	}
	return t / max(1, len(ps))
}

func kb(n int) string { return fmt.Sprintf("%.0f KB", float64(n)/1000) }

func ms1(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
