package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// watched is one gridmap node the benchmark times.
type watched struct {
	name, url string
	pid       int
	client    *http.Client

	lat                []time.Duration // commit → the node answers from a version with the edit
	rss0, cpu0         int64           // RSS (bytes) and CPU (clock ticks) when timing started
	applied0, applyS0  float64         // the node's own apply counters then
	rebuilds0, builtS0 float64
	live0              float64 // the Go heap live at the node's last collection (bytes)
}

func (w *watched) start(ctx context.Context) error {
	w.client = &http.Client{Timeout: 5 * time.Second}
	_, err := w.version(ctx)
	return err
}

// baseline records the node's state when timing starts.
func (w *watched) baseline() {
	w.rss0, w.cpu0 = rssBytes(w.pid), cpuTicks(w.pid)
	m := w.metrics()
	w.applied0, w.applyS0 = m["gridmap_index_changes_applied_total"], m["gridmap_index_apply_seconds_total"]
	w.rebuilds0, w.builtS0 = m["gridmap_index_rebuilds_total"], m["gridmap_index_rebuild_seconds_total"]
	w.live0 = m["go_gc_heap_live_bytes"]
}

// version asks the node which data version it answers from (readyz).
func (w *watched) version(ctx context.Context) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.url+"/readyz", nil)
	if err != nil {
		return 0, err
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("node %s: %w", w.name, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("node %s: readyz answered %d", w.name, resp.StatusCode)
	}
	return strconv.ParseInt(resp.Header.Get("Gridmap-Index-Version"), 10, 64)
}

// await polls the node until it answers from version v or later and
// records how long that took since the commit.
func (w *watched) await(ctx context.Context, v int64, since time.Time) error {
	for {
		got, err := w.version(ctx)
		if err != nil {
			return err
		}
		if got >= v {
			w.lat = append(w.lat, time.Since(since))
			return nil
		}
		if time.Since(since) > time.Minute {
			return fmt.Errorf("node %s still at version %d a minute after version %d committed", w.name, got, v)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// report prints the node's figures for n edits.
func (w *watched) report(n int) {
	p50, p99, mx := quantiles(w.lat)
	fmt.Printf("   node %s: commit → answers from the new version: p50 %s, p99 %s, max %s\n", w.name, ms(p50), ms(p99), ms(mx))
	m := w.metrics()
	applied := m["gridmap_index_changes_applied_total"] - w.applied0
	applyS := m["gridmap_index_apply_seconds_total"] - w.applyS0
	rebuilds := m["gridmap_index_rebuilds_total"] - w.rebuilds0
	cpu := float64(cpuTicks(w.pid)-w.cpu0) / 100 // USER_HZ
	if applied > 0 {
		fmt.Printf("      %0.f changes applied, %.2f ms each (the node's own timing); %0.f rebuilds\n", applied, 1000*applyS/applied, rebuilds)
	}
	fmt.Printf("      process CPU %.2f ms per edit (applying, the NOTIFY or poll, the benchmark's readyz polls)\n", 1000*cpu/float64(n))
	rss := rssBytes(w.pid)
	fmt.Printf("      RSS %.1f MB before, %.1f MB after %d edits (%+.1f%%)\n", mbf(w.rss0), mbf(rss), n, 100*float64(rss-w.rss0)/float64(w.rss0))
	if live := m["go_gc_heap_live_bytes"]; w.live0 > 0 {
		fmt.Printf("      live heap at the last GC %.1f MB before, %.1f MB after (%+.1f%%; RSS adds the garbage GOGC lets pile up)\n",
			w.live0/(1<<20), live/(1<<20), 100*(live-w.live0)/w.live0)
	}
}

// metrics reads the node's gridmap_index_* counters and live heap from
// /metrics.
func (w *watched) metrics() map[string]float64 {
	out := map[string]float64{}
	resp, err := w.client.Get(w.url + "/metrics")
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if ok && (strings.HasPrefix(name, "gridmap_index_") || name == "go_gc_heap_live_bytes") {
			if f, err := strconv.ParseFloat(val, 64); err == nil {
				out[name] = f
			}
		}
	}
	return out
}

// rssBytes is a process's resident set size.
func rssBytes(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTicks is a process's user + system CPU time in clock ticks.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(fields[11], 10, 64)
	k, _ := strconv.ParseInt(fields[12], 10, 64)
	return u + k
}

func mbf(b int64) float64 { return float64(b) / (1 << 20) }
