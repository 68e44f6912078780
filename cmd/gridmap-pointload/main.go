// Command gridmap-pointload asks a server which units hold random points,
// over a fixed number of connections, one request in flight on each, for
// a fixed time, and prints the rate and the latency percentiles. It speaks
// HTTP/1.1 (GET /v1/resolve?lng=&lat=, to gridmap) and RESP (INTERSECTS
// key IDS POINT lat lon, to a Tile38-like engine), so that
// scripts/bench-http.sh compares the two with one client doing the same
// work on both sides: wrk speaks no RESP, and redis-benchmark cannot draw
// random coordinates.
//
// Like wrk -t1 it runs on one OS thread by default (GOMAXPROCS=1). It
// ends with a "pointload-summary rps p50_ms p99_ms errors requests" line
// for scripts; an error is an answer other than 200 or a RESP error.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// box is the area points are drawn from, in degrees.
type box struct{ minLng, minLat, maxLng, maxLat float64 }

// tally is what one connection measured.
type tally struct {
	latencies []time.Duration
	errors    int
}

// asker sends one point's question on a connection and reads the answer;
// ok is false for an answer that is not a success. An asker keeps its
// request buffer: each connection needs its own.
type asker func(w *bufio.Writer, r *bufio.Reader, lng, lat float64) (ok bool, err error)

func main() {
	target := flag.String("target", "http://127.0.0.1:18280", "http://host:port (gridmap) or resp://host:port (INTERSECTS)")
	conns := flag.Int("conns", 8, "connections, one request in flight on each")
	duration := flag.Duration("duration", 4*time.Second, "how long to ask")
	boxFlag := flag.String("box", "116.95 38.85 117.65 39.30", "the points' box: minlng minlat maxlng maxlat")
	key := flag.String("key", "units", "the collection INTERSECTS asks (RESP)")
	threads := flag.Int("threads", 1, "OS threads running Go code (GOMAXPROCS)")
	flag.Parse()
	runtime.GOMAXPROCS(*threads)
	b, err := parseBox(*boxFlag)
	if err != nil {
		log.Fatal(err)
	}
	u, err := url.Parse(*target)
	if err != nil {
		log.Fatal(err)
	}
	var newAsker func() asker
	switch u.Scheme {
	case "http":
		newAsker = func() asker { return askHTTP(u.Host) }
	case "resp":
		newAsker = func() asker { return askRESP(*key) }
	default:
		log.Fatalf("target %s: the scheme must be http or resp", *target)
	}
	begin := time.Now()
	tallies := run(u.Host, *conns, *duration, b, newAsker)
	report(os.Stdout, tallies, time.Since(begin))
}

// parseBox reads "minlng minlat maxlng maxlat".
func parseBox(s string) (box, error) {
	f := strings.Fields(s)
	var v [4]float64
	if len(f) != 4 {
		return box{}, fmt.Errorf("box %q: want four numbers", s)
	}
	for i := range v {
		x, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return box{}, fmt.Errorf("box %q: %w", s, err)
		}
		v[i] = x
	}
	return box{v[0], v[1], v[2], v[3]}, nil
}

// run asks from conns connections, each with its own asker, until the
// time is up.
func run(host string, conns int, d time.Duration, b box, newAsker func() asker) []tally {
	tallies := make([]tally, conns)
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := range tallies {
		wg.Add(1)
		go func(t *tally, seed uint64) {
			defer wg.Done()
			if err := askUntil(host, end, b, newAsker(), t, rand.New(rand.NewPCG(42, seed))); err != nil {
				log.Fatalf("connection %d: %v", seed, err)
			}
		}(&tallies[i], uint64(i))
	}
	wg.Wait()
	return tallies
}

// askUntil asks on one connection until end.
func askUntil(host string, end time.Time, b box, ask asker, t *tally, rnd *rand.Rand) error {
	c, err := net.Dial("tcp", host)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer c.Close()
	w, r := bufio.NewWriter(c), bufio.NewReaderSize(c, 16<<10)
	for {
		start := time.Now()
		if start.After(end) {
			return nil
		}
		lng := b.minLng + rnd.Float64()*(b.maxLng-b.minLng)
		lat := b.minLat + rnd.Float64()*(b.maxLat-b.minLat)
		ok, err := ask(w, r, lng, lat)
		if err != nil {
			return fmt.Errorf("ask (%.7f, %.7f): %w", lng, lat, err)
		}
		t.latencies = append(t.latencies, time.Since(start))
		if !ok {
			t.errors++
		}
	}
}

// report prints the summary of every connection's tally, the rate over
// the time the run took (connecting included, as wrk counts it).
func report(out io.Writer, tallies []tally, took time.Duration) {
	var all []time.Duration
	errors := 0
	for _, t := range tallies {
		all = append(all, t.latencies...)
		errors += t.errors
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[int(p*float64(len(all)-1))]) / 1e6
	}
	fmt.Fprintf(out, "pointload-summary %.1f %.3f %.3f %d %d\n", float64(len(all))/took.Seconds(), pct(0.50), pct(0.99), errors, len(all))
}
